// OpenCV-compatible INTER_LINEAR resize arithmetic for 8-bit data (internal to the core).
// OpenCV resizes uint8 images in 11-bit fixed point; reproducing its weights and rounding exactly
// is both how we agree with cv2.resize bit for bit and cheaper than float arithmetic.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace trtocr {
namespace linear {

constexpr float kCoefScale = 2048.f;  // 11 fractional bits

// Source index and fixed-point weights of one output coordinate.
struct Tap {
  int index;
  std::int16_t w0;
  std::int16_t w1;
};

// The taps of resizing src samples to dst along one axis, as cv2.resize computes them: half-pixel
// centres, the position cast to float before splitting, weights rounded to nearest. Columns
// (clamp true) clamp both the index and the weight at the edges; rows keep the weight and read
// a clamped row twice, as OpenCV does (the results agree except for rounding).
inline std::vector<Tap> taps(int src, int dst, bool clamp) {
  const double scale = 1.0 / (static_cast<double>(dst) / src);  // OpenCV's 1 / inv_scale
  std::vector<Tap> out(static_cast<std::size_t>(dst));
  for (int d = 0; d < dst; ++d) {
    float f = static_cast<float>((d + 0.5) * scale - 0.5);
    int s = static_cast<int>(std::floor(f));
    f -= static_cast<float>(s);
    if (clamp) {
      if (s < 0) f = 0.f, s = 0;
      if (s >= src - 1) f = 0.f, s = src - 1;
    }
    out[d].index = s;
    out[d].w0 = static_cast<std::int16_t>(std::lrint((1.f - f) * kCoefScale));
    out[d].w1 = static_cast<std::int16_t>(std::lrint(f * kCoefScale));
  }
  return out;
}

// Horizontal pass of one value: OpenCV keeps p0*w0 + p1*w1 as int and uses only sum >> 4 later,
// which fits int16.
inline std::int16_t horizontal(int p0, int p1, const Tap& t) {
  return static_cast<std::int16_t>((p0 * t.w0 + p1 * t.w1) >> 4);
}

// Vertical pass: high halves of the 16x16-bit products, then (+2) >> 2, as OpenCV rounds.
inline int vertical(std::int16_t s0, std::int16_t s1, std::int16_t b0, std::int16_t b1) {
  return (static_cast<std::int16_t>((b0 * s0) >> 16) + static_cast<std::int16_t>((b1 * s1) >> 16) +
          2) >>
         2;
}

}  // namespace linear
}  // namespace trtocr
