#include "trtocr/det_preprocess.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "image_checks.hpp"
#include "linear_resize.hpp"

namespace trtocr {

namespace {

// PP-OCR's max(int(round(x / 32) * 32), 32) with Python's round (half to even); x / 32 is exact
// in double for every x we accept, so ties are exactly the remainders of 16.
long long round_to_32(long long x) {
  long long q = x / 32;
  const long long r = x % 32;
  if (r > 16 || (r == 16 && (q & 1))) ++q;
  return std::max<long long>(q * 32, 32);
}

}  // namespace

DetInputShape det_input_shape(int src_h, int src_w, const DetResizeParams& params) {
  require(src_h > 0 && src_w > 0, "det_input_shape: image size must be positive, got " +
                                      std::to_string(src_h) + "x" + std::to_string(src_w));
  require(params.limit_side_len > 0, "det_input_shape: limit_side_len must be positive, got " +
                                         std::to_string(params.limit_side_len));
  const double limit = params.limit_side_len;
  double ratio = 1.0;
  if (params.limit_type == LimitType::Max) {
    if (std::max(src_h, src_w) > params.limit_side_len)
      ratio = limit / (src_h > src_w ? src_h : src_w);
  } else {
    if (std::min(src_h, src_w) < params.limit_side_len)
      ratio = limit / (src_h < src_w ? src_h : src_w);
  }
  const double rh = std::floor(src_h * ratio), rw = std::floor(src_w * ratio);  // Python int()
  // The limit applies to the rounded size; 2^40 only keeps the integer conversion defined.
  const long long h32 = rh < 0x1p40 ? round_to_32(static_cast<long long>(rh)) : 1LL << 40;
  const long long w32 = rw < 0x1p40 ? round_to_32(static_cast<long long>(rw)) : 1LL << 40;
  require(h32 <= kMaxDetSide && w32 <= kMaxDetSide,
          "det_input_shape: the detector input would be about " + std::to_string(h32) + "x" +
              std::to_string(w32) + ", above the limit of " + std::to_string(kMaxDetSide) +
              " per side; lower limit_side_len or use limit_type 'max'");
  DetInputShape shape;
  shape.height = static_cast<int>(h32);
  shape.width = static_cast<int>(w32);
  require(static_cast<long long>(shape.height) * shape.width <= kMaxDetPixels,
          "det_input_shape: the detector input would be " + std::to_string(shape.height) + "x" +
              std::to_string(shape.width) + " pixels, above the limit of " +
              std::to_string(kMaxDetPixels) + "; lower limit_side_len or use limit_type 'max'");
  shape.ratio_h = shape.height / static_cast<double>(src_h);
  shape.ratio_w = shape.width / static_cast<double>(src_w);
  return shape;
}

void resize_normalize_chw(const ImageView& src, int out_h, int out_w, const Normalization& norm,
                          float* out) {
  require_image(src, "resize_normalize_chw");
  require(src.channels == 3,
          "resize_normalize_chw: image must have 3 channels, got " + std::to_string(src.channels));
  require(out_h > 0 && out_w > 0 && out_h <= kMaxDetSide && out_w <= kMaxDetSide &&
              static_cast<long long>(out_h) * out_w <= kMaxDetPixels,
          "resize_normalize_chw: output size " + std::to_string(out_h) + "x" +
              std::to_string(out_w) + " is empty or too large");
  require(out != nullptr, "resize_normalize_chw: no output buffer");
  require_normalization(norm, "resize_normalize_chw");

  const std::vector<linear::Tap> xt = linear::taps(src.width, out_w, true);
  const std::vector<linear::Tap> yt = linear::taps(src.height, out_h, false);

  // Horizontal pass results for two source rows, planar (one plane per channel) so the vertical
  // pass and the normalisation are plain vectorisable loops writing CHW directly. OpenCV keeps
  // the horizontal sums as int and uses only sum >> 4 vertically, which fits int16.
  const std::size_t plane = static_cast<std::size_t>(out_w);
  std::vector<std::int16_t> rows(6 * plane);
  std::int16_t* slot[2] = {rows.data(), rows.data() + 3 * plane};
  int slot_row[2] = {-1, -1};

  const int last_x = src.width - 1;
  auto horizontal = [&](int y, std::int16_t* dst) {
    const std::uint8_t* s = src.row(y);
    std::int16_t* d0 = dst;
    std::int16_t* d1 = dst + plane;
    std::int16_t* d2 = dst + 2 * plane;
    for (int x = 0; x < out_w; ++x) {
      const linear::Tap t = xt[x];
      const std::uint8_t* p0 = s + 3 * t.index;
      // The second tap has weight 0 when the index was clamped to the last column.
      const std::uint8_t* p1 = s + 3 * std::min(t.index + 1, last_x);
      d0[x] = linear::horizontal(p0[0], p1[0], t);
      d1[x] = linear::horizontal(p0[1], p1[1], t);
      d2[x] = linear::horizontal(p0[2], p1[2], t);
    }
  };
  // Returns the horizontal pass of source row y, computing it only if neither slot holds it;
  // keep (a slot index or -1) is not overwritten.
  auto fetch = [&](int y, int keep) -> const std::int16_t* {
    for (int k = 0; k < 2; ++k)
      if (slot_row[k] == y) return slot[k];
    const int k = keep == 0 ? 1 : 0;
    horizontal(y, slot[k]);
    slot_row[k] = y;
    return slot[k];
  };

  float mul[3], add[3];
  for (int c = 0; c < 3; ++c) {
    mul[c] = norm.scale;
    add[c] = norm.mean[c];
  }
  const std::size_t out_plane = static_cast<std::size_t>(out_h) * out_w;
  const int last_y = src.height - 1;
  for (int y = 0; y < out_h; ++y) {
    const linear::Tap t = yt[y];
    const int y0 = std::clamp(t.index, 0, last_y);
    const int y1 = std::clamp(t.index + 1, 0, last_y);
    const std::int16_t* r0 = fetch(y0, -1);
    const int keep = r0 == slot[0] ? 0 : 1;
    const std::int16_t* r1 = fetch(y1, keep);
    const std::int16_t b0 = t.w0, b1 = t.w1;
    for (int c = 0; c < 3; ++c) {
      const std::int16_t* s0 = r0 + c * plane;
      const std::int16_t* s1 = r1 + c * plane;
      float* dst = out + c * out_plane + static_cast<std::size_t>(y) * out_w;
      const float m = mul[c], a = add[c], sd = norm.std[c];
      for (int x = 0; x < out_w; ++x) {
        const int v = linear::vertical(s0[x], s1[x], b0, b1);
        // Same float32 operations as numpy's (img.astype(float32) * scale - mean) / std.
        dst[x] = (static_cast<float>(v) * m - a) / sd;
      }
    }
  }
}

}  // namespace trtocr
