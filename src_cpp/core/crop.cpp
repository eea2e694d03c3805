#include "trtocr/crop.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "image_checks.hpp"

namespace trtocr {

namespace {

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

// Clamps to [0, hi], sending NaN to 0, so the result is always safe to convert to int.
inline double clamp_nan0(double v, double hi) {
  return v > 0.0 ? (v < hi ? v : hi) : 0.0;
}

using Mat3 = std::array<double, 9>;

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
  // Scale for "is this zero": the quad's own extent squared.
  const double extent = std::max({std::fabs(dx1), std::fabs(dx2), std::fabs(dy1),
                                  std::fabs(dy2), std::fabs(x1 - x0), std::fabs(y1 - y0),
                                  std::fabs(x3 - x0), std::fabs(y3 - y0)});
  double g = 0.0, h = 0.0;
  const bool projective = (sx != 0.0 || sy != 0.0) && std::fabs(den) > 1e-9 * extent * extent;
  if (projective) {
    g = (sx * dy2 - dx2 * sy) / den;
    h = (dx1 * sy - sx * dy1) / den;
  }
  // Without a usable projective solution (parallelogram or collinear corners) the affine map
  // through p0, p1, p3 is the natural, always finite, fallback.
  return {x1 - x0 + g * x1, x3 - x0 + h * x3, x0,  //
          y1 - y0 + g * y1, y3 - y0 + h * y3, y0,  //
          g,                h,                1.0};
}

// How an output tensor relates to the crop: output pixel (u, v) of an out_w x out_h image is
// resized (cv2.resize INTER_LINEAR geometry: half-pixel centres, clamped to the edge pixels) from
// the crop_w x crop_h rotated/flipped crop, whose pixels map to the source through G.
struct CropMap {
  Mat3 g;                  // (rx, ry, 1) in the rotated/flipped crop -> source (homogeneous)
  std::vector<double> rx;  // per output column
  std::vector<double> ry;  // per output row
};

// Crop-grid (rx, ry) after rotation and flip -> (ox, oy) in the unrotated crop, as a matrix.
Mat3 orientation(const CropSize& cs, bool flip) {
  const double w = cs.rotated ? cs.height : cs.width;  // unrotated crop size
  const double h = cs.rotated ? cs.width : cs.height;
  // np.rot90 (counter-clockwise): R(x, y) = A(w - 1 - y, x). The 180-degree flip acts on the
  // rotated crop (PP-OCR rotates the crop the classifier sees): F(x, y) = R(cw-1-x, ch-1-y).
  if (!cs.rotated && !flip) return {1, 0, 0, 0, 1, 0, 0, 0, 1};
  if (!cs.rotated && flip) return {-1, 0, w - 1, 0, -1, h - 1, 0, 0, 1};
  if (cs.rotated && !flip) return {0, -1, w - 1, 1, 0, 0, 0, 0, 1};
  return {0, 1, 0, -1, 0, h - 1, 0, 0, 1};
}

// cv2.resize's source coordinate of each output pixel along one axis, clamped to the crop.
void resize_coords(int src, int dst, std::vector<double>& out) {
  out.resize(static_cast<std::size_t>(dst));
  const double scale = 1.0 / (static_cast<double>(dst) / src);
  const double hi = src - 1;
  for (int d = 0; d < dst; ++d) out[d] = clamp_nan0((d + 0.5) * scale - 0.5, hi);
}

void build_map(const Quad& q, const CropSize& cs, bool flip, int out_w, int out_h, CropMap& m) {
  const double w = cs.rotated ? cs.height : cs.width;
  const double h = cs.rotated ? cs.width : cs.height;
  const Mat3 to_unit = {1.0 / w, 0, 0, 0, 1.0 / h, 0, 0, 0, 1};
  m.g = mul(square_to_quad(q), mul(to_unit, orientation(cs, flip)));
  resize_coords(cs.width, out_w, m.rx);
  resize_coords(cs.height, out_h, m.ry);
}

// Bilinear sampling with a replicated border of every output pixel of m, handing the C channel
// values of pixel (u, v) to emit(u, v, const float* values).
template <int C, typename Emit>
void sample(const ImageView& img, const CropMap& m, Emit&& emit) {
  const Mat3& g = m.g;
  const double max_x = img.width - 1, max_y = img.height - 1;
  const int nx = static_cast<int>(m.rx.size());
  const int ny = static_cast<int>(m.ry.size());
  float vals[C];
  for (int v = 0; v < ny; ++v) {
    const double ry = m.ry[v];
    const double bx = g[1] * ry + g[2], by = g[4] * ry + g[5], bw = g[7] * ry + g[8];
    for (int u = 0; u < nx; ++u) {
      const double rx = m.rx[u];
      const double wd = g[6] * rx + bw;
      // A non-positive denominator only happens for self-intersecting quads: any clamped
      // position is as good as another there, so let NaN/inf collapse onto the border.
      const double inv = wd != 0.0 ? 1.0 / wd : 0.0;
      const double sx = clamp_nan0((g[0] * rx + bx) * inv, max_x);
      const double sy = clamp_nan0((g[3] * rx + by) * inv, max_y);
      const int x0 = static_cast<int>(sx), y0 = static_cast<int>(sy);
      const float fx = static_cast<float>(sx - x0), fy = static_cast<float>(sy - y0);
      const int x1 = x0 + (x0 < img.width - 1), y1 = y0 + (y0 < img.height - 1);
      const std::uint8_t* r0 = img.row(y0);
      const std::uint8_t* r1 = img.row(y1);
      const std::uint8_t* p00 = r0 + x0 * C;
      const std::uint8_t* p01 = r0 + x1 * C;
      const std::uint8_t* p10 = r1 + x0 * C;
      const std::uint8_t* p11 = r1 + x1 * C;
      for (int c = 0; c < C; ++c) {
        const float top = p00[c] + fx * (p01[c] - p00[c]);
        const float bot = p10[c] + fx * (p11[c] - p10[c]);
        vals[c] = top + fy * (bot - top);
      }
      emit(u, v, vals);
    }
  }
}

template <int C>
void crop_image_c(const ImageView& image, const CropMap& m, std::uint8_t* out) {
  const std::size_t w = m.rx.size();
  sample<C>(image, m, [&](int u, int v, const float* vals) {
    std::uint8_t* px = out + (static_cast<std::size_t>(v) * w + u) * C;
    for (int c = 0; c < C; ++c) px[c] = static_cast<std::uint8_t>(vals[c] + 0.5f);
  });
}

}  // namespace

