#include "trtocr/crop.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "bicubic_warp.hpp"
#include "image_checks.hpp"
#include "linear_resize.hpp"

// PP-OCR crops a text quad with cv2.warpPerspective (INTER_CUBIC, BORDER_REPLICATE) to an upright
// image, rotates it when tall, then cv2.resize (INTER_LINEAR) shrinks it into the network input.
// The recognizer turns out to be sensitive to half a grey level (uniform +-0.5 noise on the
// reference batch changes ~2% of SROIE lines), so a single bilinear resampling of the source,
// however close, does not reproduce PP-OCR's text. We therefore reproduce both steps' integer
// arithmetic exactly, but never build a crop image: each output row needs two crop rows, and of
// those only the columns the resize reads; crop pixels are computed on demand into a two-row cache
// and the resize, normalisation and CHW layout happen in the same pass.

namespace trtocr {

namespace {

using Mat3 = std::array<double, 9>;

bool finite(const Quad& q) {
  for (const Point& p : q)
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) return false;
  return true;
}

// np.linalg.norm of the difference of two float32 points, in float32 as numpy computes it.
float side_length(Point a, Point b) {
  const float dx = a.x - b.x, dy = a.y - b.y;
  return std::sqrt(dx * dx + dy * dy);
}

int truncate_side(float len) {
  // Python's int(); sides overflowing float32 or beyond the cap are clamped.
  if (!(len < static_cast<float>(kMaxCropSide))) return kMaxCropSide;
  return static_cast<int>(len);
}

Mat3 mul(const Mat3& a, const Mat3& b) {
  Mat3 r{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      r[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  return r;
}

// Unit square -> quad (Heckbert's closed form): (0,0)->p0, (1,0)->p1, (1,1)->p2, (0,1)->p3.
Mat3 square_to_quad(const Quad& q) {
  const double x0 = q[0].x, y0 = q[0].y, x1 = q[1].x, y1 = q[1].y;
  const double x2 = q[2].x, y2 = q[2].y, x3 = q[3].x, y3 = q[3].y;
  const double sx = x0 - x1 + x2 - x3, sy = y0 - y1 + y2 - y3;
  const double dx1 = x1 - x2, dx2 = x3 - x2, dy1 = y1 - y2, dy2 = y3 - y2;
  const double den = dx1 * dy2 - dx2 * dy1;
  const double extent =
      std::max({std::fabs(dx1), std::fabs(dx2), std::fabs(dy1), std::fabs(dy2), std::fabs(x1 - x0),
                std::fabs(y1 - y0), std::fabs(x3 - x0), std::fabs(y3 - y0)});
  double g = 0.0, h = 0.0;
  // Without a usable projective solution (parallelogram, or collinear corners making the system
  // singular) the affine map through p0, p1, p3 is the natural, always finite, fallback.
  if ((sx != 0.0 || sy != 0.0) && std::fabs(den) > 1e-9 * extent * extent) {
    g = (sx * dy2 - dx2 * sy) / den;
    h = (dx1 * sy - sx * dy1) / den;
  }
  return {x1 - x0 + g * x1,
          x3 - x0 + h * x3,
          x0,  //
          y1 - y0 + g * y1,
          y3 - y0 + h * y3,
          y0,  //
          g,
          h,
          1.0};
}

// Integer map from the (rotated, flipped) crop grid to the unrotated crop grid that the warp
// produces: ox = a*cx + b*cy + c, oy = d*cx + e*cy + f.
struct Orientation {
  int a, b, c, d, e, f;
};

Orientation orientation(const CropSize& cs, bool flip) {
  const int w = cs.rotated ? cs.height : cs.width;  // unrotated crop size
  const int h = cs.rotated ? cs.width : cs.height;
  // np.rot90 (counter-clockwise): R(x, y) = A(w - 1 - y, x). The 180-degree flip (the
  // classifier's fix) acts on the crop after that rotation: F(x, y) = R(cw - 1 - x, ch - 1 - y).
  if (!cs.rotated && !flip) return {1, 0, 0, 0, 1, 0};
  if (!cs.rotated) return {-1, 0, w - 1, 0, -1, h - 1};
  if (!flip) return {0, -1, w - 1, 1, 0, 0};
  return {0, 1, 0, -1, 0, h - 1};
}

// Everything needed to produce crop pixels of one quad.
struct CropSource {
  const ImageView* img;
  Mat3 m;  // unrotated crop grid -> source
  Orientation o;
};

CropSource make_source(const ImageView& img, const Quad& q, const CropSize& cs, bool flip) {
  const double w = cs.rotated ? cs.height : cs.width;
  const double h = cs.rotated ? cs.width : cs.height;
  return {&img, rect_to_quad(q, w, h), orientation(cs, flip)};
}

// Crop pixels (cols[j], cy) of the rotated/flipped crop grid for j < n, the image's channels each.
void crop_row(const CropSource& s, int cy, const int* cols, std::size_t n, std::uint8_t* out) {
  const Orientation& o = s.o;
  const Mat3& m = s.m;
  // (ox, oy) = (a, d) * cx + (b * cy + c, e * cy + f); the source position is linear in cx.
  const double ox0 = o.b * cy + o.c, oy0 = o.e * cy + o.f;
  const double bw = m[6] * ox0 + m[7] * oy0 + m[8], kw = m[6] * o.a + m[7] * o.d;
  const bicubic::RowMap map{m[0] * ox0 + m[1] * oy0 + m[2],
                            m[0] * o.a + m[1] * o.d,
                            m[3] * ox0 + m[4] * oy0 + m[5],
                            m[3] * o.a + m[4] * o.d,
                            bw,
                            kw,
                            kw == 0.0 && bw == 1.0};
  bicubic::warp_row(*s.img, map, cols, n, out);
}

// A crop kept in a CropStore: rows of width pixels, 3 channels.
struct StoredCrop {
  const std::uint8_t* pixels;
  int width;

  const std::uint8_t* row(int y) const {
    return pixels + static_cast<std::size_t>(y) * static_cast<std::size_t>(width) * 3;
  }
};

void crop_row(const StoredCrop& s, int cy, const int* cols, std::size_t n, std::uint8_t* out) {
  const std::uint8_t* row = s.row(cy);
  for (std::size_t j = 0; j < n; ++j) std::memcpy(out + 3 * j, row + 3 * cols[j], 3);
}

// The padding of a batch row: the value that normalises to (about) 0, as PP-OCR pads.
template <typename T>
T padding(const Normalization& norm, int c);
template <>
float padding<float>(const Normalization&, int) {
  return 0.f;
}
template <>
std::uint8_t padding<std::uint8_t>(const Normalization& norm, int c) {
  return pad_pixel(norm, c);
}

// row[0 .. n) = value. The recognizer's batches pad each row of a crop by a few dozen bytes, and a
// memset call per row took a sixth of their crop time (measured), so small uint8 fills are
// stores written out here (a plain loop would be turned back into a memset call).
inline void fill_row(float* row, std::size_t n, float value) { std::fill(row, row + n, value); }
inline void fill_row(std::uint8_t* row, std::size_t n, std::uint8_t value) {
  const std::uint64_t eight = 0x0101010101010101ULL * value;
  if (n >= 16) {
#ifdef __SSE2__
    const __m128i v = _mm_set1_epi8(static_cast<char>(value));
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm_storeu_si128(reinterpret_cast<__m128i*>(row + i), v);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(row + n - 16), v);  // the rest, overlapping
#else
    std::memset(row, value, n);
#endif
  } else if (n >= 8) {  // two overlapping 8-byte stores
    std::memcpy(row, &eight, 8);
    std::memcpy(row + n - 8, &eight, 8);
  } else if (n >= 4) {
    std::memcpy(row, &eight, 4);
    std::memcpy(row + n - 4, &eight, 4);
  } else {
    for (std::size_t i = 0; i < n; ++i) row[i] = value;
  }
}

// Resizes the crop of s (crop_w x crop_h, computed on demand or read from a store) to out_w x out_h
// with cv2.resize's INTER_LINEAR arithmetic and writes the normalised values as planar rows: plane
// c, row y at out + c * plane + y * stride, followed by padding up to the stride.
template <typename T, typename Source>
void resize_crop(const Source& s, int crop_w, int crop_h, int out_w, int out_h,
                 const Normalization& norm, T* out, std::size_t plane, std::size_t stride) {
  const std::vector<linear::Tap> xt = linear::taps(crop_w, out_w, true);
  const std::vector<linear::Tap> yt = linear::taps(crop_h, out_h, false);

  // Crop columns the horizontal pass reads, in increasing order (the tap indices never decrease,
  // so a value not above the last one pushed is already in the list).
  std::vector<int> cols;
  cols.reserve(2 * static_cast<std::size_t>(out_w));
  for (int u = 0; u < out_w; ++u) {
    const int a = xt[u].index, b = std::min(a + 1, crop_w - 1);
    for (int v : {a, b})
      if (cols.empty() || v > cols.back()) cols.push_back(v);
  }
  // The same taps over the row of those columns only: column a sits at position k and its right
  // neighbour a + 1, when read, at k + 1.
  std::vector<linear::Tap> compact(xt);
  for (int u = 0, k = 0; u < out_w; ++u) {
    while (cols[k] < xt[u].index) ++k;
    compact[u].index = k;
  }
  const linear::HorizontalPass pass(static_cast<int>(cols.size()), std::move(compact));

  // The crop's rows, computed (or read from the store) as the resize reaches them. A stored
  // crop all of whose columns are read (an enlargement, as most recognizer crops are) is read in
  // place.
  const bool in_place =
      std::is_same_v<Source, StoredCrop> && cols.size() == static_cast<std::size_t>(crop_w);
  std::vector<std::uint8_t> pix(in_place ? 0 : cols.size() * 3);
  auto crop_pixels = [&](int cy) -> const std::uint8_t* {
    if constexpr (std::is_same_v<Source, StoredCrop>) {
      if (in_place) return s.row(cy);
    }
    crop_row(s, cy, cols.data(), cols.size(), pix.data());
    return pix.data();
  };
  const T pad[3] = {padding<T>(norm, 0), padding<T>(norm, 1), padding<T>(norm, 2)};
  auto emit = [&](int y, const std::int16_t* r0, const std::int16_t* r1, std::int16_t b0,
                  std::int16_t b1) {
    const std::size_t n = static_cast<std::size_t>(out_w);
    for (int c = 0; c < 3; ++c) {
      const std::int16_t* s0 = r0 + c * n;
      const std::int16_t* s1 = r1 + c * n;
      T* dst = out + c * plane + static_cast<std::size_t>(y) * stride;
      if constexpr (std::is_same_v<T, std::uint8_t>) {
        linear::vertical_row_u8(s0, s1, b0, b1, out_w, dst);
      } else {
        // (x * scale - mean) / std folded into one multiply-add (within an ulp or two of it).
        const float mul = norm.scale / norm.std[c], add = -norm.mean[c] / norm.std[c];
        for (int u = 0; u < out_w; ++u)
          dst[u] = static_cast<float>(linear::vertical(s0[u], s1[u], b0, b1)) * mul + add;
      }
      fill_row(dst + n, stride - n, pad[c]);
    }
  };
  linear::resize_row_range(crop_pixels, crop_h, pass, yt, 0, out_h, emit);
}

void crop_image_rows(const CropSource& s, const CropSize& cs, std::uint8_t* out) {
  std::vector<int> cols(static_cast<std::size_t>(cs.width));
  for (int x = 0; x < cs.width; ++x) cols[x] = x;
  const std::size_t row_bytes = static_cast<std::size_t>(cs.width) * s.img->channels;
  for (int y = 0; y < cs.height; ++y)
    crop_row(s, y, cols.data(), cols.size(), out + static_cast<std::size_t>(y) * row_bytes);
}

}  // namespace

CropSize crop_size(const Quad& quad, double tall_ratio) {
  require(tall_ratio > 0.0, "crop_size: tall_ratio must be positive");
  CropSize cs;
  if (!finite(quad)) return cs;
  const int w =
      truncate_side(std::max(side_length(quad[0], quad[1]), side_length(quad[2], quad[3])));
  const int h =
      truncate_side(std::max(side_length(quad[0], quad[3]), side_length(quad[1], quad[2])));
  if (w <= 0 || h <= 0) return cs;
  cs.rotated = static_cast<double>(h) / w >= tall_ratio;
  cs.width = cs.rotated ? h : w;
  cs.height = cs.rotated ? w : h;
  return cs;
}

std::array<double, 9> rect_to_quad(const Quad& quad, double w, double h) {
  // Crop sizes are whole pixels; a size below 1 (e.g. a denormal) can overflow 1 / w to inf.
  require(w >= 1.0 && h >= 1.0, "rect_to_quad: rectangle size must be at least 1 x 1");
  return mul(square_to_quad(quad), Mat3{1.0 / w, 0, 0, 0, 1.0 / h, 0, 0, 0, 1});
}

std::uint8_t pad_pixel(const Normalization& norm, int c) {
  return static_cast<std::uint8_t>(
      std::clamp(std::lround(static_cast<double>(norm.mean[c]) / norm.scale), 0L, 255L));
}

namespace {

template <typename T>
void crop_batch_into(const ImageView& image, const Quad* quads, std::size_t count,
                     const bool* flip180, const CropBatchParams& params, T* out, int* valid_widths,
                     ThreadPool* pool, const CropStore* store = nullptr,
                     const std::size_t* store_index = nullptr) {
  require_image(image, "crop_batch");
  require(image.channels == 3,
          "crop_batch: image must have 3 channels, got " + std::to_string(image.channels));
  require(params.height > 0 && params.width > 0, "crop_batch: height and width must be positive");
  require(params.tall_ratio > 0.0, "crop_batch: tall_ratio must be positive");
  require_normalization(params.norm, "crop_batch");
  if (count == 0) return;
  require(quads != nullptr && out != nullptr, "crop_batch: null quads or output");
  require(store == nullptr || store_index != nullptr, "crop_batch: a store needs store indices");

  const int H = params.height, W = params.width;
  const std::size_t plane = static_cast<std::size_t>(H) * W;
  auto crop_one = [&](std::size_t i) {
    T* dst = out + i * 3 * plane;
    const CropSize cs = crop_size(quads[i], params.tall_ratio);
    int rw = 0;
    if (cs.width > 0) {
      // PP-OCR's resize_norm_img: ceil(H * w / h) in double, capped by the batch width.
      rw = params.keep_ratio ? static_cast<int>(std::min<double>(
                                   W, std::ceil(H * (static_cast<double>(cs.width) / cs.height))))
                             : W;
      rw = std::max(rw, 1);
    }
    if (valid_widths) valid_widths[i] = rw;
    if (rw == 0) {  // nothing to crop: all padding (resize_crop pads the rows it writes)
      for (int c = 0; c < 3; ++c)
        std::fill(dst + c * plane, dst + (c + 1) * plane, padding<T>(params.norm, c));
      return;
    }
    const bool flip = flip180 != nullptr && flip180[i];
    const std::uint8_t* stored = store != nullptr && !flip
                                     ? store->find(store_index[i], quads[i], params.tall_ratio)
                                     : nullptr;
    if (stored != nullptr) {
      resize_crop(StoredCrop{stored, cs.width}, cs.width, cs.height, rw, H, params.norm, dst, plane,
                  static_cast<std::size_t>(W));
      return;
    }
    const CropSource src = make_source(image, quads[i], cs, flip);
    resize_crop(src, cs.width, cs.height, rw, H, params.norm, dst, plane,
                static_cast<std::size_t>(W));
  };
  // One quad per task: crops are independent and write disjoint slices of out.
  parallel_for(pool, count, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) crop_one(i);
  });
}

}  // namespace

