// Structure-aware random fuzzer of the C++ core: every public entry point (and the private
// helpers they are built on: geometry, the fixed-point resize, the rounding to 32) is called
// with generated hostile inputs.
// A documented rejection (std::invalid_argument) is an expected outcome; any other exception, a
// broken output contract, a sanitizer report or a call over the time limit is a finding.
// Deterministic: call k of target T draws its input from a generator seeded by (seed, T, k), so
// any finding is replayed by `--seed S --target T --start k --calls 1`.
//
// To fuzz a new entry point, write a `void fuzz_x(Rng&)` that builds an input, calls it and
// checks what its contract promises (EXPECT), then add it to kTargets.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "../core/geometry.hpp"
#include "../core/linear_resize.hpp"
#include "../core/round32.hpp"
#include "trtocr/crop.hpp"
#include "trtocr/ctc.hpp"
#include "trtocr/db_postprocess.hpp"
#include "trtocr/det_preprocess.hpp"
#include "trtocr/detection.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>

// UBSan's non-recoverable reports exit without calling the death callback; aborting instead lets
// the SIGABRT handler name the call (and gives a stack trace).
extern "C" const char* __ubsan_default_options() { return "abort_on_error=1:print_stacktrace=1"; }
#endif

using namespace trtocr;
using geom::DPoint;
using geom::IPoint;

namespace {

// ---------------------------------------------------------------- random source

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {  // splitmix64
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  // Uniform in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  int ibetween(int lo, int hi) { return static_cast<int>(between(lo, hi)); }
  bool one_in(int n) { return below(static_cast<std::uint64_t>(n)) == 0; }
  bool coin() { return (next() & 1) != 0; }
  double unit() { return static_cast<double>(next() >> 11) * 0x1p-53; }
  template <class T>
  T pick(std::initializer_list<T> values) {
    return *(values.begin() + below(values.size()));
  }

 private:
  std::uint64_t s_;
};

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  Rng r(a ^ (b * 0xd1342543de82ef95ull));
  return r.next();
}

std::uint64_t hash_name(const char* s) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (; *s; ++s) h = (h ^ static_cast<unsigned char>(*s)) * 0x100000001b3ull;
  return h;
}

// ---------------------------------------------------------------- hostile values

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kDenorm = std::numeric_limits<float>::denorm_min();

float special_float(Rng& r) {
  return r.pick<float>({kNaN,
                        -kNaN,
                        kInf,
                        -kInf,
                        0.f,
                        -0.f,
                        kDenorm,
                        -kDenorm,
                        FLT_MIN,
                        FLT_MAX,
                        -FLT_MAX,
                        1.f,
                        -1.f,
                        0.5f,
                        1e-30f,
                        1e30f,
                        16777217.f,
                        2147483648.f,
                        -2147483904.f,
                        std::nextafter(1.f, 0.f),
                        std::nextafter(1.f, 2.f)});
}

// Anything a float can hold, biased towards the edges.
float any_float(Rng& r) {
  switch (r.below(4)) {
    case 0:
      return special_float(r);
    case 1: {
      const std::uint32_t bits = static_cast<std::uint32_t>(r.next());
      float f;
      std::memcpy(&f, &bits, sizeof f);
      return f;
    }
    case 2:
      return static_cast<float>((r.unit() * 2 - 1) * std::pow(10.0, r.ibetween(-45, 38)));
    default:
      return static_cast<float>(r.unit());
  }
}

double any_double(Rng& r) {
  switch (r.below(4)) {
    case 0:
      return r.pick<double>({std::nan(""), HUGE_VAL, -HUGE_VAL, 0.0, -0.0, 5e-324, DBL_MIN, DBL_MAX,
                             -DBL_MAX, 1.0, -1.0, 1e-300, 1e300});
    case 1: {
      const std::uint64_t bits = r.next();
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
    case 2:
      return (r.unit() * 2 - 1) * std::pow(10.0, r.ibetween(-320, 308));
    default:
      return any_float(r);
  }
}

constexpr int kIntMax = std::numeric_limits<int>::max();
constexpr int kIntMin = std::numeric_limits<int>::min();

int any_int(Rng& r) {
  switch (r.below(4)) {
    case 0:
      return r.pick<int>({0, 1, -1, 2, 3, 31, 32, 33, 4096, kIntMax, kIntMin, kIntMax - 1,
                          kIntMin + 1, 1 << 15, (1 << 15) + 1, 1 << 16, 1 << 24, -(1 << 24)});
    case 1:
      return static_cast<int>(static_cast<std::uint32_t>(r.next()));
    case 2:
      return r.ibetween(-100, 100);
    default:
      return r.ibetween(1, 5000);
  }
}

// A valid side length: mostly small, sometimes 1, sometimes long.
int side(Rng& r) {
  switch (r.below(20)) {
    case 0:
      return 1;
    case 1:
      return r.ibetween(1, 3);
    case 2:
    case 3:
    case 4:
      return r.ibetween(1, 300);
    case 5:
      return r.ibetween(300, 4000);
    default:
      return r.ibetween(1, 48);
  }
}

// Two valid sides whose product stays within max_area (the long one is cut down), so thin and
// long shapes appear without unbounded memory.
std::pair<int, int> dims2(Rng& r, long long max_area) {
  int a = side(r), b = side(r);
  if (static_cast<long long>(a) * b > max_area) {
    if (a >= b)
      a = static_cast<int>(std::max<long long>(1, max_area / b));
    else
      b = static_cast<int>(std::max<long long>(1, max_area / a));
  }
  return {a, b};
}

// ---------------------------------------------------------------- findings

struct Finding : std::runtime_error {
  using std::runtime_error::runtime_error;
};

#define EXPECT(cond)                                                                       \
  do {                                                                                     \
    if (!(cond))                                                                           \
      throw Finding("contract broken: " #cond " (line " + std::to_string(__LINE__) + ")"); \
  } while (0)

bool same_float(float a, float b) {
  return (a != a && b != b) || std::memcmp(&a, &b, sizeof a) == 0;
}

// ---------------------------------------------------------------- images

struct TestImage {
  std::vector<std::uint8_t> bytes;  // exactly the bytes the view may read, so overreads trap
  ImageView view;
};

void fill_bytes(Rng& r, std::vector<std::uint8_t>& b) {
  switch (r.below(5)) {
    case 0:
      std::fill(b.begin(), b.end(), r.coin() ? 0 : 255);
      break;
    case 1:
      for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(i * 7 + i / 13);
      break;
    case 2:
      for (auto& v : b) v = r.coin() ? 0 : 255;
      break;
    default:
      for (auto& v : b) v = static_cast<std::uint8_t>(r.next());
      break;
  }
}

// A view that breaks exactly one of ImageView's rules, over a tiny buffer: the core must reject
// it before reading.
TestImage invalid_image(Rng& r, int channels) {
  TestImage t;
  t.bytes.assign(16, 7);
  ImageView v{t.bytes.data(), r.ibetween(1, 5000), r.ibetween(1, 5000), channels,
              std::ptrdiff_t{0}};
  v.row_stride = static_cast<std::ptrdiff_t>(v.width) * v.channels;
  switch (r.below(5)) {
    case 0:
      v.data = nullptr;
      break;
    case 1:
      v.height = r.pick<int>({0, -1, kIntMin, -(1 << 20)});
      break;
    case 2:
      v.width = r.pick<int>({0, -1, kIntMin, -(1 << 20)});
      v.row_stride = 16;
      break;
    case 3:
      v.channels = r.pick<int>({0, 5, -1, 255, kIntMin, kIntMax});
      v.row_stride = 1 << 20;
      break;
    default:
      v.row_stride = r.pick<std::ptrdiff_t>(
          {v.row_stride - 1, 0, -1, -v.row_stride, std::numeric_limits<std::ptrdiff_t>::min()});
      break;
  }
  t.view = v;
  return t;
}

// channels: what the entry point needs (0: any of 1..4); now and then another count.
TestImage make_image(Rng& r, int channels, long long max_pixels) {
  int c = channels == 0 || r.one_in(12) ? r.ibetween(1, 4) : channels;
  if (r.one_in(12)) return invalid_image(r, c);
  const auto [h, w] = dims2(r, max_pixels);
  const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(w) * c;
  std::ptrdiff_t stride = row;
  if (r.one_in(3)) stride += r.one_in(2) ? r.ibetween(1, 7) : r.ibetween(8, 100);  // odd strides
  TestImage t;
  t.bytes.resize(static_cast<std::size_t>((h - 1) * stride + row));
  fill_bytes(r, t.bytes);
  t.view = ImageView{t.bytes.data(), h, w, c, stride};
  return t;
}

bool image_valid(const ImageView& v) {
  return v.data != nullptr && v.height > 0 && v.width > 0 && v.channels >= 1 && v.channels <= 4 &&
         v.row_stride >= static_cast<std::ptrdiff_t>(v.width) * v.channels;
}

// Normalisations: mostly usable ones, sometimes zero/NaN/inf/denormal parameters.
Normalization make_norm(Rng& r) {
  Normalization n;
  switch (r.below(6)) {
    case 0:
      n.mean = {0.485f, 0.456f, 0.406f};
      n.std = {0.229f, 0.224f, 0.225f};
      break;
    case 1:
      for (int c = 0; c < 3; ++c) {
        n.mean[c] = r.coin() ? any_float(r) : n.mean[c];
        n.std[c] = r.coin() ? any_float(r) : n.std[c];
      }
      if (r.coin()) n.scale = any_float(r);
      break;
    default:
      break;
  }
  return n;
}

// Parameters for which every output value must be finite.
bool tame(const Normalization& n) {
  if (!(std::fabs(n.scale) <= 1e3f)) return false;
  for (int c = 0; c < 3; ++c)
    if (!(std::fabs(n.mean[c]) <= 1e3f) || !(std::fabs(n.std[c]) >= 1e-3f)) return false;
  return true;
}

// ---------------------------------------------------------------- quads

Quad quad_of(const float (&v)[8]) {
  return Quad{Point{v[0], v[1]}, Point{v[2], v[3]}, Point{v[4], v[5]}, Point{v[6], v[7]}};
}

Quad rotated_rect(double cx, double cy, double w, double h, double angle) {
  const double c = std::cos(angle), s = std::sin(angle);
  const double dx[4] = {-w / 2, w / 2, w / 2, -w / 2}, dy[4] = {-h / 2, -h / 2, h / 2, h / 2};
  Quad q;
  for (int i = 0; i < 4; ++i)
    q[i] = {static_cast<float>(cx + c * dx[i] - s * dy[i]),
            static_cast<float>(cy + s * dx[i] + c * dy[i])};
  return q;
}

// A quad around an image of extent `span`: realistic, degenerate, self-intersecting, enormous,
// non-finite.
Quad make_quad(Rng& r, double span) {
  auto coord = [&] { return static_cast<float>((r.unit() * 1.4 - 0.2) * span); };
  switch (r.below(13)) {
    case 0:
    case 1:
    case 2:
      return rotated_rect(coord(), coord(), r.unit() * span, r.unit() * span * 0.3,
                          r.coin() ? 0.0 : (r.unit() - 0.5) * 7);
    case 3: {
      float v[8];
      for (float& x : v) x = coord();
      return quad_of(v);
    }
    case 4: {
      const float x = coord(), y = coord();
      return quad_of({x, y, x, y, x, y, x, y});
    }
    case 5: {  // collinear corners
      const float x = coord(), y = coord();
      const float dx = static_cast<float>(r.unit() * 4 - 2),
                  dy = static_cast<float>(r.unit() - 0.5);
      float v[8];
      for (int i = 0; i < 4; ++i) {
        const float t = static_cast<float>(r.unit() * span);
        v[2 * i] = x + t * dx;
        v[2 * i + 1] = y + t * dy;
      }
      return quad_of(v);
    }
    case 6: {  // bow tie
      Quad q = rotated_rect(coord(), coord(), r.unit() * span, r.unit() * span * 0.3, 0.1);
      std::swap(q[2], q[3]);
      return q;
    }
    case 7: {  // enormous
      float v[8];
      for (float& x : v)
        x = r.pick<float>({FLT_MAX, -FLT_MAX, 1e30f, -1e30f, 3e9f, -3e9f, 1e20f, 0.f});
      return quad_of(v);
    }
    case 8: {  // one non-finite coordinate
      Quad q = rotated_rect(coord(), coord(), r.unit() * span, r.unit() * span * 0.3, 0.3);
      float* c = r.coin() ? &q[r.below(4)].x : &q[r.below(4)].y;
      *c = r.pick<float>({kNaN, kInf, -kInf});
      return q;
    }
    case 9:  // sub-pixel
      return rotated_rect(coord(), coord(), r.unit() * 1.5, r.unit() * 1.5, r.unit() * 6);
    case 10: {
      float v[8];
      for (float& x : v) x = any_float(r);
      return quad_of(v);
    }
    case 11: {  // concave, or with a repeated corner
      Quad q = rotated_rect(coord(), coord(), r.unit() * span, r.unit() * span, 0.2);
      if (r.coin())
        q[2] = {(q[0].x + q[2].x) / 2, (q[0].y + q[2].y) / 2};
      else
        q[2] = q[1];
      return q;
    }
    default: {  // tall (rotated crops)
      return rotated_rect(coord(), coord(), r.unit() * span * 0.1, r.unit() * span, 0.05);
    }
  }
}

double make_tall_ratio(Rng& r) {
  if (!r.one_in(6)) return 1.5;
  return r.pick<double>(
      {0.0, -1.0, std::nan(""), HUGE_VAL, -HUGE_VAL, 5e-324, 1e-30, 1e30, 1.0, r.unit() * 4});
}

// ---------------------------------------------------------------- det_input_shape

void fuzz_det_input_shape(Rng& r) {
  const int h = r.one_in(6) ? any_int(r) : r.ibetween(1, 20000);
  const int w = r.one_in(6) ? any_int(r) : r.ibetween(1, 20000);
  DetResizeParams p;
  p.limit_side_len = r.one_in(6) ? any_int(r) : r.pick<int>({960, 736, 640, 32, 1, 31, 4000});
  p.limit_type = r.coin() ? LimitType::Max : LimitType::Min;
  if (r.one_in(3))
    p.max_side_limit = r.one_in(6) ? any_int(r) : r.pick<int>({4000, 960, 32, 1, 100});
  if (r.one_in(3)) p.max_upscale = r.pick<double>({0.0, 1.0, 1.5, 2.0, 0.5, -1.0, 1e300});
  const DetInputShape s = det_input_shape(h, w, p);
  EXPECT(h > 0 && w > 0 && p.limit_side_len > 0 && p.max_side_limit >= 0);
  EXPECT(p.max_upscale == 0.0 || p.max_upscale >= 1.0);
  // Enlarged at most max_upscale times, or to a 64 px short side, before the rounding to 32
  // (up to 16 px more).
  if (p.max_upscale > 0.0) {
    const double up = std::max(p.max_upscale, kMinUpscaledShortSide / std::min(h, w));
    EXPECT(s.height <= std::max(32.0, std::floor(h * up) + 16.0) &&
           s.width <= std::max(32.0, std::floor(w * up) + 16.0));
  }
  // The cap holds before the rounding to 32, which may add up to 16 px (at least 32 stays).
  if (p.max_side_limit > 0)
    EXPECT(std::max(s.height, s.width) <= std::max(32LL, p.max_side_limit + 16LL));
  EXPECT(s.height >= 32 && s.height % 32 == 0 && s.height <= kMaxDetSide);
  EXPECT(s.width >= 32 && s.width % 32 == 0 && s.width <= kMaxDetSide);
  EXPECT(static_cast<long long>(s.height) * s.width <= kMaxDetPixels);
  EXPECT(s.ratio_h == s.height / static_cast<double>(h));
  EXPECT(s.ratio_w == s.width / static_cast<double>(w));
}

// ---------------------------------------------------------------- resize_normalize_chw

void fuzz_resize_normalize_chw(Rng& r) {
  const TestImage img = make_image(r, 3, 1 << 18);
  int oh, ow;
  bool valid_size = !r.one_in(10);
  if (valid_size) {
    std::tie(oh, ow) = dims2(r, 1 << 17);
  } else {
    oh = r.pick<int>({0, -1, kIntMin, kMaxDetSide + 1, kIntMax, 16384, r.ibetween(1, 64)});
    ow = r.pick<int>({0, -32, kIntMin, kMaxDetSide + 1, kIntMax, 8192});
    valid_size = oh > 0 && ow > 0 && oh <= kMaxDetSide && ow <= kMaxDetSide &&
                 static_cast<long long>(oh) * ow <= kMaxDetPixels;
    if (valid_size) oh = ow = 1;  // keep the buffer honest if the pick happens to be valid
  }
  const Normalization norm = make_norm(r);
  std::vector<float> out(valid_size ? static_cast<std::size_t>(oh) * ow * 3 : 1);
  float* dst = r.one_in(40) ? nullptr : out.data();
  resize_normalize_chw(img.view, oh, ow, norm, dst);
  EXPECT(image_valid(img.view) && img.view.channels == 3 && valid_size && dst != nullptr);
  if (tame(norm))
    for (float v : out) EXPECT(std::isfinite(v));
}

// ---------------------------------------------------------------- db_postprocess

// A probability map: blobs, noise, stripes, checkerboards, rings; sometimes special values.
void fill_prob(Rng& r, std::vector<float>& prob, int h, int w, float thresh) {
  auto at = [&](int y, int x) -> float& { return prob[static_cast<std::size_t>(y) * w + x]; };
  const float on = r.coin() ? 1.f : static_cast<float>(0.3 + 0.7 * r.unit());
  switch (r.below(9)) {
    case 0: {  // rotated rectangles (text lines)
      std::fill(prob.begin(), prob.end(), r.coin() ? 0.f : 0.05f);
      const int k = r.ibetween(1, 12);
      for (int i = 0; i < k; ++i) {
        const double cx = r.unit() * w, cy = r.unit() * h;
        const double hw = r.unit() * w * 0.5 + 0.5, hh = r.unit() * h * 0.2 + 0.5;
        const double a = r.coin() ? 0.0 : (r.unit() - 0.5) * 3, c = std::cos(a), s = std::sin(a);
        for (int y = 0; y < h; ++y)
          for (int x = 0; x < w; ++x) {
            const double dx = x - cx, dy = y - cy;
            if (std::fabs(c * dx + s * dy) <= hw && std::fabs(-s * dx + c * dy) <= hh)
              at(y, x) = on;
          }
      }
      break;
    }
    case 1:
      for (float& v : prob) v = static_cast<float>(r.unit());
      break;
    case 2: {  // sparse speckle: many tiny components
      const double d = r.unit();
      for (float& v : prob) v = r.unit() < d ? on : 0.f;
      break;
    }
    case 3:
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) at(y, x) = ((x + y) & 1) ? on : 0.f;
      break;
    case 4: {  // stripes
      const int period = r.ibetween(1, 6);
      const bool vertical = r.coin();
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) at(y, x) = ((vertical ? x : y) / period) % 2 ? on : 0.f;
      break;
    }
    case 5: {  // concentric rings: nested holes
      const double cx = w / 2.0, cy = h / 2.0;
      const int period = r.ibetween(1, 4);
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          at(y, x) = static_cast<int>(std::max(std::fabs(x - cx), std::fabs(y - cy))) / period % 2
                         ? on
                         : 0.f;
      break;
    }
    case 6:
      std::fill(prob.begin(), prob.end(), r.pick<float>({0.f, 1.f, thresh, on, -1.f}));
      break;
    case 7: {  // values right at the threshold
      const float below = std::nextafter(thresh, -1.f), above = std::nextafter(thresh, 2.f);
      for (float& v : prob) v = r.pick<float>({below, thresh, above});
      break;
    }
    default: {  // disc
      const double cx = r.unit() * w, cy = r.unit() * h, rad = r.unit() * std::max(h, w);
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) at(y, x) = std::hypot(x - cx, y - cy) <= rad ? on : 0.f;
      break;
    }
  }
  if (r.one_in(10)) {  // NaN/inf must be rejected; huge, negative, denormal values are data
    const int k = r.ibetween(1, 4);
    for (int i = 0; i < k; ++i) prob[r.below(prob.size())] = special_float(r);
  }
}

