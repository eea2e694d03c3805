// Basic value types shared by every part of the core.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace trtocr {

// A read-only view of an interleaved 8-bit image (HWC, channels 1, 3 or 4).
// row_stride is in bytes, so views of numpy slices need no copy.
struct ImageView {
  const std::uint8_t* data = nullptr;
  int height = 0;
  int width = 0;
  int channels = 0;
  std::ptrdiff_t row_stride = 0;

  const std::uint8_t* row(int y) const {
    return data + static_cast<std::ptrdiff_t>(y) * row_stride;
  }
};

struct Point {
  float x = 0.f;
  float y = 0.f;
};

// Four corners, clockwise from top-left (PP-OCR's order).
using Quad = std::array<Point, 4>;

// Per-channel affine normalisation: out = (in * scale - mean[c]) / std[c].
struct Normalization {
  std::array<float, 3> mean{0.5f, 0.5f, 0.5f};
  std::array<float, 3> std{0.5f, 0.5f, 0.5f};
  float scale = 1.0f / 255.0f;
};

// Throws std::invalid_argument (ValueError in Python) when cond is false.
inline void require(bool cond, const std::string& message) {
  if (!cond) throw std::invalid_argument(message);
}
// The same for a fixed message, made into a string only when it is thrown (checks run per box).
inline void require(bool cond, const char* message) {
  if (!cond) throw std::invalid_argument(message);
}

}  // namespace trtocr
