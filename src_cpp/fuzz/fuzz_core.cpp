// Structure-aware random fuzzer of the C++ core: every public entry point (and the private
// geometry helpers DB post-processing is built on) is called with generated hostile inputs.
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
#include <tuple>
#include <utility>
#include <vector>

#include "../core/geometry.hpp"
#include "trtocr/crop.hpp"
#include "trtocr/ctc.hpp"
#include "trtocr/db_postprocess.hpp"
#include "trtocr/det_preprocess.hpp"

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
  const DetInputShape s = det_input_shape(h, w, p);
  EXPECT(h > 0 && w > 0 && p.limit_side_len > 0);
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
