#include "trtocr/det_preprocess.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "image_checks.hpp"
#include "linear_resize.hpp"
#include "pixel_planes.hpp"
#include "round32.hpp"

namespace trtocr {

LimitType limit_type_from(std::string_view name) {
  if (name == "max") return LimitType::Max;
  if (name == "min") return LimitType::Min;
  throw std::invalid_argument("limit_type must be 'max' or 'min', got '" + std::string(name) + "'");
}

DetInputShape det_input_shape(int src_h, int src_w, const DetResizeParams& params) {
  require(src_h > 0 && src_w > 0, "det_input_shape: image size must be positive, got " +
                                      std::to_string(src_h) + "x" + std::to_string(src_w));
  require(params.limit_side_len > 0, "det_input_shape: limit_side_len must be positive, got " +
                                         std::to_string(params.limit_side_len));
  require(params.max_side_limit >= 0, "det_input_shape: max_side_limit must be >= 0, got " +
                                          std::to_string(params.max_side_limit));
  require(params.max_upscale == 0.0 || params.max_upscale >= 1.0,
          "det_input_shape: max_upscale must be 0 (no bound) or >= 1, got " +
              std::to_string(params.max_upscale));
  const double limit = params.limit_side_len;
  double ratio = 1.0;
  if (params.limit_type == LimitType::Max) {
    if (std::max(src_h, src_w) > params.limit_side_len)
      ratio = limit / (src_h > src_w ? src_h : src_w);
  } else {
    if (std::min(src_h, src_w) < params.limit_side_len)
      ratio = limit / (src_h < src_w ? src_h : src_w);
  }
  if (params.max_upscale > 0.0 && ratio > params.max_upscale) {
    // A tiny image (a word crop) is still brought up to kMinUpscaledShortSide on its short side.
    const double short_side = std::min(src_h, src_w);
    ratio = std::max(params.max_upscale, std::min(ratio, kMinUpscaledShortSide / short_side));
  }
  const double long_side = std::max(src_h, src_w) * ratio;
  if (params.max_side_limit > 0 && long_side > params.max_side_limit)
    ratio *= params.max_side_limit / long_side;
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

namespace {

void check_resize(const ImageView& src, int out_h, int out_w, const void* out,
                  const std::string& who) {
  require_image(src, who.c_str());
  require(src.channels == 3,
          who + ": image must have 3 channels, got " + std::to_string(src.channels));
  require(out_h > 0 && out_w > 0 && out_h <= kMaxDetSide && out_w <= kMaxDetSide &&
              static_cast<long long>(out_h) * out_w <= kMaxDetPixels,
          who + ": output size " + std::to_string(out_h) + "x" + std::to_string(out_w) +
              " is empty or too large");
  require(out != nullptr, who + ": no output buffer");
}

}  // namespace

void resize_chw(const ImageView& src, int out_h, int out_w, std::uint8_t* out, ThreadPool* pool) {
  check_resize(src, out_h, out_w, out, "resize_chw");
  const std::size_t plane = static_cast<std::size_t>(out_w);
  const std::size_t out_plane = static_cast<std::size_t>(out_h) * out_w;
  if (src.height == out_h && src.width == out_w) {
    // cv2.resize to the same size is a copy (the passes' weights 1 and 0 give it too): the
    // channels only go to their planes.
    parallel_for(pool, static_cast<std::size_t>(out_h), linear::kRowsPerTask,
                 [&](std::size_t begin, std::size_t end) {
                   for (std::size_t y = begin; y < end; ++y) {
                     std::uint8_t* p = out + y * plane;
                     planes::split3(src.row(static_cast<int>(y)), out_w, p, p + out_plane,
                                    p + 2 * out_plane);
                   }
                 });
    return;
  }
  linear::resize_rows(
      src, out_h, out_w, pool,
      [&](int y, const std::int16_t* r0, const std::int16_t* r1, std::int16_t b0, std::int16_t b1) {
        for (int c = 0; c < 3; ++c)
          linear::vertical_row_u8(r0 + c * plane, r1 + c * plane, b0, b1, out_w,
                                  out + c * out_plane + static_cast<std::size_t>(y) * out_w);
      });
}

void resize_normalize_chw(const ImageView& src, int out_h, int out_w, const Normalization& norm,
                          float* out, ThreadPool* pool) {
  check_resize(src, out_h, out_w, out, "resize_normalize_chw");
  require_normalization(norm, "resize_normalize_chw");

  const std::size_t plane = static_cast<std::size_t>(out_w);
  const std::size_t out_plane = static_cast<std::size_t>(out_h) * out_w;
  linear::resize_rows(
      src, out_h, out_w, pool,
      [&](int y, const std::int16_t* r0, const std::int16_t* r1, std::int16_t b0, std::int16_t b1) {
        for (int c = 0; c < 3; ++c)
          linear::vertical_normalize_row(r0 + c * plane, r1 + c * plane, b0, b1, out_w, norm.scale,
                                         norm.mean[c], norm.std[c],
                                         out + c * out_plane + static_cast<std::size_t>(y) * out_w);
      });
}

}  // namespace trtocr
