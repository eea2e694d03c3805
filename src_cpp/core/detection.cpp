#include "trtocr/detection.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "geometry.hpp"
#include "image_checks.hpp"
#include "linear_resize.hpp"
#include "pixel_planes.hpp"
#include "round32.hpp"

namespace trtocr {

namespace {

// Largest letterboxed detector image we agree to build (bytes of uint8 BGR / 3).
constexpr long long kMaxLetterboxPixels = 1LL << 28;

std::string size_text(long long h, long long w) {
  return std::to_string(h) + "x" + std::to_string(w);
}

// RapidOCR's letterbox height for a work image of h x w: 0 when the image needs none.
int letterbox_pad(int h, int w, const LetterboxParams& p) {
  const bool too_thin = p.min_height > 0 && h <= p.min_height;
  const bool too_wide = p.max_aspect > 0 && static_cast<double>(w) / h > p.max_aspect;
  if (!too_thin && !too_wide) return 0;
  const double by_aspect = p.max_aspect > 0 ? std::trunc(w / p.max_aspect) : 0.0;
  const double target = std::max(by_aspect, static_cast<double>(p.min_height)) * 2.0;
  const double pad = std::floor(std::fabs(target - h) / 2.0);
  require((h + 2.0 * pad) * w <= static_cast<double>(kMaxLetterboxPixels),
          "prepare_detection: the letterboxed image would be " +
              size_text(static_cast<long long>(h + 2.0 * pad), w) +
              " pixels; raise max_aspect or lower min_height");
  return static_cast<int>(pad);
}

// src is the source itself, or, where the plan shrinks the source, a reduced decode of it
// (at most the source's size, at least the work size on both sides).
bool reads_as_source(const ImageView& src, const ImageScale& scale) {
  if (src.height == scale.src_h && src.width == scale.src_w) return true;
  return scale.rescaled && src.height >= scale.work_h && src.width >= scale.work_w &&
         src.height <= scale.src_h && src.width <= scale.src_w && scale.work_h < scale.src_h &&
         scale.work_w < scale.src_w;
}

bool same_mapping(const DetMapping& a, const DetMapping& b) {
  return a.scale.src_h == b.scale.src_h && a.scale.src_w == b.scale.src_w &&
         a.scale.work_h == b.scale.work_h && a.scale.work_w == b.scale.work_w &&
         a.scale.rescaled == b.scale.rescaled && a.pad == b.pad && a.det_h == b.det_h &&
         a.det_w == b.det_w && a.input_h == b.input_h && a.input_w == b.input_w;
}

}  // namespace

void validate(const DetInputParams& params) {
  require(params.resize.limit_side_len > 0,
          "prepare_detection: limit_side_len must be positive, got " +
              std::to_string(params.resize.limit_side_len));
  require(params.resize.max_side_limit >= 0,
          "prepare_detection: max_side_limit must be >= 0, got " +
              std::to_string(params.resize.max_side_limit));
  require_normalization(params.norm, "prepare_detection");
}

Point ImageScale::to_source(Point p) const {
  if (!rescaled) return p;
  // The float32 arithmetic of numpy's clip(p * float32(src / work), 0, float32(src)).
  const float sx = static_cast<float>(static_cast<double>(src_w) / work_w);
  const float sy = static_cast<float>(static_cast<double>(src_h) / work_h);
  return {std::clamp(p.x * sx, 0.f, static_cast<float>(src_w)),
          std::clamp(p.y * sy, 0.f, static_cast<float>(src_h))};
}

ImageScale plan_rescale(int src_h, int src_w, const RescaleParams& params) {
  require(src_h > 0 && src_w > 0,
          "plan_rescale: image size must be positive, got " + size_text(src_h, src_w));
  ImageScale s;
  s.src_h = s.work_h = src_h;
  s.src_w = s.work_w = src_w;
  const int long_side = std::max(src_h, src_w), short_side = std::min(src_h, src_w);
  double ratio = 1.0;
  if (params.max_side_len > 0 && long_side > params.max_side_len)
    ratio = static_cast<double>(params.max_side_len) / long_side;
  else if (params.min_side_len > 0 && short_side < params.min_side_len)
    ratio = static_cast<double>(params.min_side_len) / short_side;
  if (ratio == 1.0) return s;
  const double rh = std::floor(src_h * ratio), rw = std::floor(src_w * ratio);  // Python int()
  const long long h32 = rh < 0x1p40 ? round_to_32(static_cast<long long>(rh)) : 1LL << 40;
  const long long w32 = rw < 0x1p40 ? round_to_32(static_cast<long long>(rw)) : 1LL << 40;
  require(h32 <= kMaxDetSide && w32 <= kMaxDetSide && h32 * w32 <= kMaxDetPixels,
          "plan_rescale: the rescaled image would be " + size_text(h32, w32) +
              ", above the limit of " + std::to_string(kMaxDetSide) + " per side and " +
              std::to_string(kMaxDetPixels) + " pixels; lower min_side_len");
  s.work_h = static_cast<int>(h32);
  s.work_w = static_cast<int>(w32);
  s.rescaled = true;
  return s;
}

DetMapping plan_detection(int src_h, int src_w, const DetInputParams& params) {
  DetMapping m;
  m.scale = plan_rescale(src_h, src_w, params.rescale);
  m.pad = letterbox_pad(m.scale.work_h, m.scale.work_w, params.letterbox);
  m.det_h = m.scale.work_h + 2 * m.pad;
  m.det_w = m.scale.work_w;
  const DetInputShape shape = det_input_shape(m.det_h, m.det_w, params.resize);
  m.input_h = shape.height;
  m.input_w = shape.width;
  return m;
}

void rescale_image(const ImageView& src, const ImageScale& scale, std::uint8_t* work,
                   ThreadPool* pool) {
  require_image(src, "rescale_image");
  require(src.channels == 3,
          "rescale_image: image must have 3 channels, got " + std::to_string(src.channels));
  require(reads_as_source(src, scale),
          "rescale_image: the image is " + size_text(src.height, src.width) +
              " but the plan was made for " + size_text(scale.src_h, scale.src_w) +
              (scale.rescaled ? " (a reduced decode must be at least the work size, " +
                                    size_text(scale.work_h, scale.work_w) + ")"
                              : std::string()));
  // A scale not from plan_rescale must not size a resize it would refuse to plan.
  require(scale.work_h > 0 && scale.work_w > 0 && scale.work_h <= kMaxDetSide &&
              scale.work_w <= kMaxDetSide &&
              static_cast<long long>(scale.work_h) * scale.work_w <= kMaxDetPixels,
          "rescale_image: work size " + size_text(scale.work_h, scale.work_w) +
              " is empty or beyond plan_rescale's limits");
  require(work != nullptr, "rescale_image: no output buffer");
  const int out_w = scale.work_w;
  const std::size_t row = static_cast<std::size_t>(out_w);
  linear::resize_rows(
      src, scale.work_h, out_w, pool,
      [&](int y, const std::int16_t* r0, const std::int16_t* r1, std::int16_t b0, std::int16_t b1) {
        // The vertical pass per channel (vectorised, saturated as cv2.resize does) into planar
        // bytes, then interleaved: cheaper than the pass one interleaved value at a time.
        thread_local std::vector<std::uint8_t> planar;
        planar.resize(3 * row);
        std::uint8_t* p = planar.data();
        for (int c = 0; c < 3; ++c)
          linear::vertical_row_u8(r0 + c * row, r1 + c * row, b0, b1, out_w, p + c * row);
        planes::interleave3(p, p + row, p + 2 * row, out_w,
                            work + static_cast<std::size_t>(y) * row * 3);
      });
}

namespace {

void write_tensor(const ImageView& img, const DetInputParams& params, const DetMapping& m,
                  float* tensor, ThreadPool* pool) {
  resize_normalize_chw(img, m.input_h, m.input_w, params.norm, tensor, pool);
}

void write_tensor(const ImageView& img, const DetInputParams&, const DetMapping& m,
                  std::uint8_t* tensor, ThreadPool* pool) {
  resize_chw(img, m.input_h, m.input_w, tensor, pool);
}

// prepare_detection for either tensor type (float32 normalised, or uint8 pixels).
template <typename T>
void prepare_into(const ImageView& src, const DetInputParams& params, const DetMapping& mapping,
                  T* tensor, std::uint8_t* work, ThreadPool* pool) {
  require_image(src, "prepare_detection");
  require(src.channels == 3,
          "prepare_detection: image must have 3 channels, got " + std::to_string(src.channels));
  require(reads_as_source(src, mapping.scale),
          "prepare_detection: the image is " + size_text(src.height, src.width) +
              " but the mapping was planned for " +
              size_text(mapping.scale.src_h, mapping.scale.src_w));
  require(tensor != nullptr, "prepare_detection: no tensor buffer");
  validate(params);
  // The letterbox copy and the caller's buffers are sized by the mapping: any other mapping
  // would read or write out of bounds.
  require(same_mapping(mapping, plan_detection(mapping.scale.src_h, mapping.scale.src_w, params)),
          "prepare_detection: the mapping is not plan_detection of this image and parameters");
  ImageView work_view = src;
  if (mapping.scale.rescaled) {
    require(work != nullptr, "prepare_detection: the image is rescaled but no work buffer given");
    rescale_image(src, mapping.scale, work, pool);
    work_view = ImageView{work, mapping.scale.work_h, mapping.scale.work_w, 3,
                          static_cast<std::ptrdiff_t>(mapping.scale.work_w) * 3};
  }
  if (mapping.pad == 0) {
    write_tensor(work_view, params, mapping, tensor, pool);
    return;
  }
  // Letterboxed images are thin, so a padded copy costs little next to the network.
  const std::size_t row = static_cast<std::size_t>(mapping.det_w) * 3;
  std::vector<std::uint8_t> padded(row * static_cast<std::size_t>(mapping.det_h), 0);
  for (int y = 0; y < work_view.height; ++y)
    std::memcpy(padded.data() + (static_cast<std::size_t>(y) + mapping.pad) * row, work_view.row(y),
                row);
  const ImageView det_view{padded.data(), mapping.det_h, mapping.det_w, 3,
                           static_cast<std::ptrdiff_t>(row)};
  write_tensor(det_view, params, mapping, tensor, pool);
}

}  // namespace

void prepare_detection(const ImageView& src, const DetInputParams& params,
                       const DetMapping& mapping, float* tensor, std::uint8_t* work,
                       ThreadPool* pool) {
  prepare_into(src, params, mapping, tensor, work, pool);
}

void prepare_detection(const ImageView& src, const DetInputParams& params,
                       const DetMapping& mapping, std::uint8_t* tensor, std::uint8_t* work,
                       ThreadPool* pool) {
  prepare_into(src, params, mapping, tensor, work, pool);
}

namespace {

// finish_detection for a float32 or binary16 map (db_postprocess reads either).
template <typename MapValue>
std::vector<DetectedText> finish_from(const MapValue* prob, int map_h, int map_w,
                                      const DetMapping& mapping, const DBParams& params) {
  const ImageScale& scale = mapping.scale;
  require(scale.src_h > 0 && scale.src_w > 0 && scale.work_h > 0 && scale.work_w > 0 &&
              (scale.rescaled || (scale.work_h == scale.src_h && scale.work_w == scale.src_w)) &&
              mapping.pad >= 0 && mapping.det_h == scale.work_h + 2LL * mapping.pad &&
              mapping.det_w == scale.work_w,
          "finish_detection: inconsistent mapping");
  std::vector<TextRegion> regions =
      db_postprocess(prob, map_h, map_w, mapping.det_h, mapping.det_w, params);
  const float pad = static_cast<float>(mapping.pad);
  const float last_row = static_cast<float>(mapping.scale.work_h - 1);
  std::vector<Quad> quads(regions.size());
  std::vector<geom::DPoint> outline;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    std::vector<Point>& pts = regions[i].points;
    if (mapping.pad != 0)
      for (Point& p : pts) p.y = std::clamp(p.y - pad, 0.f, last_row);
    if (params.box_type == BoxType::Quad) {
      std::copy(pts.begin(), pts.end(), quads[i].begin());
    } else {
      outline.resize(pts.size());
      for (std::size_t k = 0; k < pts.size(); ++k) outline[k] = {pts[k].x, pts[k].y};
      const auto q = geom::min_area_quad(outline.data(), outline.size());
      for (int k = 0; k < 4; ++k)
        quads[i][k] = {static_cast<float>(q[k].x), static_cast<float>(q[k].y)};
    }
  }
  std::vector<DetectedText> out;
  out.reserve(regions.size());
  for (std::size_t i : reading_order(quads)) {
    DetectedText d;
    d.quad = quads[i];
    d.box = std::move(regions[i].points);
    for (Point& p : d.box) p = mapping.scale.to_source(p);
    d.score = regions[i].score;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

std::vector<DetectedText> finish_detection(const float* prob, int map_h, int map_w,
                                           const DetMapping& mapping, const DBParams& params) {
  return finish_from(prob, map_h, map_w, mapping, params);
}

std::vector<DetectedText> finish_detection(const std::uint16_t* prob_half, int map_h, int map_w,
                                           const DetMapping& mapping, const DBParams& params) {
  return finish_from(prob_half, map_h, map_w, mapping, params);
}

}  // namespace trtocr
