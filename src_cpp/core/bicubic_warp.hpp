// The bicubic warp behind the perspective crops (internal to the core): pixels of
// cv2.warpPerspective(src, M, ..., INTER_CUBIC | WARP_INVERSE_MAP, BORDER_REPLICATE) as OpenCV 5
// computes them (exact sub-pixel position, float weights, rounded to nearest).
#pragma once

#include <cstddef>
#include <cstdint>

#include "trtocr/image.hpp"

namespace trtocr {
namespace bicubic {

// Where one crop row samples the source: along a row the homogeneous source position is linear
// in the crop column c, (x, y, w) = (bx + kx * c, by + ky * c, bw + kw * c), and the pixel is read
// at (x / w, y / w). affine: w is 1 for every column (no division).
struct RowMap {
  double bx, kx, by, ky, bw, kw;
  bool affine;
};

// out[C * j + ch] = channel ch of the warped pixel at crop column cols[j], for j < n. The image
// has C channels (1 to 4). Three-channel rows use AVX-512 VBMI or AVX2 where the CPU has it: the
// same float operations in the same order, so the bytes are the same on every path.
void warp_row(const ImageView& img, const RowMap& map, const int* cols, std::size_t n,
              std::uint8_t* out);

// The two paths of a three-channel row, for tests: the portable one, and the vector one, which
// returns how many leading columns it wrote (0 where the CPU or the image does not allow it;
// the caller finishes the rest with the portable path).
void warp_row3_portable(const ImageView& img, const RowMap& map, const int* cols, std::size_t n,
                        std::uint8_t* out);
std::size_t warp_row3_vector(const ImageView& img, const RowMap& map, const int* cols,
                             std::size_t n, std::uint8_t* out);
// The window path alone (AVX-512 VBMI: a chunk of 16 columns reads its taps from one 64-byte
// window per source row, by byte permutes): the leading columns it wrote, a multiple of 16,
// stopping at the first chunk whose taps do not fit; 0 without VBMI.
std::size_t warp_row3_windows(const ImageView& img, const RowMap& map, const int* cols,
                              std::size_t n, std::uint8_t* out);

}  // namespace bicubic
}  // namespace trtocr
