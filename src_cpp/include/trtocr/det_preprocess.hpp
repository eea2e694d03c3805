// Detector input: PP-OCR's DetResizeForTest + NormalizeImage + ToCHW in one pass.
#pragma once

#include "trtocr/image.hpp"

namespace trtocr {

enum class LimitType { Max, Min };

struct DetResizeParams {
  int limit_side_len = 960;
  LimitType limit_type = LimitType::Max;
};

struct DetInputShape {
  int height = 0;  // resized, a multiple of 32 (at least 32)
  int width = 0;
  float ratio_h = 1.f;  // resized / original
  float ratio_w = 1.f;
};

// The resized size PP-OCR would feed the detector for an image of src_h x src_w.
DetInputShape det_input_shape(int src_h, int src_w, const DetResizeParams& params);

// Bilinear resize (matching OpenCV INTER_LINEAR within 1 grey level on uint8) of a 3-channel
// image to out_h x out_w, normalised per channel, written as CHW float32 into out
// (3 * out_h * out_w floats). Channels keep their input order (PP-OCR feeds BGR as decoded).
void resize_normalize_chw(const ImageView& src, int out_h, int out_w, const Normalization& norm,
                          float* out);

}  // namespace trtocr
