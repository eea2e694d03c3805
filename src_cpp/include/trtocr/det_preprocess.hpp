// Detector input: PP-OCR's DetResizeForTest + NormalizeImage + ToCHW in one pass.
#pragma once

#include <cstdint>
#include <string_view>

#include "trtocr/image.hpp"
#include "trtocr/thread_pool.hpp"

namespace trtocr {

enum class LimitType { Max, Min };

// "max" or "min"; anything else throws std::invalid_argument.
LimitType limit_type_from(std::string_view name);

struct DetResizeParams {
  int limit_side_len = 960;
  LimitType limit_type = LimitType::Max;
  // > 0: the resized long side is capped at this many pixels (as PaddleOCR 3's max_side_limit),
  // so a very elongated image under LimitType::Min still fits a runtime's largest detector
  // input. 0: no cap (PP-OCR 2.x and RapidOCR 1.4 have none).
  int max_side_limit = 0;
  // > 0: the resize enlarges at most this many times, or up to kMinUpscaledShortSide on the
  // short side where that is more: a 300 px screenshot under LimitType::Min 736 is not read
  // 2.5x larger (its text would reach sizes where DB splits lines at word gaps), a 30 px word
  // crop is still read at 64. 0: no bound.
  double max_upscale = 0.0;
};

// PaddleOCR 3's smallest "min" limit: below it the detector sees too little of a line.
constexpr double kMinUpscaledShortSide = 64.0;

struct DetInputShape {
  int height = 0;  // resized, a multiple of 32 (at least 32)
  int width = 0;
  double ratio_h = 1.0;  // resized / original, computed as PP-OCR does (in double)
  double ratio_w = 1.0;
};

// Largest detector input we agree to produce: a bigger request is a caller mistake (a
// 20000x20000 image with limit_type Min would need ~5 GB of float32), not something to allocate.
constexpr int kMaxDetSide = 32768;
constexpr long long kMaxDetPixels = 1LL << 26;

// The resized size PP-OCR would feed the detector for an image of src_h x src_w (resize type 0:
// scale so the max/min side meets limit_side_len, then round each side to a multiple of 32 with
// Python's round-half-to-even, at least 32). Throws std::invalid_argument for non-positive sizes
// or limits and for results beyond kMaxDetSide / kMaxDetPixels.
DetInputShape det_input_shape(int src_h, int src_w, const DetResizeParams& params);

// Bilinear resize of a 3-channel image to out_h x out_w that reproduces OpenCV's INTER_LINEAR on
// uint8 (half-pixel centres, 11-bit fixed-point weights, same rounding), normalised per channel,
// written as CHW float32 into out (3 * out_h * out_w floats). Channels keep their input order
// (PP-OCR feeds BGR as decoded and applies mean[0] to channel 0).
// pool (nullable) splits the output rows across its threads; the result does not depend on it.
void resize_normalize_chw(const ImageView& src, int out_h, int out_w, const Normalization& norm,
                          float* out, ThreadPool* pool = nullptr);

// The same resize writing the resized uint8 pixels as CHW (3 * out_h * out_w bytes), for a
// network that normalises its uint8 input itself: resize_normalize_chw's values are exactly
// (pixel * norm.scale - mean[c]) / std[c] of these pixels, in float32.
void resize_chw(const ImageView& src, int out_h, int out_w, std::uint8_t* out,
                ThreadPool* pool = nullptr);

}  // namespace trtocr