DBParams make_db_params(Rng& r) {
  DBParams p;
  if (r.one_in(20))
    p.thresh = r.pick<float>({0.f, -0.f, std::nextafter(1.f, 0.f), 1.f, kNaN, kInf, -1.f,
                              static_cast<float>(r.unit()), kDenorm});
  if (r.one_in(20))
    p.box_thresh = r.pick<float>({0.f, 1.f, std::nextafter(1.f, 2.f), kNaN, -0.1f,
                                  static_cast<float>(r.unit()), static_cast<float>(r.unit())});
  if (r.one_in(20)) p.max_candidates = r.pick<int>({0, 1, 2, -1, kIntMax, kIntMin, 7});
  if (r.one_in(20))
    p.unclip_ratio = r.pick<float>({0.f, -1.f, 1e-30f, kDenorm, 100.f, std::nextafter(100.f, 101.f),
                                    1e10f, kNaN, kInf, static_cast<float>(r.unit() * 5), 2.f});
  p.use_dilation = r.coin();
  p.score_mode = r.coin() ? ScoreMode::Fast : ScoreMode::Slow;
  p.box_type = r.coin() ? BoxType::Quad : BoxType::Poly;
  if (r.one_in(20))
    p.min_size = r.pick<int>({0, 1, -1, 1000000, 1000001, kIntMax, kIntMin, r.ibetween(0, 40)});
  return p;
}

void fuzz_db_postprocess(Rng& r) {
  const DBParams p = make_db_params(r);
  int h, w;
  bool valid_map = !r.one_in(15);
  if (valid_map) {
    if (r.coin()) {
      std::tie(h, w) = dims2(r, r.one_in(40) ? 1 << 18 : 1 << 15);
    } else {  // detector-like maps
      h = r.ibetween(16, 256);
      w = r.ibetween(16, 256);
    }
  } else {
    h = r.pick<int>({0, -1, kIntMin, r.ibetween(1, 10)});
    w = r.pick<int>({0, -7, kIntMin});
  }
  std::vector<float> prob(valid_map ? static_cast<std::size_t>(h) * w : 1, 0.f);
  if (valid_map) fill_prob(r, prob, h, w, std::isfinite(p.thresh) ? p.thresh : 0.3f);
  int sh, sw;
  if (r.one_in(16)) {
    sh = any_int(r);
    sw = any_int(r);
  } else {
    const double ratio = r.pick<double>({1.0, 4.0, 0.25, r.unit() * 8 + 0.01});
    sh = std::max(1, static_cast<int>(h * ratio));
    sw = std::max(1, static_cast<int>(w * ratio));
  }
  const float* src = r.one_in(50) ? nullptr : prob.data();
  const std::vector<TextRegion> regions = db_postprocess(src, h, w, sh, sw, p);
  EXPECT(src != nullptr && valid_map && sh > 0 && sw > 0);
  EXPECT(regions.size() <= static_cast<std::size_t>(std::max(p.max_candidates, 0)));
  for (const TextRegion& t : regions) {
    EXPECT(p.box_type == BoxType::Quad ? t.points.size() == 4 : t.points.size() >= 3);
    EXPECT(std::isfinite(t.score));
    for (const Point& q : t.points) {
      EXPECT(q.x >= 0.f && q.x <= static_cast<float>(sw - 1));
      EXPECT(q.y >= 0.f && q.y <= static_cast<float>(sh - 1));
    }
  }
}

// ---------------------------------------------------------------- reading_order

void fuzz_reading_order(Rng& r) {
  const std::size_t n = r.one_in(30) ? r.below(3000) : r.below(40);
  std::vector<Quad> quads(n);
  const int lines = r.ibetween(1, 8);
  for (Quad& q : quads) {
    if (r.one_in(5)) {
      q = make_quad(r, 1000);
    } else {  // text lines: close y values, to exercise the same-line pass
      const float y = static_cast<float>(r.below(lines) * 30 + r.unit() * 15);
      q = rotated_rect(r.unit() * 1000, y, 50, 20, 0);
      q[0].y = y;
    }
  }
  if (n > 0 && r.one_in(10)) quads[r.below(n)][0].x = special_float(r);
  float tol = 10.f;
  if (r.one_in(5))
    tol = r.pick<float>(
        {0.f, -0.f, -1.f, kNaN, kInf, FLT_MAX, kDenorm, static_cast<float>(r.unit() * 100)});
  const std::vector<std::size_t> order = reading_order(quads, tol);
  EXPECT(order.size() == n);
  std::vector<char> seen(n, 0);
  for (std::size_t i : order) {
    EXPECT(i < n && !seen[i]);
    seen[i] = 1;
  }
}

