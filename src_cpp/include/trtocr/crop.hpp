// Perspective crops of text quads, sampled straight into network input batches.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "trtocr/image.hpp"
#include "trtocr/thread_pool.hpp"

namespace trtocr {

// Upright size of a quad's crop as PP-OCR's get_rotate_crop_image makes it, after the
// 90-degree rotation it applies when height / width >= tall_ratio. A quad with a non-finite
// coordinate or a zero-length side pair gives 0 x 0 (nothing to crop). Sides are clamped to
// kMaxCropSide so absurd coordinates cannot overflow.
struct CropSize {
  int width = 0;
  int height = 0;
  bool rotated = false;
};
constexpr int kMaxCropSide = 1 << 24;
CropSize crop_size(const Quad& quad, double tall_ratio = 1.5);

// The projective map from crop-grid coordinates (before rotation; (0,0) -> p0, (w,0) -> p1,
// (w,h) -> p2, (0,h) -> p3) to source pixel coordinates, row-major 3x3. This is the inverse of
// PP-OCR's getPerspectiveTransform(quad, rect). Degenerate quads (collinear corners) fall back to
// the affine map through p0, p1, p3, so the result is always finite for finite input. Throws
// std::invalid_argument unless w >= 1 and h >= 1 (NaN included).
std::array<double, 9> rect_to_quad(const Quad& quad, double w, double h);

struct CropBatchParams {
  int height = 48;         // network input height
  int width = 320;         // batch width (all rows padded to it)
  bool keep_ratio = true;  // true: resize to height keeping aspect, pad right with 0;
                           // false: stretch to height x width (PP-LCNet orientation models)
  Normalization norm{};    // (x/255 - 0.5) / 0.5 by default
  double tall_ratio = 1.5;
};

// For each quad i, writes a 3 x height x width float32 tensor at out + i * 3*height*width.
// flip180 (nullable) rotates crop i by 180 degrees. valid_widths (nullable) receives the
// number of non-padding columns of each row (0 for a quad with nothing to crop, whose tensor is
// all zeros). The image must have 3 channels. The values are those of PP-OCR's pipeline
// (warpPerspective INTER_CUBIC + BORDER_REPLICATE as OpenCV 5 computes it, rot90, 180-degree
// flip, cv2.resize INTER_LINEAR, normalise, pad) up to float rounding ties, but no crop image is
// made: the crop pixels the resize reads are computed on demand, two crop rows at a time.
// pool (nullable) crops different quads on different threads; the result does not depend on it.
void crop_batch(const ImageView& image, const Quad* quads, std::size_t count, const bool* flip180,
                const CropBatchParams& params, float* out, int* valid_widths,
                ThreadPool* pool = nullptr);

// The same batch as uint8 pixels (3 x height x width bytes per quad) for a network that
// normalises its input itself: the float batch is exactly pixel * (scale / std) - mean / std
// of these, in float32, except in the padding. uint8 cannot hold the pixel that normalises to
// 0 (mean / scale, e.g. 127.49999), so padding is pad_pixel(norm, c), that value rounded: it
// normalises to within half a step (1/255 / std) of 0.
void crop_batch(const ImageView& image, const Quad* quads, std::size_t count, const bool* flip180,
                const CropBatchParams& params, std::uint8_t* out, int* valid_widths,
                ThreadPool* pool = nullptr);

// The crops of a set of quads kept as pixels, for several batches to read (the classifier's and
// then the recognizer's): each crop is warped once instead of once per batch. Only crops of at
// most kMaxStoredCropHeight rows are kept (a taller crop is shrunk by the batches, which then
// compute fewer of its rows than storing it would), up to kMaxStoredBytes in all. Stored crops
// are upright (rotated when tall, as crop_size says) and never flipped; a batch reads them
// only for unflipped quads, so its bytes are those it computes without the store.
class CropStore {
 public:
  static constexpr int kMaxStoredCropHeight = 96;
  static constexpr std::size_t kMaxStoredBytes = std::size_t{64} << 20;

  CropStore(const ImageView& image, const Quad* quads, std::size_t count, double tall_ratio,
            ThreadPool* pool = nullptr);

  std::size_t size() const { return quads_.size(); }
  // The pixels of stored crop i (crop_size(quad, tall_ratio) sized, interleaved BGR) when it
  // was kept and was made from this quad and tall_ratio; nullptr otherwise.
  const std::uint8_t* find(std::size_t i, const Quad& quad, double tall_ratio) const;

 private:
  static constexpr std::size_t kNotKept = ~std::size_t{0};
  std::vector<Quad> quads_;
  std::vector<std::size_t> offsets_;  // into pixels_, or kNotKept
  // Every kept crop's pixels, each byte written once by the crop (never zero-filled first).
  std::unique_ptr<std::uint8_t[]> pixels_;
  double tall_ratio_;
};

// crop_batch reading the crops of quads[i] from store (entry store_index[i]) where it holds
// them; the results are those of crop_batch.
void crop_batch(const ImageView& image, const Quad* quads, std::size_t count, const bool* flip180,
                const CropBatchParams& params, std::uint8_t* out, int* valid_widths,
                ThreadPool* pool, const CropStore& store, const std::size_t* store_index);
void crop_batch(const ImageView& image, const Quad* quads, std::size_t count, const bool* flip180,
                const CropBatchParams& params, float* out, int* valid_widths, ThreadPool* pool,
                const CropStore& store, const std::size_t* store_index);

// The uint8 padding value of channel c: the pixel nearest to normalised 0.
std::uint8_t pad_pixel(const Normalization& norm, int c);

// A plain uint8 crop, crop_size(quad, tall_ratio) sized (height x width x channels, interleaved
// like image): get_rotate_crop_image's warp (bicubic, replicated border) and rotation, then the
// optional 180-degree flip. Nothing is written for a 0 x 0 crop.
void crop_image(const ImageView& image, const Quad& quad, bool flip180, double tall_ratio,
                std::uint8_t* out);

}  // namespace trtocr