CropSize crop_size(const Quad& quad, double tall_ratio) {
  require(tall_ratio > 0.0, "crop_size: tall_ratio must be positive");
  CropSize cs;
  if (!finite(quad)) return cs;
  const int w = truncate_side(std::max(side_length(quad[0], quad[1]), side_length(quad[2], quad[3])));
  const int h = truncate_side(std::max(side_length(quad[0], quad[3]), side_length(quad[1], quad[2])));
  if (w <= 0 || h <= 0) return cs;
  cs.rotated = static_cast<double>(h) / w >= tall_ratio;
  cs.width = cs.rotated ? h : w;
  cs.height = cs.rotated ? w : h;
  return cs;
}

std::array<double, 9> rect_to_quad(const Quad& quad, double w, double h) {
  require(w > 0.0 && h > 0.0, "rect_to_quad: rectangle size must be positive");
  return mul(square_to_quad(quad), Mat3{1.0 / w, 0, 0, 0, 1.0 / h, 0, 0, 0, 1});
}

void crop_batch(const ImageView& image, const Quad* quads, std::size_t count, const bool* flip180,
                const CropBatchParams& params, float* out, int* valid_widths) {
  require_image(image, "crop_batch");
  require(image.channels == 3,
          "crop_batch: image must have 3 channels, got " + std::to_string(image.channels));
  require(params.height > 0 && params.width > 0, "crop_batch: height and width must be positive");
  require(params.tall_ratio > 0.0, "crop_batch: tall_ratio must be positive");
  require_normalization(params.norm, "crop_batch");
  if (count == 0) return;
  require(quads != nullptr && out != nullptr, "crop_batch: null quads or output");

  const int H = params.height, W = params.width;
  const std::size_t plane = static_cast<std::size_t>(H) * W;
  float mul_c[3], add_c[3];  // (x * scale - mean) / std folded into x * mul + add
  for (int c = 0; c < 3; ++c) {
    mul_c[c] = params.norm.scale / params.norm.std[c];
    add_c[c] = -params.norm.mean[c] / params.norm.std[c];
  }
  CropMap m;
  for (std::size_t i = 0; i < count; ++i) {
    float* dst = out + i * 3 * plane;
    const CropSize cs = crop_size(quads[i], params.tall_ratio);
    int rw = 0;
    if (cs.width > 0) {
      // PP-OCR's resize_norm_img: ceil(H * w / h) in double, capped by the batch width.
      rw = params.keep_ratio
               ? static_cast<int>(std::min<double>(
                     W, std::ceil(H * (static_cast<double>(cs.width) / cs.height))))
               : W;
      rw = std::max(rw, 1);
    }
    if (valid_widths) valid_widths[i] = rw;
    if (rw < W)  // padding is 0 after normalisation, as PP-OCR pads
      for (int c = 0; c < 3; ++c)
        for (int y = 0; y < H; ++y)
          std::memset(dst + c * plane + static_cast<std::size_t>(y) * W + rw, 0,
                      sizeof(float) * (W - rw));
    if (rw == 0) continue;
    build_map(quads[i], cs, flip180 != nullptr && flip180[i], rw, H, m);
    float* d0 = dst;
    float* d1 = dst + plane;
    float* d2 = dst + 2 * plane;
    sample<3>(image, m, [&](int u, int v, const float* vals) {
      const std::size_t o = static_cast<std::size_t>(v) * W + u;
      d0[o] = vals[0] * mul_c[0] + add_c[0];
      d1[o] = vals[1] * mul_c[1] + add_c[1];
      d2[o] = vals[2] * mul_c[2] + add_c[2];
    });
  }
}

void crop_image(const ImageView& image, const Quad& quad, bool flip180, double tall_ratio,
                std::uint8_t* out) {
  require_image(image, "crop_image");
  const CropSize cs = crop_size(quad, tall_ratio);
  if (cs.width == 0) return;
  require(out != nullptr, "crop_image: no output buffer");
  CropMap m;
  build_map(quad, cs, flip180, cs.width, cs.height, m);
  switch (image.channels) {
    case 1: crop_image_c<1>(image, m, out); break;
    case 2: crop_image_c<2>(image, m, out); break;
    case 3: crop_image_c<3>(image, m, out); break;
    default: crop_image_c<4>(image, m, out); break;
  }
}

}  // namespace trtocr