// ---------------------------------------------------------------- crop_size / rect_to_quad

void fuzz_crop_size(Rng& r) {
  const Quad q = make_quad(r, r.pick<double>({10.0, 1000.0, 1e6, 1e9}));
  const double tall = make_tall_ratio(r);
  const CropSize cs = crop_size(q, tall);
  EXPECT(tall > 0.0);
  EXPECT(cs.width >= 0 && cs.height >= 0 && cs.width <= kMaxCropSide && cs.height <= kMaxCropSide);
  EXPECT((cs.width == 0) == (cs.height == 0));
  bool finite = true;
  for (const Point& p : q) finite = finite && std::isfinite(p.x) && std::isfinite(p.y);
  if (!finite) EXPECT(cs.width == 0);
}

void fuzz_rect_to_quad(Rng& r) {
  const Quad q = make_quad(r, r.pick<double>({10.0, 1000.0, 1e6}));
  const bool plain = !r.one_in(5);  // the sizes crop_size produces
  const double w = plain ? static_cast<double>(r.between(1, kMaxCropSide)) : any_double(r);
  const double h = plain ? static_cast<double>(r.between(1, kMaxCropSide)) : any_double(r);
  const std::array<double, 9> m = rect_to_quad(q, w, h);
  EXPECT(w >= 1.0 && h >= 1.0);
  bool finite = std::isfinite(w) && std::isfinite(h);
  for (const Point& p : q) finite = finite && std::isfinite(p.x) && std::isfinite(p.y);
  if (finite)  // "always finite for finite input"
    for (double v : m) EXPECT(std::isfinite(v));
}

// ---------------------------------------------------------------- crop_batch / crop_image

void fuzz_crop_batch(Rng& r) {
  const TestImage img = make_image(r, 3, 1 << 18);
  CropBatchParams p;
  if (r.one_in(5)) p.height = r.pick<int>({r.ibetween(1, 64), 0, -1, kIntMin, 1, 3});
  if (r.one_in(5)) p.width = r.pick<int>({r.ibetween(1, 1024), 0, -1, kIntMin, 1, 2});
  p.keep_ratio = !r.one_in(4);
  p.norm = make_norm(r);
  p.tall_ratio = make_tall_ratio(r);
  const std::size_t count = r.one_in(10) ? 0 : r.below(7);
  const double span =
      img.view.height > 0 && img.view.width > 0 ? std::max(img.view.height, img.view.width) : 100.0;
  std::vector<Quad> quads(count);
  for (Quad& q : quads) q = make_quad(r, span);
  std::unique_ptr<bool[]> flip(new bool[count + 1]);  // vector<bool> has no data()
  for (std::size_t i = 0; i < count; ++i) flip[i] = r.coin();
  const bool sizes_ok = p.height > 0 && p.width > 0;
  const std::size_t plane = sizes_ok ? static_cast<std::size_t>(p.height) * p.width : 0;
  std::vector<float> out(sizes_ok ? std::max<std::size_t>(count * 3 * plane, 1) : 1, -7.f);
  std::vector<int> widths(count + 1, -7);
  const bool null_quads = r.one_in(40), null_out = r.one_in(40);
  crop_batch(img.view, null_quads ? nullptr : quads.data(), count, r.coin() ? flip.get() : nullptr,
             p, null_out ? nullptr : out.data(), r.one_in(5) ? nullptr : widths.data());
  EXPECT(image_valid(img.view) && img.view.channels == 3 && sizes_ok && p.tall_ratio > 0.0);
  if (count == 0) return;
  EXPECT(!null_quads && !null_out);
  const bool check_finite = tame(p.norm);
  for (std::size_t i = 0; i < count; ++i) {
    const CropSize cs = crop_size(quads[i], p.tall_ratio);
    const int rw = widths[i];
    if (rw == -7) continue;  // valid_widths was null
    EXPECT(rw >= 0 && rw <= p.width);
    EXPECT((rw == 0) == (cs.width == 0));
    const float* t = out.data() + i * 3 * plane;
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < p.height; ++y) {
        const float* row = t + c * plane + static_cast<std::size_t>(y) * p.width;
        for (int x = 0; x < p.width; ++x) {
          if (x >= rw) EXPECT(row[x] == 0.f);  // padding
          if (check_finite) EXPECT(std::isfinite(row[x]));
        }
      }
  }
}

void fuzz_crop_image(Rng& r) {
  const TestImage img = make_image(r, 0, 1 << 18);
  const double span = img.view.height > 0 && img.view.width > 0
                          ? std::min(600, std::max(img.view.height, img.view.width))
                          : 100.0;
  const double tall = make_tall_ratio(r);
  // Crops stay below ~2 MB: the output buffer is the caller's, sized by crop_size.
  Quad q = make_quad(r, span);
  CropSize cs;
  bool tall_ok = true;
  try {
    cs = crop_size(q, tall);
  } catch (const std::invalid_argument&) {
    tall_ok = false;
  }
  if (static_cast<long long>(cs.width) * cs.height > (1 << 19)) {
    q = rotated_rect(span / 2, span / 2, span / 4, span / 8, r.unit());
    cs = crop_size(q, 1.5);
  }
  const int channels = image_valid(img.view) ? img.view.channels : 1;
  const std::size_t bytes = static_cast<std::size_t>(cs.width) * cs.height * channels;
  std::vector<std::uint8_t> out(std::max<std::size_t>(bytes, 1), 0xa5);
  // Nothing is written for a 0 x 0 crop: a null buffer must then be fine.
  std::uint8_t* dst = bytes == 0 || r.one_in(40) ? nullptr : out.data();
  crop_image(img.view, q, r.coin(), tall, dst);
  EXPECT(image_valid(img.view) && tall_ok);
  EXPECT(bytes == 0 || dst != nullptr);
}

// Batches read through a CropStore equal the batches computed without it, whatever the quads,
// indices (some past the end or pointing at another quad's entry), flips and tall ratios.
void fuzz_crop_store(Rng& r) {
  const TestImage img = make_image(r, 3, 1 << 18);
  const double span =
      image_valid(img.view) ? std::min(600, std::max(img.view.height, img.view.width)) : 100.0;
  const double tall = make_tall_ratio(r);
  const std::size_t count = r.below(7);
  std::vector<Quad> quads(count);
  for (Quad& q : quads) {
    q = make_quad(r, span);
    // Crops stay below ~1.5 MB each, so a call stays quick.
    CropSize cs;
    try {
      cs = crop_size(q, 1.5);
    } catch (const std::invalid_argument&) {
    }
    if (static_cast<long long>(cs.width) * cs.height > (1 << 19))
      q = rotated_rect(span / 2, span / 2, span / 4, span / 8, r.unit());
  }
  const CropStore store(img.view, quads.data(), count, tall);
  EXPECT(image_valid(img.view) && img.view.channels == 3 && tall > 0.0);
  EXPECT(store.size() == count);
  if (count == 0) return;
  CropBatchParams p;
  p.height = r.ibetween(1, 64);
  p.width = r.ibetween(1, 400);
  p.keep_ratio = !r.one_in(4);
  p.tall_ratio = r.one_in(4) ? 1.5 : tall;
  std::vector<std::size_t> index(count);
  for (std::size_t i = 0; i < count; ++i) index[i] = r.one_in(4) ? r.below(count + 2) : i;
  std::unique_ptr<bool[]> flip(new bool[count]);
  for (std::size_t i = 0; i < count; ++i) flip[i] = r.one_in(3);
  const std::size_t n = count * 3 * static_cast<std::size_t>(p.height) * p.width;
  std::vector<std::uint8_t> want(n, 1), got(n, 2);
  std::vector<int> want_w(count), got_w(count);
  crop_batch(img.view, quads.data(), count, flip.get(), p, want.data(), want_w.data());
  crop_batch(img.view, quads.data(), count, flip.get(), p, got.data(), got_w.data(), nullptr, store,
             index.data());
  EXPECT(got == want && got_w == want_w);
}

// ---------------------------------------------------------------- CTC decoding

std::string random_text(Rng& r) {
  std::string s;
  switch (r.below(8)) {
    case 0:
      return s;  // empty
    case 1:      // invalid UTF-8: lone continuation bytes, overlong, truncated sequences, 0xff
      for (int i = r.ibetween(1, 4); i > 0; --i)
        s += static_cast<char>(r.pick<int>({0x80, 0xbf, 0xc0, 0xc1, 0xe2, 0xf5, 0xff, 0xfe}));
      return s;
    case 2:
      s.assign(1, '\0');
      s += 'x';
      return s;
    case 3:
      for (int i = r.ibetween(1, 64); i > 0; --i) s += static_cast<char>(r.next());
      return s;
    case 4:
      return "\xe4\xb8\xad";  // a valid CJK character
    default:
      s.assign(1, static_cast<char>('!' + r.below(94)));
      return s;
  }
}

void fill_ctc_probs(Rng& r, std::vector<float>& probs, std::size_t c) {
  if (probs.empty() || c == 0) return;
  const std::size_t rows = probs.size() / c;
  for (std::size_t i = 0; i < rows; ++i) {
    float* row = probs.data() + i * c;
    switch (r.below(7)) {
      case 0: {  // one peak, often around the 8/32-lane block boundaries
        std::fill(row, row + c, 1e-4f);
        const std::size_t k =
            r.coin() ? r.below(c)
                     : std::min<std::size_t>(c - 1, r.pick<std::size_t>({0, 7, 8, 31, 32, 33}));
        row[k] = static_cast<float>(r.unit());
        break;
      }
      case 1:
        for (std::size_t k = 0; k < c; ++k) row[k] = static_cast<float>(r.unit());
        break;
      case 2:  // ties, signed zeros
        for (std::size_t k = 0; k < c; ++k) row[k] = r.pick<float>({0.f, -0.f, 0.5f});
        break;
      case 3:  // duplicated maximum
        for (std::size_t k = 0; k < c; ++k) row[k] = 0.1f;
        row[r.below(c)] = 0.9f;
        row[r.below(c)] = 0.9f;
        break;
      case 4:
        for (std::size_t k = 0; k < c; ++k) row[k] = any_float(r);
        break;
      case 5:  // specials sprinkled over a normal row
        for (std::size_t k = 0; k < c; ++k) row[k] = static_cast<float>(r.unit());
        for (int j = 0; j < 3; ++j) row[r.below(c)] = special_float(r);
        break;
      default:  // repeated frames: the collapse rule
        if (i > 0)
          std::memcpy(row, row - c, c * sizeof(float));
        else
          for (std::size_t k = 0; k < c; ++k) row[k] = static_cast<float>(r.unit());
        break;
    }
  }
}

// The decoder as documented: per step the first index of the largest value under a scalar scan
// from row[0] taking strictly greater values; a class is kept when not blank and not a repeat.
DecodedText reference_decode(const std::vector<std::string>& chars, const float* seq, std::size_t t,
                             std::size_t c) {
  DecodedText out;
  double sum = 0.0;
  int kept = 0;
  std::size_t previous = 0;
  for (std::size_t step = 0; step < t; ++step) {
    const float* row = seq + step * c;
    std::size_t best = 0;
    for (std::size_t k = 1; k < c; ++k)
      if (row[k] > row[best]) best = k;
    if (best != 0 && !(step > 0 && best == previous)) {
      out.text += chars[best - 1];
      sum += row[best];
      ++kept;
      out.steps.push_back(static_cast<int>(step));
    }
    previous = best;
  }
  out.score = kept > 0 ? static_cast<float>(sum / kept) : 0.f;
  return out;
}

