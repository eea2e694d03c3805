// Validation shared by the functions that read an ImageView (internal to the core).
#pragma once

#include <cmath>
#include <string>

#include "trtocr/image.hpp"

namespace trtocr {

inline void require_image(const ImageView& img, const char* who) {
  const std::string w(who);
  require(img.data != nullptr, w + ": image has no data");
  require(img.height > 0 && img.width > 0, w + ": image is empty (" + std::to_string(img.height) +
                                               "x" + std::to_string(img.width) + ")");
  require(img.channels >= 1 && img.channels <= 4,
          w + ": image must have 1 to 4 channels, got " + std::to_string(img.channels));
  require(img.row_stride >= static_cast<std::ptrdiff_t>(img.width) * img.channels,
          w + ": row_stride is smaller than width * channels");
}

inline void require_normalization(const Normalization& n, const char* who) {
  for (float s : n.std)
    require(s != 0.f && std::isfinite(s), std::string(who) + ": std must be finite and non-zero");
}

}  // namespace trtocr
