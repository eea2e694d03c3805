// Images the core's tests share: packed BGR pixel buffers, their views, raw normalisation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "trtocr/image.hpp"

namespace trtocr_test {

// h x w packed 3-channel pixels (no row padding) of seeded random bytes.
inline std::vector<std::uint8_t> random_image(int h, int w, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> px(static_cast<std::size_t>(h) * w * 3);
  for (auto& v : px) v = static_cast<std::uint8_t>(rng() & 255);
  return px;
}

// px as an h x w 3-channel image with no row padding.
inline trtocr::ImageView view(const std::vector<std::uint8_t>& px, int h, int w) {
  return trtocr::ImageView{px.data(), h, w, 3, static_cast<std::ptrdiff_t>(w) * 3};
}

// The pixels as they are: no mean, unit std, no scaling.
inline trtocr::Normalization raw_pixels() { return {{0.f, 0.f, 0.f}, {1.f, 1.f, 1.f}, 1.f}; }

}  // namespace trtocr_test