void fuzz_ctc_decode(Rng& r) {
  std::size_t nchars;
  switch (r.below(20)) {
    case 0:
      nchars = 0;  // rejected by the constructor
      break;
    case 1:
      nchars = 6623;  // PP-OCR's Chinese dictionary
      break;
    case 2:
      nchars = r.below(20000) + 1;
      break;
    default:
      nchars = r.below(100) + 1;
      break;
  }
  std::vector<std::string> chars(nchars);
  for (std::string& s : chars) s = random_text(r);
  const CTCDecoder dec(chars);
  EXPECT(nchars > 0 && dec.num_classes() == nchars + 1);
  std::size_t c = dec.num_classes();
  if (r.one_in(10)) c = r.pick<std::size_t>({0, c - 1, c + 1, 1, 2});
  const std::size_t n = r.one_in(10) ? r.below(17) : r.below(5);
  std::size_t t = r.one_in(10) ? r.below(400) : r.below(41);
  while (t > 1 && n * t * c > (1u << 21)) t /= 2;
  std::vector<float> probs(n * t * c);
  fill_ctc_probs(r, probs, c);
  const bool with_steps = r.coin();
  const std::vector<DecodedText> got = dec.decode(probs.data(), n, t, c, with_steps);
  EXPECT(c == dec.num_classes());
  EXPECT(got.size() == n);
  for (std::size_t i = 0; i < n; ++i) {
    const DecodedText want = reference_decode(chars, probs.data() + i * t * c, t, c);
    EXPECT(got[i].text == want.text);
    EXPECT(same_float(got[i].score, want.score));
    if (with_steps) {
      EXPECT(got[i].steps == want.steps);
    } else {
      EXPECT(got[i].steps.empty());
    }
  }
}

void fuzz_decide_orientation(Rng& r) {
  std::size_t labels = r.one_in(4) ? r.pick<std::size_t>({0, 1, 3, 4, r.below(40)}) : 2;
  const int label_180 = r.one_in(5) ? r.pick<int>({-1, 0, static_cast<int>(labels), kIntMax,
                                                   kIntMin, static_cast<int>(r.below(labels + 1))})
                                    : 1;
  const float thresh = r.one_in(4) ? any_float(r) : 0.9f;
  const std::size_t n = r.below(33);
  std::vector<float> probs(n * labels);
  fill_ctc_probs(r, probs, labels);
  const std::vector<OrientationDecision> got =
      decide_orientation(probs.data(), n, labels, label_180, thresh);
  EXPECT(labels >= 2 && label_180 >= 0 && static_cast<std::size_t>(label_180) < labels);
  EXPECT(got.size() == n);
  for (std::size_t i = 0; i < n; ++i) {
    const float* row = probs.data() + i * labels;
    std::size_t best = 0;
    for (std::size_t k = 1; k < labels; ++k)
      if (row[k] > row[best]) best = k;
    EXPECT(got[i].label == static_cast<int>(best) && same_float(got[i].score, row[best]));
    EXPECT(got[i].flip == (static_cast<int>(best) == label_180 && row[best] > thresh));
  }
}

// ---------------------------------------------------------------- geometry helpers

// The core feeds these helpers map coordinates (contours, offset rings, outlines at 1/64 px), so
// the fuzz domain is +-2^24: far beyond any map it can hold in memory.
constexpr std::int64_t kGeomLimit = std::int64_t{1} << 24;

std::vector<std::int8_t> make_bitmap(Rng& r, int h, int w) {
  std::vector<float> prob(static_cast<std::size_t>(h) * w);
  fill_prob(r, prob, h, w, 0.5f);
  std::vector<std::int8_t> labels(static_cast<std::size_t>(h + 2) * (w + 2), 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      labels[static_cast<std::size_t>(y + 1) * (w + 2) + x + 1] =
          prob[static_cast<std::size_t>(y) * w + x] > 0.5f;
  return labels;
}

std::vector<IPoint> make_points(Rng& r) {
  std::size_t n;
  switch (r.below(10)) {
    case 0:
      n = r.below(5);
      break;
    case 1:
      n = r.between(200, 3000);
      break;
    case 2:
    case 3:
      n = r.between(5, 200);
      break;
    default:
      n = r.between(3, 16);
      break;
  }
  const std::int64_t size = r.pick<std::int64_t>({0, 1, 2, 7, 100, 1000, 1 << 20, kGeomLimit});
  const std::int64_t ox = r.coin() ? 0 : r.between(-kGeomLimit / 2, kGeomLimit / 2);
  const std::int64_t oy = r.coin() ? 0 : r.between(-kGeomLimit / 2, kGeomLimit / 2);
  std::vector<IPoint> pts;
  pts.reserve(n);
  switch (r.below(8)) {
    case 0: {  // collinear
      const std::int64_t dx = r.between(-3, 3), dy = r.between(-3, 3);
      for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t t = r.between(-size, size);
        pts.push_back({ox + t * dx, oy + t * dy});
      }
      break;
    }
    case 1:
      pts.assign(n, IPoint{ox, oy});
      break;
    case 2: {  // a few distinct points, repeated
      const IPoint pool[3] = {{ox, oy}, {ox + size, oy}, {ox, oy + r.between(0, size)}};
      for (std::size_t i = 0; i < n; ++i) pts.push_back(pool[r.below(3)]);
      break;
    }
    case 3: {  // convex ring
      const double rad = static_cast<double>(size) / 2;
      for (std::size_t i = 0; i < n; ++i) {
        const double a = 6.283185307179586 * static_cast<double>(i) / static_cast<double>(n);
        pts.push_back({ox + std::llround(rad * std::cos(a)), oy + std::llround(rad * std::sin(a))});
      }
      break;
    }
    case 4: {  // a real contour
      const auto [h, w] = dims2(r, 1 << 12);
      std::vector<std::int8_t> labels = make_bitmap(r, h, w);
      geom::ContourSet cs;
      geom::find_contours(labels, h, w, cs);
      if (cs.size() > 0) {
        const std::size_t i = r.below(cs.size());
        pts.assign(cs.begin(i), cs.begin(i) + cs.count(i));
      }
      break;
    }
    case 5: {  // extremes of the domain
      for (std::size_t i = 0; i < n; ++i)
        pts.push_back({r.pick<std::int64_t>({-kGeomLimit, kGeomLimit, 0}),
                       r.pick<std::int64_t>({-kGeomLimit, kGeomLimit, 0})});
      break;
    }
    default:
      for (std::size_t i = 0; i < n; ++i)
        pts.push_back({ox + r.between(0, size), oy + r.between(0, size)});
      break;
  }
  for (IPoint& p : pts) {
    p.x = std::clamp(p.x, -kGeomLimit, kGeomLimit);
    p.y = std::clamp(p.y, -kGeomLimit, kGeomLimit);
  }
  return pts;
}

double extent_of(const std::vector<IPoint>& pts) {
  double e = 1.0;
  for (const IPoint& p : pts)
    e = std::max({e, std::fabs(static_cast<double>(p.x)), std::fabs(static_cast<double>(p.y))});
  return e;
}

bool contains(const std::vector<IPoint>& pts, const IPoint& q) {
  return std::find(pts.begin(), pts.end(), q) != pts.end();
}

// Every point lies in the rotated box (corners going around it), within tol.
bool box_contains(const geom::RotatedBox& b, const std::vector<IPoint>& pts, double tol) {
  const DPoint o = b.corners[0];
  const double ux = b.corners[1].x - o.x, uy = b.corners[1].y - o.y;
  const double vx = b.corners[3].x - o.x, vy = b.corners[3].y - o.y;
  const double lu = std::hypot(ux, uy), lv = std::hypot(vx, vy);
  if (lu < 1e-9 || lv < 1e-9) return true;  // degenerate box: checked by the caller's area test
  for (const IPoint& p : pts) {
    const double px = static_cast<double>(p.x) - o.x, py = static_cast<double>(p.y) - o.y;
    const double a = (px * ux + py * uy) / lu, c = (px * vx + py * vy) / lv;
    if (a < -tol || a > lu + tol || c < -tol || c > lv + tol) return false;
  }
  return true;
}

void fuzz_geom_find_contours(Rng& r) {
  const auto [h, w] = dims2(r, 1 << 16);
  std::vector<std::int8_t> labels = make_bitmap(r, h, w);
  geom::ContourSet cs;
  cs.points.push_back({-99, -99});  // stale content must be cleared
  geom::find_contours(labels, h, w, cs);
  EXPECT(cs.offsets.front() == 0 && cs.offsets.back() == cs.points.size());
  for (std::size_t i = 0; i < cs.size(); ++i) EXPECT(cs.count(i) >= 1);
  for (const IPoint& p : cs.points) EXPECT(p.x >= 0 && p.x < w && p.y >= 0 && p.y < h);
}

void fuzz_geom_convex_hull(Rng& r) {
  const std::vector<IPoint> pts = make_points(r);
  std::vector<IPoint> hull{{1, 2}};
  geom::convex_hull(pts.data(), pts.size(), hull);
  EXPECT(hull.size() <= pts.size());
  for (const IPoint& p : hull) EXPECT(contains(pts, p));
  const std::size_t m = hull.size();
  if (m >= 3) {  // strictly convex, one orientation
    for (std::size_t i = 0; i < m; ++i) {
      const IPoint &a = hull[i], &b = hull[(i + 1) % m], &c = hull[(i + 2) % m];
      EXPECT((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x) > 0);
    }
  }
}

void check_box(const geom::RotatedBox& b) {
  for (const DPoint& c : b.corners) EXPECT(std::isfinite(c.x) && std::isfinite(c.y));
  EXPECT(std::isfinite(b.width) && std::isfinite(b.height) && b.width >= 0 && b.height >= 0);
}

void fuzz_geom_min_area_rect(Rng& r) {
  const std::vector<IPoint> pts = make_points(r);
  geom::MinAreaScratch s;
  const geom::RotatedBox b = geom::min_area_rect(pts.data(), pts.size(), s);
  check_box(b);
  if (pts.empty()) return;
  // float32 arithmetic, as OpenCV's (whose boxes these match exactly): the error of the box
  // direction grows with the coordinates' size and with thinness (extent / short side), so the
  // tolerance against the exact rectangle does too.
  std::vector<IPoint> hull;
  const geom::RotatedBox x = geom::min_area_rect_exact(pts.data(), pts.size(), hull);
  const double e = extent_of(pts);
  const double tol = 1e-5 * e * std::max(1.0, e / std::max(x.short_side(), 1.0)) + 0.01;
  EXPECT(box_contains(b, pts, tol));
  const double got = b.width * b.height, want = x.width * x.height;
  EXPECT(std::fabs(got - want) <= 1e-4 * want + 2 * tol * (x.width + x.height + tol));
}

void fuzz_geom_min_area_rect_exact(Rng& r) {
  const std::vector<IPoint> pts = make_points(r);
  std::vector<IPoint> hull;
  const geom::RotatedBox b = geom::min_area_rect_exact(pts.data(), pts.size(), hull);
  check_box(b);
  if (pts.empty()) return;
  EXPECT(box_contains(b, pts, 1e-9 * extent_of(pts) + 1e-6));
}

void fuzz_geom_mini_box_order(Rng& r) {
  std::array<DPoint, 4> c;
  for (DPoint& p : c)
    p = r.coin() ? DPoint{any_double(r), any_double(r)}
                 : DPoint{static_cast<double>(r.below(5)), static_cast<double>(r.below(5))};
  const std::array<DPoint, 4> o = geom::mini_box_order(c);
  // A permutation of the input corners.
  std::array<bool, 4> used{};
  for (const DPoint& p : o) {
    bool found = false;
    for (int i = 0; i < 4 && !found; ++i)
      if (!used[i] && std::memcmp(&c[i], &p, sizeof p) == 0) used[i] = found = true;
    EXPECT(found);
  }
}

