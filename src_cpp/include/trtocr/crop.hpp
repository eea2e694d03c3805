// Perspective crops of text quads, sampled straight into network input batches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "trtocr/image.hpp"

namespace trtocr {

// Upright size of a quad's crop as PP-OCR's get_rotate_crop_image makes it, after the
// 90-degree rotation it applies when height / width >= tall_ratio.
struct CropSize {
  int width = 0;
  int height = 0;
  bool rotated = false;
};
CropSize crop_size(const Quad& quad, float tall_ratio = 1.5f);

struct CropBatchParams {
  int height = 48;             // network input height
  int width = 320;             // batch width (all rows padded to it)
  bool keep_ratio = true;      // true: resize to height keeping aspect, pad right with 0;
                               // false: stretch to height x width (PP-LCNet orientation models)
  Normalization norm{};        // (x/255 - 0.5) / 0.5 by default
  float tall_ratio = 1.5f;
};

// For each quad i, writes a 3 x height x width float32 tensor at out + i * 3*height*width.
// flip180 (nullable) rotates crop i by 180 degrees. valid_widths (nullable) receives the
// number of non-padding columns of each row.
void crop_batch(const ImageView& image, const Quad* quads, std::size_t count, const bool* flip180,
                const CropBatchParams& params, float* out, int* valid_widths);

// A plain uint8 crop (crop_size(quad) sized, same channel count as image) into out.
void crop_image(const ImageView& image, const Quad& quad, bool flip180, float tall_ratio,
                std::uint8_t* out);

}  // namespace trtocr