void crop_batch(const ImageView& image, const Quad* quads, std::size_t count, const bool* flip180,
                const CropBatchParams& params, float* out, int* valid_widths, ThreadPool* pool) {
  crop_batch_into(image, quads, count, flip180, params, out, valid_widths, pool);
}

void crop_batch(const ImageView& image, const Quad* quads, std::size_t count, const bool* flip180,
                const CropBatchParams& params, std::uint8_t* out, int* valid_widths,
                ThreadPool* pool) {
  crop_batch_into(image, quads, count, flip180, params, out, valid_widths, pool);
}

void crop_batch(const ImageView& image, const Quad* quads, std::size_t count, const bool* flip180,
                const CropBatchParams& params, std::uint8_t* out, int* valid_widths,
                ThreadPool* pool, const CropStore& store, const std::size_t* store_index) {
  crop_batch_into(image, quads, count, flip180, params, out, valid_widths, pool, &store,
                  store_index);
}

void crop_batch(const ImageView& image, const Quad* quads, std::size_t count, const bool* flip180,
                const CropBatchParams& params, float* out, int* valid_widths, ThreadPool* pool,
                const CropStore& store, const std::size_t* store_index) {
  crop_batch_into(image, quads, count, flip180, params, out, valid_widths, pool, &store,
                  store_index);
}