void fuzz_geom_offset_round_raw(Rng& r) {
  const std::vector<IPoint> path = make_points(r);
  double delta = r.unit() * 50;
  if (r.one_in(3))
    delta = r.pick<double>({0.0, -1.0, std::nan(""), HUGE_VAL, 1e-300, 5e-324, 1e5,
                            static_cast<double>(r.between(1, 1000)), r.unit()});
  std::vector<IPoint> out{{5, 5}};
  geom::offset_round_raw(path, delta, out);
  if (!(delta > 0.0) || !std::isfinite(delta)) EXPECT(out.empty());
  if (out.empty() || path.empty()) return;
  std::int64_t x0 = path[0].x, x1 = x0, y0 = path[0].y, y1 = y0;
  for (const IPoint& p : path) {
    x0 = std::min(x0, p.x), x1 = std::max(x1, p.x);
    y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
  }
  const double m = delta + 2;
  for (const IPoint& p : out)
    EXPECT(p.x >= x0 - m && p.x <= x1 + m && p.y >= y0 - m && p.y <= y1 + m);
}

std::vector<DPoint> make_dpoints(Rng& r) {
  std::vector<DPoint> pts(r.one_in(10) ? r.below(3) : r.below(20));
  const bool wild = r.one_in(3);
  for (DPoint& p : pts)
    p = wild ? DPoint{any_double(r), any_double(r)} : DPoint{r.unit() * 1000, r.unit() * 1000};
  return pts;
}

void fuzz_geom_polygon_area(Rng& r) {
  const std::vector<DPoint> pts = make_dpoints(r);
  const double a = geom::polygon_area(pts.data(), pts.size());
  EXPECT(!(a < 0.0));
  bool tame_pts = true;
  for (const DPoint& p : pts) tame_pts = tame_pts && std::fabs(p.x) <= 1e6 && std::fabs(p.y) <= 1e6;
  if (tame_pts) EXPECT(std::isfinite(a));
}

void fuzz_geom_polygon_perimeter(Rng& r) {
  const std::vector<DPoint> pts = make_dpoints(r);
  const double len = geom::polygon_perimeter(pts.data(), pts.size());
  EXPECT(!(len < 0.0));
  bool tame_pts = true;
  for (const DPoint& p : pts) tame_pts = tame_pts && std::fabs(p.x) <= 1e6 && std::fabs(p.y) <= 1e6;
  if (tame_pts) EXPECT(std::isfinite(len));
}

void fuzz_geom_arc_length_closed(Rng& r) {
  const std::vector<IPoint> pts = make_points(r);
  const double len = geom::arc_length_closed(pts.data(), pts.size());
  EXPECT(std::isfinite(len) && len >= 0.0);
}

void fuzz_geom_approx_poly_dp_closed(Rng& r) {
  const std::vector<IPoint> pts = make_points(r);
  double eps = 0.002 * geom::arc_length_closed(pts.data(), pts.size());
  if (r.one_in(3))
    eps = r.pick<double>({0.0, -1.0, std::nan(""), HUGE_VAL, 1e300, 5e-324, r.unit() * 10, 1.0});
  std::vector<IPoint> out{{3, 3}};
  geom::approx_poly_dp_closed(pts.data(), pts.size(), eps, out);
  EXPECT(out.size() <= pts.size());
  EXPECT(pts.empty() == out.empty());
  if (pts.size() <= 500)
    for (const IPoint& p : out) EXPECT(contains(pts, p));
}

void fuzz_geom_fill_poly(Rng& r) {
  auto [mh, mw] = dims2(r, 1 << 16);
  if (r.one_in(20)) mh = r.pick<int>({0, -1, kIntMin});
  if (r.one_in(20)) mw = r.pick<int>({0, -1, kIntMin});
  const bool valid = mh > 0 && mw > 0;
  std::vector<std::uint8_t> mask(valid ? static_cast<std::size_t>(mh) * mw : 1, 0);
  std::vector<IPoint> pts = make_points(r);
  if (r.coin()) {  // mostly on and around the mask
    const std::int64_t s = std::max(mh, mw) + 4;
    for (IPoint& p : pts) p = {p.x % s - 2, p.y % s - 2};
  }
  geom::fill_poly(mask.data(), mh, mw, pts.data(), pts.size());
  for (std::uint8_t v : mask) EXPECT(v <= 1);
  if (!valid) EXPECT(mask[0] == 0);
}

// ---------------------------------------------------------------- option names

// A string near an accepted spelling: the spelling itself, a case or byte change, surrounding
// whitespace, a trailing NUL, a prefix, junk.
std::string near_name(Rng& r, const std::string& name) {
  std::string s = name;
  switch (r.below(10)) {
    case 0:
    case 1:
      return s;
    case 2:
      s[r.below(s.size())] ^= 0x20;  // case
      return s;
    case 3:
      return r.coin() ? " " + s : s + r.pick<const char*>({" ", "\n", "\t"});
    case 4:
      s.push_back('\0');
      return s;
    case 5:
      return s.substr(0, r.below(s.size()));  // a prefix, maybe empty
    case 6:
      return s + s.back();
    case 7:
      return random_text(r);
    case 8: {
      std::string t(r.below(300), 'x');
      for (char& c : t) c = static_cast<char>(r.next());
      return t;
    }
    default:
      s[r.below(s.size())] = static_cast<char>(r.next());
      return s;
  }
}

// parse accepts exactly the names (each to its value) and otherwise throws
// std::invalid_argument naming every accepted spelling. The text is handed over in a buffer of
// exactly its size, so reading past it traps.
template <class E, std::size_t N>
void check_option_parser(Rng& r, E (*parse)(std::string_view),
                         const std::array<std::pair<const char*, E>, N>& names) {
  const std::string s = near_name(r, names[r.below(N)].first);
  const std::unique_ptr<char[]> exact(new char[s.size() + (s.empty() ? 1 : 0)]);
  std::memcpy(exact.get(), s.data(), s.size());
  const E* want = nullptr;
  for (const auto& [name, value] : names)
    if (s == name) want = &value;
  E got;
  try {
    got = parse(std::string_view(exact.get(), s.size()));
  } catch (const std::invalid_argument& e) {
    EXPECT(want == nullptr);
    for (const auto& [name, value] : names)
      EXPECT(std::string(e.what()).find("'" + std::string(name) + "'") != std::string::npos);
    throw;
  }
  EXPECT(want != nullptr && got == *want);
}

void fuzz_limit_type_from(Rng& r) {
  check_option_parser<LimitType, 2>(r, limit_type_from,
                                    {{{"max", LimitType::Max}, {"min", LimitType::Min}}});
}

void fuzz_score_mode_from(Rng& r) {
  check_option_parser<ScoreMode, 2>(r, score_mode_from,
                                    {{{"fast", ScoreMode::Fast}, {"slow", ScoreMode::Slow}}});
}

void fuzz_box_type_from(Rng& r) {
  check_option_parser<BoxType, 2>(r, box_type_from,
                                  {{{"quad", BoxType::Quad}, {"poly", BoxType::Poly}}});
}

// ---------------------------------------------------------------- parameter validation

// validate rejects exactly the parameters outside the documented ranges.
void fuzz_validate_db_params(Rng& r) {
  DBParams p = make_db_params(r);
  if (r.one_in(4)) p.thresh = any_float(r);
  if (r.one_in(4)) p.box_thresh = any_float(r);
  if (r.one_in(4)) p.max_candidates = any_int(r);
  if (r.one_in(4)) p.unclip_ratio = any_float(r);
  if (r.one_in(4)) p.min_size = any_int(r);
  const bool in_range = p.thresh >= 0.f && p.thresh < 1.f && p.box_thresh >= 0.f &&
                        p.box_thresh <= 1.f && p.max_candidates >= 0 && p.unclip_ratio > 0.f &&
                        p.unclip_ratio <= 100.f && p.min_size >= 0 && p.min_size <= 1000000;
  try {
    validate(p);
  } catch (const std::invalid_argument&) {
    EXPECT(!in_range);
    throw;
  }
  EXPECT(in_range);
}

RescaleParams make_rescale(Rng& r) {
  RescaleParams p;
  if (r.coin())
    p.max_side_len = r.pick<int>(
        {0, -1, 1, 31, 32, 33, 64, 960, 2000, r.ibetween(1, 4000), kIntMax, kIntMin, any_int(r)});
  if (r.coin())
    p.min_side_len = r.pick<int>(
        {0, -1, 1, 16, 32, 48, 64, r.ibetween(1, 500), 5000, kIntMax, kIntMin, any_int(r)});
  return p;
}

LetterboxParams make_letterbox(Rng& r) {
  LetterboxParams p;
  if (r.coin())
    p.min_height = r.pick<int>({0, -1, 1, 16, 32, r.ibetween(1, 200), 5000, kIntMax, kIntMin});
  if (r.coin())
    p.max_aspect =
        r.pick<double>({-1.0, 0.0, -0.0, 8.0, 1.0, 0.5, 1e-3, 1e-300, 5e-324, std::nan(""),
                        HUGE_VAL, -HUGE_VAL, DBL_MAX, r.unit() * 20, any_double(r)});
  return p;
}

DetInputParams make_det_params(Rng& r) {
  DetInputParams p;
  p.rescale = make_rescale(r);
  p.letterbox = make_letterbox(r);
  p.resize.limit_side_len =
      r.one_in(8) ? any_int(r)
                  : r.pick<int>({960, 736, 640, 64, 32, 1, 31, 4000, r.ibetween(1, 2000)});
  p.resize.limit_type = r.coin() ? LimitType::Max : LimitType::Min;
  if (r.one_in(4)) p.resize.max_side_limit = r.one_in(6) ? any_int(r) : r.pick<int>({4000, 960, 1});
  if (!r.one_in(3)) p.norm = make_norm(r);
  return p;
}

bool det_params_valid(const DetInputParams& p) {
  bool ok = p.resize.limit_side_len > 0 && p.resize.max_side_limit >= 0;
  for (float s : p.norm.std) ok = ok && s != 0.f && std::isfinite(s);
  return ok;
}

void fuzz_validate_det_params(Rng& r) {
  DetInputParams p = make_det_params(r);
  if (r.one_in(4)) p.norm.std[r.below(3)] = special_float(r);
  try {
    validate(p);
  } catch (const std::invalid_argument&) {
    EXPECT(!det_params_valid(p));
    throw;
  }
  EXPECT(det_params_valid(p));
}

// ---------------------------------------------------------------- round_to_32

// Python's max(int(round(x / 32) * 32), 32), round half to even, over the range its callers
// use (|x| < 2^40, where x / 32 is exact in double).
void fuzz_round_to_32(Rng& r) {
  constexpr std::int64_t kLimit = std::int64_t{1} << 40;
  std::int64_t x;
  switch (r.below(4)) {
    case 0:
      x = 32 * r.between(-1000, 1000) + r.pick<std::int64_t>({15, 16, 17, 0, -16, 31});  // ties
      break;
    case 1:
      x = r.between(-kLimit, kLimit);
      break;
    case 2:
      x = r.pick<std::int64_t>({0, 1, -1, 16, 48, 80, kLimit, -kLimit, kLimit - 16, 32767, 32768});
      break;
    default:
      x = r.between(-100, 5000);
      break;
  }
  const double q = std::nearbyint(static_cast<double>(x) / 32.0);  // to nearest, ties to even
  EXPECT(round_to_32(x) == std::max<long long>(static_cast<long long>(q) * 32, 32));
}

// ---------------------------------------------------------------- linear::resize_rows

// The horizontal pass of a source row as the taps define it, to compare with the rows
// resize_rows hands out (its two-slot cache decides which row each pointer holds).
void fuzz_linear_resize_rows(Rng& r) {
  const auto [h, w] = dims2(r, 1 << 14);
  const auto [oh, ow] =
      r.one_in(4) ? std::pair<int, int>{r.ibetween(1, 4), r.ibetween(1, 4)} : dims2(r, 1 << 14);
  const std::ptrdiff_t stride =
      static_cast<std::ptrdiff_t>(w) * 3 + (r.coin() ? 0 : r.ibetween(1, 9));
  std::vector<std::uint8_t> px(static_cast<std::size_t>((h - 1) * stride + w * 3));
  fill_bytes(r, px);
  const ImageView src{px.data(), h, w, 3, stride};
  const std::vector<linear::Tap> xt = linear::taps(w, ow, true);
  const std::vector<linear::Tap> yt = linear::taps(h, oh, false);
  for (const linear::Tap& t : xt)
    EXPECT(t.index >= 0 && t.index < w && t.w0 >= 0 && t.w1 >= 0 && t.w0 + t.w1 == 2048);
  for (const linear::Tap& t : yt) EXPECT(t.w0 >= 0 && t.w1 >= 0 && t.w0 + t.w1 == 2048);
  auto expect_row = [&](const std::int16_t* got, int y) {
    const std::uint8_t* s = src.row(std::clamp(y, 0, h - 1));
    for (int c = 0; c < 3; ++c)
      for (int x = 0; x < ow; ++x) {
        const linear::Tap t = xt[x];
        const int p0 = s[3 * t.index + c], p1 = s[3 * std::min(t.index + 1, w - 1) + c];
        EXPECT(got[static_cast<std::size_t>(c) * ow + x] == linear::horizontal(p0, p1, t));
      }
  };
  int next = 0;
  linear::resize_rows(
      src, oh, ow, nullptr,  // serial: rows arrive in order
      [&](int y, const std::int16_t* r0, const std::int16_t* r1, std::int16_t b0, std::int16_t b1) {
        EXPECT(y == next);
        ++next;
        EXPECT(b0 == yt[y].w0 && b1 == yt[y].w1);
        expect_row(r0, yt[y].index);
        expect_row(r1, yt[y].index + 1);
        for (int i = 0; i < 3 * ow; ++i) {
          const int v = linear::vertical(r0[i], r1[i], b0, b1);
          EXPECT(v >= 0 && v <= 255);
        }
      });
  EXPECT(next == oh);
}

// ---------------------------------------------------------------- detection stage

bool same_scale(const ImageScale& a, const ImageScale& b) {
  return a.src_h == b.src_h && a.src_w == b.src_w && a.work_h == b.work_h && a.work_w == b.work_w &&
         a.rescaled == b.rescaled;
}

bool same_mapping(const DetMapping& a, const DetMapping& b) {
  return same_scale(a.scale, b.scale) && a.pad == b.pad && a.det_h == b.det_h &&
         a.det_w == b.det_w && a.input_h == b.input_h && a.input_w == b.input_w;
}

int image_side(Rng& r) { return r.one_in(8) ? any_int(r) : r.ibetween(1, r.coin() ? 300 : 20000); }

void fuzz_plan_rescale(Rng& r) {
  const int h = image_side(r), w = image_side(r);
  const RescaleParams p = make_rescale(r);
  const ImageScale s = plan_rescale(h, w, p);
  EXPECT(h > 0 && w > 0 && s.src_h == h && s.src_w == w);
  const bool tall = h >= w;
  const int long_side = tall ? h : w, short_side = tall ? w : h;
  const bool by_max = p.max_side_len > 0 && long_side > p.max_side_len;
  const bool by_min = !by_max && p.min_side_len > 0 && short_side < p.min_side_len;
  EXPECT(s.rescaled == (by_max || by_min));
  if (!s.rescaled) {
    EXPECT(s.work_h == h && s.work_w == w);
    return;
  }
  for (int v : {s.work_h, s.work_w}) EXPECT(v >= 32 && v % 32 == 0 && v <= kMaxDetSide);
  EXPECT(static_cast<long long>(s.work_h) * s.work_w <= kMaxDetPixels);
  // The limited side meets its limit up to the rounding to 32 (and the floor before it).
  const int work_long = tall ? s.work_h : s.work_w, work_short = tall ? s.work_w : s.work_h;
  const long long max_side = p.max_side_len, min_side = p.min_side_len;
  if (by_max) EXPECT(work_long <= std::max(32LL, max_side + 16) && work_long >= max_side - 17);
  if (by_min) EXPECT(work_short >= min_side - 17 && work_short <= std::max(32LL, min_side + 16));
}

void fuzz_plan_detection(Rng& r) {
  const int h = image_side(r), w = image_side(r);
  const DetInputParams p = make_det_params(r);
  const DetMapping m = plan_detection(h, w, p);
  EXPECT(same_scale(m.scale, plan_rescale(h, w, p.rescale)));
  const ImageScale& s = m.scale;
  EXPECT(m.pad >= 0 && m.det_h == s.work_h + 2LL * m.pad && m.det_w == s.work_w);
  const bool thin = p.letterbox.min_height > 0 && s.work_h <= p.letterbox.min_height;
  const bool wide = p.letterbox.max_aspect > 0 &&
                    static_cast<double>(s.work_w) / s.work_h > p.letterbox.max_aspect;
  if (!thin && !wide) EXPECT(m.pad == 0);
  const DetInputShape shape = det_input_shape(m.det_h, m.det_w, p.resize);
  EXPECT(m.input_h == shape.height && m.input_w == shape.width);
}

// Scales from plans (whose contract holds), now and then hand-made ones that break it.
ImageScale make_scale(Rng& r, bool& planned) {
  planned = !r.one_in(8);
  if (planned) {
    try {
      return plan_rescale(image_side(r), image_side(r), make_rescale(r));
    } catch (const std::invalid_argument&) {
    }
  }
  planned = false;
  ImageScale s;
  s.src_h = any_int(r), s.src_w = any_int(r);
  s.work_h = r.coin() ? s.src_h : any_int(r), s.work_w = r.coin() ? s.src_w : any_int(r);
  s.rescaled = r.coin();
  return s;
}

void fuzz_to_source(Rng& r) {
  bool planned;
  const ImageScale s = make_scale(r, planned);
  std::vector<Point> pts(r.below(16));
  for (Point& p : pts) {
    if (r.one_in(4)) {
      p = {any_float(r), any_float(r)};
    } else {  // in and around the work image
      p = {static_cast<float>((r.unit() * 1.2 - 0.1) * s.work_w),
           static_cast<float>((r.unit() * 1.2 - 0.1) * s.work_h)};
    }
  }
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const Point p = pts[i], q = s.to_source(p);
    if (!s.rescaled) {
      EXPECT(same_float(q.x, p.x) && same_float(q.y, p.y));  // identity
      continue;
    }
    if (!planned) continue;
    if (std::isfinite(p.x)) EXPECT(q.x >= 0.f && q.x <= static_cast<float>(s.src_w));
    if (std::isfinite(p.y)) EXPECT(q.y >= 0.f && q.y <= static_cast<float>(s.src_h));
    // Inside the work image the map is the scale (float32) and nothing is clipped.
    if (p.x >= 0.f && p.x <= static_cast<float>(s.work_w))
      EXPECT(std::fabs(q.x - p.x * (static_cast<double>(s.src_w) / s.work_w)) <=
             1e-6 * s.src_w + 1e-30);
    if (p.y >= 0.f && p.y <= static_cast<float>(s.work_h))
      EXPECT(std::fabs(q.y - p.y * (static_cast<double>(s.src_h) / s.work_h)) <=
             1e-6 * s.src_h + 1e-30);
    if (i > 0) {  // monotone
      const Point p0 = pts[i - 1], q0 = s.to_source(p0);
      if (p0.x <= p.x) EXPECT(q0.x <= q.x);
      if (p0.y <= p.y) EXPECT(q0.y <= q.y);
    }
  }
}

// Identity normalisation: resize_normalize_chw then gives the resized uint8 values as floats.
constexpr Normalization kIdentityNorm{{0.f, 0.f, 0.f}, {1.f, 1.f, 1.f}, 1.f};

bool scale_in_limits(const ImageScale& s) {
  return s.work_h > 0 && s.work_w > 0 && s.work_h <= kMaxDetSide && s.work_w <= kMaxDetSide &&
         static_cast<long long>(s.work_h) * s.work_w <= kMaxDetPixels;
}

void fuzz_rescale_image(Rng& r) {
  const TestImage img = make_image(r, 3, 1 << 16);
  ImageScale s;
  s.src_h = img.view.height, s.src_w = img.view.width;
  std::tie(s.work_h, s.work_w) = dims2(r, 1 << 18);
  s.rescaled = true;
  if (r.coin() && image_valid(img.view)) {
    try {  // what the pipeline asks for
      const ImageScale planned = plan_rescale(img.view.height, img.view.width, make_rescale(r));
      if (static_cast<long long>(planned.work_h) * planned.work_w <= (1 << 19)) s = planned;
    } catch (const std::invalid_argument&) {
    }
  }
  switch (r.below(12)) {  // a scale that does not fit
    case 0:
      s.src_h = s.src_h == kIntMin ? 1 : s.src_h - 1;
      break;
    case 1:
      s.work_h = r.pick<int>({0, -1, kIntMin, kIntMax, kMaxDetSide + 32, 1 << 20});
      break;
    case 2:
      s.work_w = r.pick<int>({0, -3, kIntMin, kIntMax, kMaxDetSide + 32, 1 << 20});
      break;
    default:
      break;
  }
  // The caller's buffer: work_h * work_w * 3 bytes when that is a size we can hold (else a
  // stand-in that any write overruns).
  const bool holdable =
      s.work_h > 0 && s.work_w > 0 && static_cast<long long>(s.work_h) * s.work_w <= (1 << 20);
  std::vector<std::uint8_t> work(holdable ? static_cast<std::size_t>(s.work_h) * s.work_w * 3 : 1,
                                 0xa5);
  std::uint8_t* dst = r.one_in(40) ? nullptr : work.data();
  rescale_image(img.view, s, dst);
  EXPECT(image_valid(img.view) && img.view.channels == 3 && dst != nullptr);
  EXPECT(img.view.height == s.src_h && img.view.width == s.src_w && scale_in_limits(s));
  // cv2.resize's uint8 values: the fixed-point resize that resize_normalize_chw normalises.
  std::vector<float> chw(static_cast<std::size_t>(s.work_h) * s.work_w * 3);
  resize_normalize_chw(img.view, s.work_h, s.work_w, kIdentityNorm, chw.data());
  const std::size_t plane = static_cast<std::size_t>(s.work_h) * s.work_w;
  for (std::size_t i = 0; i < plane; ++i)
    for (std::size_t c = 0; c < 3; ++c)
      EXPECT(static_cast<float>(work[3 * i + c]) == chw[c * plane + i]);
  if (r.one_in(4)) {  // deterministic
    std::vector<std::uint8_t> again(work.size(), 0x5a);
    rescale_image(img.view, s, again.data());
    EXPECT(again == work);
  }
}

// One field of a mapping changed: what a caller mixing up plans hands over.
DetMapping mutate_mapping(Rng& r, DetMapping m) {
  int* fields[] = {&m.scale.src_h, &m.scale.src_w, &m.scale.work_h, &m.scale.work_w, &m.pad,
                   &m.det_h,       &m.det_w,       &m.input_h,      &m.input_w};
  int& f = *fields[r.below(9)];
  switch (r.below(4)) {
    case 0:
      m.scale.rescaled = !m.scale.rescaled;
      break;
    case 1:
      f = static_cast<int>(std::clamp<long long>(
          f + static_cast<long long>(r.pick<int>({1, -1, 32, -32, 2})), kIntMin, kIntMax));
      break;
    default:
      f = any_int(r);
      break;
  }
  if (r.coin()) {  // keep the sizes that add up adding up, so only deeper checks can catch it
    const long long det_h = m.scale.work_h + 2LL * m.pad;
    if (det_h >= kIntMin && det_h <= kIntMax) m.det_h = static_cast<int>(det_h);
    m.det_w = m.scale.work_w;
  }
  return m;
}

constexpr long long kPrepareBudget = 1 << 20;  // pixels of each image prepare_detection makes

bool within_budget(const DetMapping& m) {
  return static_cast<long long>(m.scale.work_h) * m.scale.work_w <= kPrepareBudget &&
         static_cast<long long>(m.det_h) * m.det_w <= kPrepareBudget &&
         static_cast<long long>(m.input_h) * m.input_w <= kPrepareBudget;
}