CropStore::CropStore(const ImageView& image, const Quad* quads, std::size_t count,
                     double tall_ratio, ThreadPool* pool)
    : quads_(quads, quads + count), offsets_(count, kNotKept), tall_ratio_(tall_ratio) {
  require_image(image, "CropStore");
  require(image.channels == 3,
          "CropStore: image must have 3 channels, got " + std::to_string(image.channels));
  require(tall_ratio > 0.0, "CropStore: tall_ratio must be positive");
  std::vector<CropSize> sizes(count);
  std::size_t total = 0;
  for (std::size_t i = 0; i < count; ++i) {
    sizes[i] = crop_size(quads_[i], tall_ratio);
    const std::size_t bytes = static_cast<std::size_t>(sizes[i].width) * sizes[i].height * 3;
    if (sizes[i].width == 0 || sizes[i].height > kMaxStoredCropHeight ||
        bytes > kMaxStoredBytes - total)
      continue;
    offsets_[i] = total;
    total += bytes;
  }
  pixels_.reset(new std::uint8_t[total]);
  parallel_for(pool, count, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      if (offsets_[i] == kNotKept) continue;
      // The rows crop_batch computes on demand for an unflipped quad, all of them.
      const CropSource src = make_source(image, quads_[i], sizes[i], false);
      crop_image_rows(src, sizes[i], pixels_.get() + offsets_[i]);
    }
  });
}

const std::uint8_t* CropStore::find(std::size_t i, const Quad& quad, double tall_ratio) const {
  if (i >= quads_.size() || offsets_[i] == kNotKept || tall_ratio != tall_ratio_) return nullptr;
  for (int k = 0; k < 4; ++k)  // bit-for-bit the quad the crop was made from
    if (std::memcmp(&quad[k], &quads_[i][k], sizeof(Point)) != 0) return nullptr;
  return pixels_.get() + offsets_[i];
}

void crop_image(const ImageView& image, const Quad& quad, bool flip180, double tall_ratio,
                std::uint8_t* out) {
  require_image(image, "crop_image");
  const CropSize cs = crop_size(quad, tall_ratio);
  if (cs.width == 0) return;
  require(out != nullptr, "crop_image: no output buffer");
  const CropSource src = make_source(image, quad, cs, flip180);
  crop_image_rows(src, cs, out);
}

}  // namespace trtocr