void fuzz_prepare_detection(Rng& r) {
  const TestImage img = make_image(r, 3, 1 << 16);
  DetInputParams p = make_det_params(r);
  const int h = std::max(img.view.height, 1), w = std::max(img.view.width, 1);
  DetMapping plan;
  bool planned = true;
  try {
    plan = plan_detection(h, w, p);
    if (!within_budget(plan)) {  // big plans are plan_detection's to fuzz; keep the pixels small
      p.rescale = {};
      p.letterbox.min_height = std::min(p.letterbox.min_height, 64);
      p.letterbox.max_aspect = std::max(p.letterbox.max_aspect, 8.0);
      p.resize = {r.pick<int>({32, 64, 256}), LimitType::Max};
      plan = plan_detection(h, w, p);
    }
  } catch (const std::invalid_argument&) {
    planned = false;
    plan.scale = {h, w, h, w, false};
    plan.det_h = h, plan.det_w = w, plan.input_h = plan.input_w = 32;
  }
  const DetMapping m = r.one_in(8) ? mutate_mapping(r, plan) : plan;
  const bool inputs_holdable = m.input_h > 0 && m.input_w > 0 &&
                               static_cast<long long>(m.input_h) * m.input_w <= kPrepareBudget;
  const bool work_holdable =
      m.scale.work_h > 0 && m.scale.work_w > 0 &&
      static_cast<long long>(m.scale.work_h) * m.scale.work_w <= kPrepareBudget;
  // Sentinel NaNs: every element must be overwritten.
  constexpr std::uint32_t kUnwritten = 0x7fc0deadu;
  float unwritten;
  std::memcpy(&unwritten, &kUnwritten, sizeof unwritten);
  std::vector<float> tensor(
      inputs_holdable ? static_cast<std::size_t>(m.input_h) * m.input_w * 3 : 1, unwritten);
  std::vector<std::uint8_t> work(
      work_holdable ? static_cast<std::size_t>(m.scale.work_h) * m.scale.work_w * 3 : 1, 0xa5);
  float* tensor_out = r.one_in(40) ? nullptr : tensor.data();
  std::uint8_t* work_out = m.scale.rescaled ? (r.one_in(20) ? nullptr : work.data())
                                            : (r.coin() ? nullptr : work.data());
  prepare_detection(img.view, p, m, tensor_out, work_out);
  EXPECT(image_valid(img.view) && img.view.channels == 3 && tensor_out != nullptr);
  EXPECT(det_params_valid(p) && planned);
  EXPECT(!m.scale.rescaled || work_out != nullptr);
  // "mapping must be plan_detection(src.height, src.width, params)"
  EXPECT(same_mapping(m, plan));
  // The same image built from the public steps: rescale, letterbox rows, resize + normalise.
  ImageView det = img.view;
  std::vector<std::uint8_t> work_want, padded;
  if (m.scale.rescaled) {
    work_want.resize(work.size());
    rescale_image(img.view, m.scale, work_want.data());
    EXPECT(work == work_want);
    det = ImageView{work_want.data(), m.scale.work_h, m.scale.work_w, 3,
                    static_cast<std::ptrdiff_t>(m.scale.work_w) * 3};
  }
  if (m.pad > 0) {
    const std::size_t row = static_cast<std::size_t>(m.det_w) * 3;
    padded.assign(row * m.det_h, 0);
    for (int y = 0; y < det.height; ++y)
      std::memcpy(padded.data() + (static_cast<std::size_t>(y) + m.pad) * row, det.row(y), row);
    det = ImageView{padded.data(), m.det_h, m.det_w, 3, static_cast<std::ptrdiff_t>(row)};
  }
  std::vector<float> want(tensor.size(), 0.f);
  resize_normalize_chw(det, m.input_h, m.input_w, p.norm, want.data());
  EXPECT(std::memcmp(want.data(), tensor.data(), tensor.size() * sizeof(float)) == 0);
  if (r.one_in(4)) {  // deterministic
    std::vector<float> again(tensor.size(), 0.f);
    prepare_detection(img.view, p, m, again.data(), work.data());
    EXPECT(std::memcmp(again.data(), tensor.data(), tensor.size() * sizeof(float)) == 0);
  }
}

// Every point within tol of the rectangle c (corners going around it).
bool rect_encloses(const std::array<DPoint, 4>& c, const DPoint* pts, std::size_t n, double tol) {
  const double ux = c[1].x - c[0].x, uy = c[1].y - c[0].y;
  const double vx = c[3].x - c[0].x, vy = c[3].y - c[0].y;
  const double lu = std::hypot(ux, uy), lv = std::hypot(vx, vy);
  if (lu > tol && lv > tol) {
    // Inside each edge's half-plane, each edge line taken from its own corners: projecting onto
    // a short side instead would amplify its rounding by the long side's length.
    const double orient = ux * vy - uy * vx > 0 ? 1.0 : -1.0;
    for (std::size_t i = 0; i < n; ++i)
      for (int k = 0; k < 4; ++k) {
        const DPoint& a = c[k];
        const DPoint& b = c[(k + 1) % 4];
        const double ex = b.x - a.x, ey = b.y - a.y, len = std::hypot(ex, ey);
        if (len <= tol) continue;
        const double side = orient * (ex * (pts[i].y - a.y) - ey * (pts[i].x - a.x)) / len;
        if (side < -tol) return false;
      }
    return true;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const double px = pts[i].x - c[0].x, py = pts[i].y - c[0].y;
    if (lu <= tol && lv <= tol) {
      if (std::hypot(px, py) > 2 * tol) return false;
      continue;
    }
    if (lu > tol) {
      const double a = (px * ux + py * uy) / lu, b = std::fabs(px * uy - py * ux) / lu;
      if (a < -tol || a > lu + tol) return false;
      if (lv <= tol && b > lv + tol) return false;
    }
    if (lv > tol) {
      const double a = (px * vx + py * vy) / lv, b = std::fabs(px * vy - py * vx) / lv;
      if (a < -tol || a > lv + tol) return false;
      if (lu <= tol && b > lu + tol) return false;
    }
  }
  return true;
}

// c goes around a rectangle (within tol): c2 = c0 + (c1 - c0) + (c3 - c0), sides perpendicular.
bool is_rectangle(const std::array<DPoint, 4>& c, double tol) {
  const double ux = c[1].x - c[0].x, uy = c[1].y - c[0].y;
  const double vx = c[3].x - c[0].x, vy = c[3].y - c[0].y;
  const double lu = std::hypot(ux, uy), lv = std::hypot(vx, vy);
  if (std::hypot(c[0].x + ux + vx - c[2].x, c[0].y + uy + vy - c[2].y) > 2 * tol) return false;
  return std::fabs(ux * vx + uy * vy) <= tol * (lu + lv + tol);
}

// mini_box_order: the two left-most corners first and last, each pair top before bottom.
bool in_mini_box_order(const std::array<DPoint, 4>& c) {
  return std::max(c[0].x, c[3].x) <= std::min(c[1].x, c[2].x) && c[0].y <= c[3].y &&
         c[1].y <= c[2].y;
}

std::vector<DPoint> make_outline(Rng& r) {
  std::size_t n;
  switch (r.below(10)) {
    case 0:
      n = r.below(3);
      break;
    case 1:
      n = r.between(20, r.one_in(4) ? 3000 : 300);
      break;
    default:
      n = r.between(3, 20);
      break;
  }
  const double size = r.pick<double>({1e-300, 1e-3, 1.0, 7.0, 100.0, 1e4, 1e8, 1e30});
  const double ox = r.coin() ? 0.0 : (r.unit() - 0.5) * r.pick<double>({1e3, 1e9, 1e20});
  const double oy = r.coin() ? 0.0 : (r.unit() - 0.5) * r.pick<double>({1e3, 1e9, 1e20});
  std::vector<DPoint> pts(n);
  switch (r.below(8)) {
    case 0: {  // points on the sides of a rotated rectangle
      const double a = r.pick<double>({0.0, 0.7853981633974483, 1.5707963267948966, r.unit() * 7});
      const double c = std::cos(a), s = std::sin(a), hw = size, hh = size * r.unit();
      for (DPoint& p : pts) {
        const double t = r.unit() * 2 - 1;
        const int sideno = static_cast<int>(r.below(4));
        const double u = sideno < 2 ? t * hw : (sideno == 2 ? hw : -hw);
        const double v = sideno < 2 ? (sideno == 0 ? hh : -hh) : t * hh;
        p = {ox + c * u - s * v, oy + s * u + c * v};
      }
      break;
    }
    case 1: {  // collinear
      const double dx = r.unit() * 2 - 1, dy = r.unit() * 2 - 1;
      for (DPoint& p : pts) {
        const double t = r.unit() * size;
        p = {ox + t * dx, oy + t * dy};
      }
      break;
    }
    case 2: {  // one or two points, repeated
      const DPoint a{ox, oy}, b{ox + size, oy + size * r.unit()};
      for (DPoint& p : pts) p = r.coin() ? a : b;
      break;
    }
    case 3:  // convex ring
      for (std::size_t i = 0; i < n; ++i) {
        const double a = 6.283185307179586 * static_cast<double>(i) / static_cast<double>(n);
        pts[i] = {ox + size * std::cos(a), oy + size * std::sin(a)};
      }
      break;
    case 4: {  // a real contour, as DB post-processing's outlines are
      const std::vector<IPoint> ip = make_points(r);
      pts.resize(ip.size());
      for (std::size_t i = 0; i < ip.size(); ++i)
        pts[i] = {static_cast<double>(ip[i].x), static_cast<double>(ip[i].y)};
      break;
    }
    case 5:
      for (DPoint& p : pts) p = {any_double(r), any_double(r)};
      break;
    case 6:  // on an integer grid: exact ties in angle and area
      for (DPoint& p : pts)
        p = {static_cast<double>(r.between(0, 4)), static_cast<double>(r.between(0, 4))};
      break;
    default:
      for (DPoint& p : pts) p = {ox + r.unit() * size, oy + r.unit() * size};
      break;
  }
  if (!pts.empty() && r.one_in(10)) {
    double& v = r.coin() ? pts[r.below(pts.size())].x : pts[r.below(pts.size())].y;
    v = r.pick<double>({std::nan(""), HUGE_VAL, -HUGE_VAL, DBL_MAX, -DBL_MAX});
  }
  return pts;
}

void fuzz_geom_min_area_quad(Rng& r) {
  const std::vector<DPoint> pts = make_outline(r);
  const std::array<DPoint, 4> q = geom::min_area_quad(pts.data(), pts.size());
  double extent = 0.0;
  for (const DPoint& p : pts) {
    if (!(std::fabs(p.x) <= 1e100 && std::fabs(p.y) <= 1e100))
      return;  // non-finite or overflowing: only memory safety and UB
    extent = std::max({extent, std::fabs(p.x), std::fabs(p.y)});
  }
  for (const DPoint& c : q) EXPECT(std::isfinite(c.x) && std::isfinite(c.y));
  std::vector<DPoint> distinct = pts;
  std::sort(distinct.begin(), distinct.end(), [](const DPoint& a, const DPoint& b) {
    return a.x < b.x || (a.x == b.x && a.y < b.y);
  });
  distinct.erase(
      std::unique(distinct.begin(), distinct.end(),
                  [](const DPoint& a, const DPoint& b) { return a.x == b.x && a.y == b.y; }),
      distinct.end());
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  if (!pts.empty()) {
    x0 = x1 = pts[0].x, y0 = y1 = pts[0].y;
    for (const DPoint& p : pts)
      x0 = std::min(x0, p.x), x1 = std::max(x1, p.x), y0 = std::min(y0, p.y),
      y1 = std::max(y1, p.y);
  }
  if (distinct.size() < 3) {  // their bounding box, clockwise from top-left
    const std::array<DPoint, 4> box{DPoint{x0, y0}, DPoint{x1, y0}, DPoint{x1, y1}, DPoint{x0, y1}};
    for (int k = 0; k < 4; ++k) EXPECT(q[k].x == box[k].x && q[k].y == box[k].y);
    return;
  }
  const double tol = 1e-9 * extent + 1e-290;
  EXPECT(in_mini_box_order(q));
  EXPECT(is_rectangle(q, tol));
  EXPECT(rect_encloses(q, pts.data(), pts.size(), tol));
  // The minimum over all directions is never above the axis-aligned box.
  const double area =
      std::hypot(q[1].x - q[0].x, q[1].y - q[0].y) * std::hypot(q[3].x - q[0].x, q[3].y - q[0].y);
  EXPECT(area <= (x1 - x0) * (y1 - y0) + 4 * tol * ((x1 - x0) + (y1 - y0) + tol));
}

// A mapping for finish_detection: mostly a plan (from sizes alone: no pixels are involved),
// sometimes a plan with one field changed.
DetMapping make_finish_mapping(Rng& r) {
  try {
    DetInputParams p = make_det_params(r);
    const DetMapping m = plan_detection(image_side(r), image_side(r), p);
    return r.one_in(6) ? mutate_mapping(r, m) : m;
  } catch (const std::invalid_argument&) {
  }
  DetMapping m;
  const int h = r.ibetween(1, 500), w = r.ibetween(1, 500);
  m.scale = {h, w, h, w, false};
  m.det_h = h, m.det_w = w, m.input_h = m.input_w = 32;
  return r.coin() ? m : mutate_mapping(r, m);
}

void fuzz_finish_detection(Rng& r) {
  const DetMapping m = make_finish_mapping(r);
  const DBParams params = make_db_params(r);
  // The detector's map is the network input's size; large ones shrink (sizes that do not match
  // the mapping are the caller's right: DB post-processing scales), some are random.
  int h = m.input_h, w = m.input_w;
  if (r.one_in(4) || h <= 0 || w <= 0) std::tie(h, w) = dims2(r, 1 << 14);
  while (static_cast<long long>(h) * w > (1 << 16)) h = std::max(1, h / 2), w = std::max(1, w / 2);
  const bool valid_map = !r.one_in(20);
  if (!valid_map) h = r.pick<int>({0, -1, kIntMin}), w = r.ibetween(-3, 3);
  std::vector<float> prob(valid_map ? static_cast<std::size_t>(h) * w : 1, 0.f);
  if (valid_map) fill_prob(r, prob, h, w, std::isfinite(params.thresh) ? params.thresh : 0.3f);
  const float* src = r.one_in(50) ? nullptr : prob.data();
  const std::vector<DetectedText> got = finish_detection(src, h, w, m, params);
  EXPECT(src != nullptr && valid_map);
  const ImageScale& s = m.scale;
  // The same regions DB post-processing finds on the detector image.
  EXPECT(got.size() == db_postprocess(src, h, w, m.det_h, m.det_w, params).size());
  for (const DetectedText& d : got) {
    EXPECT(std::isfinite(d.score));
    EXPECT(params.box_type == BoxType::Quad ? d.box.size() == 4 : d.box.size() >= 3);
    for (const Point& b : d.box) {  // source pixels
      EXPECT(b.x >= 0.f && b.x <= static_cast<float>(s.src_w));
      EXPECT(b.y >= 0.f && b.y <= static_cast<float>(s.src_h));
    }
    if (params.box_type == BoxType::Quad) {  // work pixels, and the box is the quad mapped back
      for (int k = 0; k < 4; ++k) {
        EXPECT(d.quad[k].x >= 0.f && d.quad[k].x <= static_cast<float>(s.work_w - 1));
        EXPECT(d.quad[k].y >= 0.f && d.quad[k].y <= static_cast<float>(s.work_h - 1));
        const Point b = s.to_source(d.quad[k]);
        EXPECT(same_float(b.x, d.box[k].x) && same_float(b.y, d.box[k].y));
      }
    } else {  // a rectangle around the outline (which is in work pixels when not rescaled)
      std::array<DPoint, 4> quad;
      for (int k = 0; k < 4; ++k) {
        EXPECT(std::isfinite(d.quad[k].x) && std::isfinite(d.quad[k].y));
        quad[k] = {d.quad[k].x, d.quad[k].y};
      }
      const double tol = 1e-5 * std::max(s.work_h, s.work_w) + 1e-3;
      EXPECT(is_rectangle(quad, tol));
      if (!s.rescaled) {
        std::vector<DPoint> outline;
        for (const Point& b : d.box) outline.push_back({b.x, b.y});
        EXPECT(rect_encloses(quad, outline.data(), outline.size(), tol));
      }
    }
  }
}

// ---------------------------------------------------------------- driver

struct Target {
  const char* name;
  void (*run)(Rng&);
};

constexpr Target kTargets[] = {
    {"det_input_shape", fuzz_det_input_shape},
    {"resize_normalize_chw", fuzz_resize_normalize_chw},
    {"db_postprocess", fuzz_db_postprocess},
    {"reading_order", fuzz_reading_order},
    {"crop_size", fuzz_crop_size},
    {"rect_to_quad", fuzz_rect_to_quad},
    {"crop_batch", fuzz_crop_batch},
    {"crop_image", fuzz_crop_image},
    {"crop_store", fuzz_crop_store},
    {"ctc_decode", fuzz_ctc_decode},
    {"decide_orientation", fuzz_decide_orientation},
    {"geom_find_contours", fuzz_geom_find_contours},
    {"geom_convex_hull", fuzz_geom_convex_hull},
    {"geom_min_area_rect", fuzz_geom_min_area_rect},
    {"geom_min_area_rect_exact", fuzz_geom_min_area_rect_exact},
    {"geom_mini_box_order", fuzz_geom_mini_box_order},
    {"geom_offset_round_raw", fuzz_geom_offset_round_raw},
    {"geom_polygon_area", fuzz_geom_polygon_area},
    {"geom_polygon_perimeter", fuzz_geom_polygon_perimeter},
    {"geom_arc_length_closed", fuzz_geom_arc_length_closed},
    {"geom_approx_poly_dp_closed", fuzz_geom_approx_poly_dp_closed},
    {"geom_fill_poly", fuzz_geom_fill_poly},
    {"limit_type_from", fuzz_limit_type_from},
    {"score_mode_from", fuzz_score_mode_from},
    {"box_type_from", fuzz_box_type_from},
    {"validate_db_params", fuzz_validate_db_params},
    {"validate_det_params", fuzz_validate_det_params},
    {"plan_rescale", fuzz_plan_rescale},
    {"plan_detection", fuzz_plan_detection},
    {"to_source", fuzz_to_source},
    {"rescale_image", fuzz_rescale_image},
    {"prepare_detection", fuzz_prepare_detection},
    {"finish_detection", fuzz_finish_detection},
    {"geom_min_area_quad", fuzz_geom_min_area_quad},
    {"linear_resize_rows", fuzz_linear_resize_rows},
    {"round_to_32", fuzz_round_to_32},
};

// Deliberate bugs, one per kind of finding, selected only by name (never by a plain run): they
// show that the driver and the sanitizer build catch and name each kind.
volatile int g_sink = 0;

void planted_heap_overflow(Rng& r) {
  std::vector<int> v(4);
  volatile std::size_t past_end = v.size() + r.below(1);  // opaque, so no compile-time warning
  g_sink = v.data()[past_end];
}
void planted_ubsan(Rng& r) {
  volatile int big = kIntMax;
  g_sink = big + static_cast<int>(1 + r.below(1));
}
void planted_hang(Rng&) {
  for (;;) g_sink = g_sink + 1;
}
void planted_exception(Rng&) { throw std::out_of_range("planted"); }
void planted_contract(Rng&) { EXPECT(g_sink < 0); }

constexpr Target kPlanted[] = {
    {"planted_heap_overflow", planted_heap_overflow},
    {"planted_ubsan", planted_ubsan},
    {"planted_hang", planted_hang},
    {"planted_exception", planted_exception},
    {"planted_contract", planted_contract},
};

// What a crash, sanitizer report or hang prints to name the call (set before each call; only
// async-signal-safe code reads it).
char g_current[512] = "no call running";

void print_current() {
  const ssize_t ignored = write(2, g_current, std::strlen(g_current));
  (void)ignored;
}

void on_alarm(int) {
  static const char kHang[] = "\nfuzz: HANG (per-call time limit exceeded) in ";
  const ssize_t ignored = write(2, kHang, sizeof kHang - 1);
  (void)ignored;
  print_current();
  _exit(3);
}

void on_fatal_signal(int sig) {
  static const char kCrash[] = "\nfuzz: CRASH (fatal signal) in ";
  const ssize_t ignored = write(2, kCrash, sizeof kCrash - 1);
  (void)ignored;
  print_current();
  _exit(128 + sig);  // the shell's exit status for the signal, without its "Aborted" noise
}

struct Counts {
  std::uint64_t calls = 0, rejected = 0, ok = 0, broken = 0, crashes = 0;
};

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--calls N] [--seed S] [--target NAME] [--start K] [--timeout SEC] "
               "[--list]\n--list names the targets; --target planted_{heap_overflow,ubsan,hang,"
               "exception,contract} runs a deliberate bug (a self-test of the driver).\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t calls = 100000, seed = 1, start = 0;
  unsigned timeout = 30;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--list") {
      for (const Target& t : kTargets) std::printf("%s\n", t.name);
      return 0;
    } else if (a == "--calls" && (v = value())) {
      calls = std::strtoull(v, nullptr, 10);
    } else if (a == "--seed" && (v = value())) {
      seed = std::strtoull(v, nullptr, 10);
    } else if (a == "--start" && (v = value())) {
      start = std::strtoull(v, nullptr, 10);
    } else if (a == "--timeout" && (v = value())) {
      timeout = static_cast<unsigned>(std::strtoul(v, nullptr, 10));
    } else if (a == "--target" && (v = value())) {
      only = v;
    } else {
      return usage(argv[0]);
    }
  }
  std::vector<const Target*> targets;
  for (const Target& t : kTargets)
    if (only.empty() || only == t.name) targets.push_back(&t);
  for (const Target& t : kPlanted)
    if (only == t.name) targets.push_back(&t);
  if (targets.empty()) {
    std::fprintf(stderr, "fuzz: no target named '%s' (see --list)\n", only.c_str());
    return 2;
  }

  signal(SIGALRM, on_alarm);
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_set_death_callback(print_current);  // ASan reports; UBSan ones abort (below)
  signal(SIGABRT, on_fatal_signal);
#else
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) signal(sig, on_fatal_signal);
#endif

  std::vector<Counts> counts(targets.size());
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t broken = 0, crashes = 0;
  for (std::uint64_t i = 0; i < calls; ++i) {
    const std::size_t ti = i % targets.size();
    const Target& t = *targets[ti];
    const std::uint64_t k = start + i / targets.size();  // per-target call index
    std::snprintf(g_current, sizeof g_current,
                  "target %s, call %llu\nreproduce: trtocr_core_fuzz --seed %llu --target %s "
                  "--start %llu --calls 1\n",
                  t.name, static_cast<unsigned long long>(k), static_cast<unsigned long long>(seed),
                  t.name, static_cast<unsigned long long>(k));
    Rng rng(mix(mix(seed, hash_name(t.name)), k));
    Counts& c = counts[ti];
    ++c.calls;
    alarm(timeout);
    try {
      t.run(rng);
      ++c.ok;
    } catch (const std::invalid_argument&) {
      ++c.rejected;  // a documented rejection
    } catch (const Finding& e) {
      ++c.broken;
      ++broken;
      std::fprintf(stderr, "fuzz: CONTRACT %s\n  %s", e.what(), g_current);
    } catch (const std::exception& e) {  // anything but std::invalid_argument is undocumented
      ++c.crashes;
      ++crashes;
      std::fprintf(stderr, "fuzz: CRASH unexpected exception: %s\n  %s", e.what(), g_current);
    } catch (...) {
      ++c.crashes;
      ++crashes;
      std::fprintf(stderr, "fuzz: CRASH unexpected non-std exception\n  %s", g_current);
    }
    alarm(0);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  using ull = unsigned long long;
  std::printf("%-28s %10s %10s %10s %9s %8s\n", "target", "calls", "rejected", "ok", "contract",
              "crashes");
  for (std::size_t i = 0; i < targets.size(); ++i)
    std::printf("%-28s %10llu %10llu %10llu %9llu %8llu\n", targets[i]->name,
                static_cast<ull>(counts[i].calls), static_cast<ull>(counts[i].rejected),
                static_cast<ull>(counts[i].ok), static_cast<ull>(counts[i].broken),
                static_cast<ull>(counts[i].crashes));
  // Sanitizer reports and hangs end the process where they happen, so reaching this line means
  // there were none.
  std::printf(
      "fuzz: %llu calls, %llu crashes, 0 hangs, %llu contract violations (seed %llu, %.1f s)\n",
      static_cast<ull>(calls), static_cast<ull>(crashes), static_cast<ull>(broken),
      static_cast<ull>(seed), secs);
  return crashes == 0 && broken == 0 ? 0 : 1;
}
