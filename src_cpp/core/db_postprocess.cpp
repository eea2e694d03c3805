// DB post-processing with PaddleOCR's semantics (DBPostProcess + TextDetector's filtering):
// threshold -> contours -> min-area boxes -> score -> unclip -> boxes in image coordinates.
#include "trtocr/db_postprocess.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>

#include "cpu_features.hpp"
#include "geometry.hpp"
#include "trtocr/half_float.hpp"

namespace trtocr {

using geom::DPoint;
using geom::IPoint;

namespace {

struct Cross {
  double x;
  int dir;
};

struct RasterEdge {
  double y0, y1, x0, slope;  // y0 < y1; x at y is x0 + (y - y0) * slope
  int dir;                   // +1 when the ring goes down the edge (y increasing)
};

// Scratch buffers of one call, reused across its candidates; nothing is shared between calls
// (thread safety) and nothing is allocated per pixel.
struct Scratch {
  geom::MinAreaScratch rect;
  std::vector<Cross> crossings;
  std::vector<RasterEdge> edges;
  std::vector<const RasterEdge*> active;
  std::vector<IPoint> ipts;
  std::vector<IPoint> ring;
  std::vector<IPoint> ordered;
  std::vector<IPoint> approx;
  std::vector<IPoint> poly;
  std::vector<std::uint8_t> mask;
  std::vector<std::int8_t> raster;
  geom::ContourSet raster_contours;
};

// Rows of the probability map as float32. A float32 map is read in place; a binary16 map is
// widened exactly, one span at a time, into a row-sized buffer that stays in cache: never into a
// whole float32 copy (4 MB for a 1312 x 736 map, more time in memory traffic than the rest of
// the post-processing takes).
class MapRows {
 public:
  MapRows(const float* map, int w) : float_map_(map), w_(w) {}
  MapRows(const std::uint16_t* map, int w)
      : half_map_(map), w_(w), widened_(static_cast<std::size_t>(w)) {}

  // Whether every value is a multiple of 2^-24 (a binary16 map): then sums of doubles are exact
  // in any order while they stay below 2^28 in magnitude.
  bool binary16() const { return half_map_ != nullptr; }

  // The binary16 values of row y from column x0, as stored (binary16() maps only).
  const std::uint16_t* half_span(int y, int x0) const {
    return half_map_ + static_cast<std::size_t>(y) * w_ + x0;
  }

  // The n values of row y from column x0 (valid until the next call).
  const float* span(int y, int x0, int n) {
    const std::size_t at = static_cast<std::size_t>(y) * w_ + x0;
    if (float_map_ != nullptr) return float_map_ + at;
    half_to_float(half_map_ + at, static_cast<std::size_t>(n), widened_.data());
    return widened_.data();
  }

 private:
  const float* float_map_ = nullptr;
  const std::uint16_t* half_map_ = nullptr;
  std::size_t w_;
  std::vector<float> widened_;
};

#ifdef TRTOCR_X86_DISPATCH
TRTOCR_AVX512_WARNINGS_OFF
// sum += the masked values of the binary16 v[0 .. n), count += how many, max_abs = max(max_abs,
// their |v|); 16 at a time, widened in registers (exactly), into two double accumulators (the
// order of the additions is not kept).
__attribute__((target("avx512f,avx512bw"))) void masked_sum_avx512(const std::uint16_t* v,
                                                                   const std::uint8_t* mask, int n,
                                                                   double& sum, std::size_t& count,
                                                                   float& max_abs) {
  __m512d acc0 = _mm512_setzero_pd(), acc1 = _mm512_setzero_pd();
  __m512 top = _mm512_setzero_ps();
  std::size_t kept = 0;
  for (int x = 0; x < n; x += 16) {
    const __mmask16 in = n - x >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << (n - x)) - 1);
    const __m512i m = _mm512_maskz_loadu_epi8(in, mask + x);  // 512-bit: no VL needed
    const auto k = static_cast<__mmask16>(_mm512_test_epi8_mask(m, m));
    if (k == 0) continue;
    const __m512i halves = _mm512_maskz_loadu_epi16(k, v + x);  // unmasked lanes read as +0
    const __m512 f = _mm512_cvtph_ps(_mm512_castsi512_si256(halves));
    acc0 = _mm512_mask_add_pd(acc0, static_cast<__mmask8>(k), acc0,
                              _mm512_cvtps_pd(_mm512_castps512_ps256(f)));
    acc1 = _mm512_mask_add_pd(
        acc1, static_cast<__mmask8>(k >> 8), acc1,
        _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(f), 1))));
    top = _mm512_max_ps(top, _mm512_abs_ps(f));
    kept += static_cast<std::size_t>(__builtin_popcount(k));
  }
  sum += _mm512_reduce_add_pd(_mm512_add_pd(acc0, acc1));
  count += kept;
  max_abs = std::max(max_abs, _mm512_reduce_max_ps(top));
}
TRTOCR_AVX512_WARNINGS_ON
#endif

// cv2.mean(prob[rect], mask) where mask = fillPoly of the points on their clipped bounding
// rect (box_score_fast / box_score_slow): only the rect is touched.
double polygon_mean(MapRows& prob, int h, int w, const DPoint* pts, std::size_t n, Scratch& s) {
  double fxmin = pts[0].x, fxmax = pts[0].x, fymin = pts[0].y, fymax = pts[0].y;
  for (std::size_t i = 1; i < n; ++i) {
    fxmin = std::min(fxmin, pts[i].x);
    fxmax = std::max(fxmax, pts[i].x);
    fymin = std::min(fymin, pts[i].y);
    fymax = std::max(fymax, pts[i].y);
  }
  auto clampi = [](double v, int hi) {
    return static_cast<int>(std::min<double>(std::max<double>(v, 0.0), hi));
  };
  const int xmin = clampi(std::floor(fxmin), w - 1);
  const int xmax = clampi(std::ceil(fxmax), w - 1);
  const int ymin = clampi(std::floor(fymin), h - 1);
  const int ymax = clampi(std::ceil(fymax), h - 1);
  const int mw = xmax - xmin + 1;
  const int mh = ymax - ymin + 1;
  s.mask.assign(static_cast<std::size_t>(mw) * mh, 0);
  s.ipts.resize(n);
  for (std::size_t i = 0; i < n; ++i)  // numpy astype(int32) truncates towards zero
    s.ipts[i] = {static_cast<std::int64_t>(std::trunc(pts[i].x - xmin)),
                 static_cast<std::int64_t>(std::trunc(pts[i].y - ymin))};
  geom::fill_poly(s.mask.data(), mh, mw, s.ipts.data(), n);
  double sum = 0.0;
  std::size_t count = 0;
#ifdef TRTOCR_X86_DISPATCH
  if (prob.binary16() && cpu::has_avx512bw()) {
    float max_abs = 0.f;
    for (int y = 0; y < mh; ++y)
      masked_sum_avx512(prob.half_span(ymin + y, xmin),
                        s.mask.data() + static_cast<std::size_t>(y) * mw, mw, sum, count, max_abs);
    // Every partial sum, in any order, is a multiple of 2^-24 below 2^28: exact, so the same as
    // the sequential sum below. Beyond that (no sigmoid map comes near) the sequential sum.
    if (static_cast<double>(count) * max_abs < 268435456.0)
      return count ? sum / static_cast<double>(count) : 0.0;
    sum = 0.0;
    count = 0;
  }
#endif
  for (int y = 0; y < mh; ++y) {
    const float* prow = prob.span(ymin + y, xmin, mw);
    const std::uint8_t* mrow = s.mask.data() + static_cast<std::size_t>(y) * mw;
    for (int x = 0; x < mw; ++x) {
      if (mrow[x]) {
        sum += prow[x];
        ++count;
      }
    }
  }
  return count ? sum / static_cast<double>(count) : 0.0;
}

double polygon_mean(MapRows& prob, int h, int w, const IPoint* pts, std::size_t n, Scratch& s,
                    std::vector<DPoint>& tmp) {
  tmp.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    tmp[i] = {static_cast<double>(pts[i].x), static_cast<double>(pts[i].y)};
  return polygon_mean(prob, h, w, tmp.data(), n, s);
}

// cv2.boxPoints gives float32 corners; PP-OCR's later floor/ceil/truncation sees those values.
std::array<DPoint, 4> to_float32(const std::array<DPoint, 4>& c) {
  std::array<DPoint, 4> r;
  for (int i = 0; i < 4; ++i)
    r[i] = {static_cast<double>(static_cast<float>(c[i].x)),
            static_cast<double>(static_cast<float>(c[i].y))};
  return r;
}

// The point order pyclipper returns for a simple offset ring (Clipper's union output): the ring
// without duplicate or collinear vertices, starting right after its (last) top-most vertex.
// minAreaRect's result depends on the input order through OpenCV's hull start.
void clipper_output_order(const std::vector<IPoint>& ring, std::vector<IPoint>& out) {
  auto collinear = [](const IPoint& a, const IPoint& b, const IPoint& c) {
    return (a.y - b.y) * (b.x - c.x) == (a.x - b.x) * (b.y - c.y);
  };
  out.clear();
  for (const IPoint& p : ring) {
    if (!out.empty() && out.back() == p) continue;
    out.push_back(p);
    while (out.size() >= 3 && collinear(out[out.size() - 3], out[out.size() - 2], out.back()))
      out.erase(out.end() - 2);
  }
  while (out.size() >= 3) {
    const std::size_t n = out.size();
    if (out.front() == out.back() || collinear(out[n - 2], out[n - 1], out[0])) {
      out.pop_back();
    } else if (collinear(out[n - 1], out[0], out[1])) {
      out.erase(out.begin());
    } else {
      break;
    }
  }
  const std::size_t n = out.size();
  if (n < 3) return;
  std::int64_t miny = out[0].y;
  for (const IPoint& p : out) miny = std::min(miny, p.y);
  for (std::size_t i = 0; i < n; ++i) {
    if (out[i].y == miny && out[(i + 1) % n].y != miny) {
      std::rotate(out.begin(), out.begin() + static_cast<std::ptrdiff_t>((i + 1) % n), out.end());
      break;
    }
  }
}

// np.round (half to even) of a map coordinate scaled to the source image, clipped to [0, size].
double map_coord(double v, int map_size, int src_size) {
  const double r = std::nearbyint(v / map_size * static_cast<double>(src_size));
  return std::min(std::max(r, 0.0), static_cast<double>(src_size));
}

// predict_det's order_points_clockwise: top-left = min(x + y), bottom-right = max(x + y), of the
// other two top-right = min(y - x), bottom-left = max(y - x).
std::array<DPoint, 4> order_clockwise(const std::array<DPoint, 4>& p) {
  int tl = 0, br = 0;
  for (int i = 1; i < 4; ++i) {
    if (p[i].x + p[i].y < p[tl].x + p[tl].y) tl = i;
    if (p[i].x + p[i].y > p[br].x + p[br].y) br = i;
  }
  int rest[3];
  int nr = 0;
  for (int i = 0; i < 4; ++i)
    if (i != tl && i != br) rest[nr++] = i;
  int tr = rest[0], bl = rest[0];
  for (int i = 1; i < nr; ++i) {
    const int r = rest[i];
    if (p[r].y - p[r].x < p[tr].y - p[tr].x) tr = r;
    if (p[r].y - p[r].x > p[bl].y - p[bl].x) bl = r;
  }
  return {p[tl], p[tr], p[br], p[bl]};
}

// clip_det_res: int(min(max(v, 0), size - 1)).
double clip_trunc(double v, int size) {
  return std::trunc(std::min(std::max(v, 0.0), static_cast<double>(size - 1)));
}

// The union step of pyclipper's offset (positive fill of the raw, self-overlapping offset ring),
// done on a raster at `scale` x the map resolution. A raster pixel is set when its square meets
// the region (sampled on three lines per row), which grows the region by half a pixel, so the
// outline traced through boundary pixel centres lies on the true boundary. Returns
// false when the union is not a single polygon (PP-OCR drops those) or is degenerate.
bool union_outline(const std::vector<IPoint>& ring, Scratch& s, std::vector<DPoint>& outline) {
  outline.clear();
  std::int64_t x0 = ring[0].x, x1 = ring[0].x, y0 = ring[0].y, y1 = ring[0].y;
  for (const IPoint& p : ring) {
    x0 = std::min(x0, p.x);
    x1 = std::max(x1, p.x);
    y0 = std::min(y0, p.y);
    y1 = std::max(y1, p.y);
  }
  const double bw = static_cast<double>(x1 - x0);
  const double bh = static_cast<double>(y1 - y0);
  if ((bw + 1) * (bh + 1) > 6.4e7) return false;  // absurd region: refuse rather than allocate
  // A quarter pixel for thin regions (text lines), half a pixel once both sides exceed 24 px:
  // the quantisation error then stays below ~1% of the short side.
  int scale = std::min(bw, bh) > 24.0 ? 2 : 4;
  while (scale > 1 && (bw + 1) * (bh + 1) * scale * scale > 4.0e6) scale /= 2;
  const double inv = 1.0 / scale;
  // Pixel centres on integer coordinates (the ring's vertices), one pixel of margin.
  const double ox = static_cast<double>(x0) - 1.5 * inv;
  const double oy = static_cast<double>(y0) - 1.5 * inv;
  const int rw = static_cast<int>(bw) * scale + 3;
  const int rh = static_cast<int>(bh) * scale + 3;
  s.raster.assign(static_cast<std::size_t>(rw + 2) * (rh + 2), 0);

  std::vector<Cross>& xs = s.crossings;
  // Edge table sorted by top y; sample lines go down monotonically, so an active list keeps
  // the per-line work to the edges that actually cross it.
  std::vector<RasterEdge>& edges = s.edges;
  edges.clear();
  const std::size_t n = ring.size();
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    if (ring[j].y == ring[i].y) continue;  // horizontal edges never cross a sample line
    const bool up = ring[j].y < ring[i].y;
    const IPoint& lo = up ? ring[j] : ring[i];
    const IPoint& hi = up ? ring[i] : ring[j];
    edges.push_back(
        {static_cast<double>(lo.y), static_cast<double>(hi.y), static_cast<double>(lo.x),
         static_cast<double>(hi.x - lo.x) / static_cast<double>(hi.y - lo.y), up ? 1 : -1});
  }
  std::sort(edges.begin(), edges.end(),
            [](const RasterEdge& a, const RasterEdge& b) { return a.y0 < b.y0; });
  std::vector<const RasterEdge*>& active = s.active;
  active.clear();
  std::size_t next_edge = 0;
  constexpr double kSamples[3] = {1e-6, 0.5, 1.0 - 1e-6};
  for (int ry = 0; ry < rh; ++ry) {
    std::int8_t* row = s.raster.data() + static_cast<std::size_t>(ry + 1) * (rw + 2) + 1;
    for (double f : kSamples) {
      const double yc = oy + (ry + f) * inv;
      while (next_edge < edges.size() && edges[next_edge].y0 <= yc)
        active.push_back(&edges[next_edge++]);
      xs.clear();
      std::size_t kept = 0;
      for (const RasterEdge* e : active) {
        if (e->y1 <= yc) continue;  // finished: dropped from the active list
        active[kept++] = e;
        xs.push_back({e->x0 + (yc - e->y0) * e->slope, e->dir});
      }
      active.resize(kept);
      std::sort(xs.begin(), xs.end(), [](const Cross& a, const Cross& b) { return a.x < b.x; });
      // Winding of a point = sum of the directions of the crossings to its right; keep > 0
      // (Clipper's pftPositive; its orientation fix makes the outer ring positive).
      int winding = 0;
      for (const Cross& c : xs) winding += c.dir;
      for (std::size_t k = 0; k + 1 < xs.size(); ++k) {
        winding -= xs[k].dir;
        if (winding <= 0) continue;
        const int from = std::max(0, static_cast<int>(std::floor((xs[k].x - ox) * scale)));
        const int to =
            std::min(rw - 1, static_cast<int>(std::ceil((xs[k + 1].x - ox) * scale)) - 1);
        if (from <= to) std::memset(row + from, 1, static_cast<std::size_t>(to - from + 1));
      }
    }
  }
  geom::find_contours(s.raster, rh, rw, s.raster_contours);
  const geom::ContourSet& cs = s.raster_contours;
  if (cs.size() != 1 || cs.count(0) < 3) return false;
  // Simplify the staircase (a quarter of a map pixel) before going back to map units.
  geom::approx_poly_dp_closed(cs.begin(0), cs.count(0), 0.25 * scale, s.approx);
  if (s.approx.size() < 3) return false;
  outline.reserve(s.approx.size());
  for (const IPoint& p : s.approx)
    outline.push_back(
        {ox + (static_cast<double>(p.x) + 0.5) * inv, oy + (static_cast<double>(p.y) + 0.5) * inv});
  return true;
}

// t[x] = row[x] > thresh; returns non-zero when a value is NaN or +-inf.
std::uint32_t threshold_row(const float* row, int w, float thresh, std::int8_t* t) {
  std::uint32_t nonfinite = 0;
  for (int x = 0; x < w; ++x) {
    const float v = row[x];
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    // all-ones exponent: NaN or +-inf (integer test, so the loop vectorises)
    nonfinite |= static_cast<std::uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
    t[x] = static_cast<std::int8_t>(v > thresh);
  }
  return nonfinite;
}

#ifdef TRTOCR_X86_DISPATCH
// threshold_row of binary16 patterns, 32 values a step (the last one masked), with the same
// integer tests. With Dilate, the 2x2 dilation of db_from too, in the same pass: the thresholded
// rows are kept as bit masks (bit i of word k: column 32k + i), this row's and the one above's in
// bits_above, so the dilation is a few mask operations per 32 values instead of a pass over bytes.
template <bool Dilate>
__attribute__((target("avx512f,avx512bw"))) std::uint32_t threshold_half_avx512(
    const std::uint16_t* row, int w, std::uint16_t above, std::int8_t* out,
    std::uint32_t* bits_above = nullptr) {
  const __m512i limit = _mm512_set1_epi16(static_cast<std::int16_t>(above));
  const __m512i exponent = _mm512_set1_epi16(0x7c00), one = _mm512_set1_epi8(1);
  __mmask32 nonfinite = 0;
  std::uint32_t carry = 0, carry_above = 0;  // column x - 1 of this row and the one above
  for (int x = 0, k = 0; x < w; x += 32, ++k) {
    const __mmask32 lanes = w - x >= 32 ? ~__mmask32{0} : (__mmask32{1} << (w - x)) - 1;
    const __m512i v = _mm512_maskz_loadu_epi16(lanes, row + x);
    nonfinite |= _mm512_cmpeq_epi16_mask(_mm512_and_si512(v, exponent), exponent);
    std::uint32_t set = _mm512_cmpgt_epi16_mask(v, limit) & lanes;
    if constexpr (Dilate) {
      const std::uint32_t up = bits_above[k];
      bits_above[k] = set;
      const std::uint32_t left = (set << 1) | carry, up_left = (up << 1) | carry_above;
      carry = set >> 31;
      carry_above = up >> 31;
      set |= left | up | up_left;
    }
    _mm512_mask_storeu_epi8(out + x, lanes, _mm512_maskz_mov_epi8(set, one));
  }
  return nonfinite != 0;
}
#endif

// threshold_row, then the 2x2 dilation of db_from, where a fused pass exists (binary16 maps on
// AVX-512 BW): out is the dilated row, bits_above holds ceil(w / 32) words (zero before the first
// row); false (nothing written) elsewhere.
bool threshold_dilate_row(const float*, int, float, std::uint32_t*, std::int8_t*, std::uint32_t&) {
  return false;
}
bool threshold_dilate_row(const std::uint16_t* row, int w, std::uint16_t above,
                          std::uint32_t* bits_above, std::int8_t* out, std::uint32_t& nonfinite) {
#ifdef TRTOCR_X86_DISPATCH
  if (cpu::has_avx512bw()) {
    nonfinite |= threshold_half_avx512<true>(row, w, above, out, bits_above);
    return true;
  }
#endif
  (void)row, (void)w, (void)above, (void)bits_above, (void)out, (void)nonfinite;
  return false;
}

// The same on binary16 bit patterns, without widening: `above` is the largest pattern whose value
// is not above the threshold (>= 0). A non-negative value is above it exactly when its pattern is;
// a negative one (sign bit set) is a negative int16 and never is.
std::uint32_t threshold_row(const std::uint16_t* row, int w, std::uint16_t above, std::int8_t* t) {
#ifdef TRTOCR_X86_DISPATCH
  if (cpu::has_avx512bw()) return threshold_half_avx512<false>(row, w, above, t);
#endif
  std::uint32_t nonfinite = 0;
  const auto limit = static_cast<std::int16_t>(above);
  for (int x = 0; x < w; ++x) {
    const std::uint16_t v = row[x];
    nonfinite |= static_cast<std::uint32_t>((v & 0x7c00u) == 0x7c00u);
    t[x] = static_cast<std::int8_t>(static_cast<std::int16_t>(v) > limit);
  }
  return nonfinite;
}

float threshold_of(const float*, float thresh) { return thresh; }
std::uint16_t threshold_of(const std::uint16_t*, float thresh) {
  return largest_half_not_above(thresh);
}

}  // namespace

void validate(const DBParams& p) {
  require(std::isfinite(p.thresh) && p.thresh >= 0.f && p.thresh < 1.f,
          "db_postprocess: thresh must be in [0, 1), got " + std::to_string(p.thresh));
  require(std::isfinite(p.box_thresh) && p.box_thresh >= 0.f && p.box_thresh <= 1.f,
          "db_postprocess: box_thresh must be in [0, 1], got " + std::to_string(p.box_thresh));
  require(p.max_candidates >= 0, "db_postprocess: max_candidates must be >= 0");
  require(
      std::isfinite(p.unclip_ratio) && p.unclip_ratio > 0.f && p.unclip_ratio <= 100.f,
      "db_postprocess: unclip_ratio must be in (0, 100], got " + std::to_string(p.unclip_ratio));
  require(p.min_size >= 0 && p.min_size <= 1000000,
          "db_postprocess: min_size must be in [0, 1e6], got " + std::to_string(p.min_size));
}

ScoreMode score_mode_from(std::string_view name) {
  if (name == "fast") return ScoreMode::Fast;
  if (name == "slow") return ScoreMode::Slow;
  throw std::invalid_argument("score_mode must be 'fast' or 'slow', got '" + std::string(name) +
                              "'");
}

BoxType box_type_from(std::string_view name) {
  if (name == "quad") return BoxType::Quad;
  if (name == "poly") return BoxType::Poly;
  throw std::invalid_argument("box_type must be 'quad' or 'poly', got '" + std::string(name) + "'");
}

namespace {

template <typename MapValue>
std::vector<TextRegion> db_from(const MapValue* map, int map_h, int map_w, int src_h, int src_w,
                                const DBParams& params) {
  require(map != nullptr, "db_postprocess: prob is null");
  require(map_h > 0 && map_w > 0, "db_postprocess: the probability map is empty (" +
                                      std::to_string(map_h) + "x" + std::to_string(map_w) + ")");
  require(src_h > 0 && src_w > 0, "db_postprocess: src_h and src_w must be positive, got " +
                                      std::to_string(src_h) + "x" + std::to_string(src_w));
  validate(params);
  const int h = map_h;
  const int w = map_w;
  const std::size_t stride = static_cast<std::size_t>(w) + 2;

  MapRows prob(map, w);
  // One pass: threshold into a zero-framed label image (the frame is what OpenCV's
  // findContours adds), dilated on the way when asked, and check the values are finite.
  std::vector<std::int8_t> labels(stride * (static_cast<std::size_t>(h) + 2), 0);
  // Thresholded rows with a zero in front (column -1): this one and the one above.
  std::vector<std::int8_t> row_now(static_cast<std::size_t>(w) + 1, 0), row_above(row_now);
  std::vector<std::uint32_t> bits_above(params.use_dilation ? (w + 31) / 32 : 0, 0);
  std::uint32_t nonfinite = 0;
  const auto thresh = threshold_of(map, params.thresh);
  for (int y = 0; y < h; ++y) {
    std::int8_t* lrow = labels.data() + (static_cast<std::size_t>(y) + 1) * stride + 1;
    const MapValue* mrow = map + static_cast<std::size_t>(y) * w;
    if (params.use_dilation &&
        threshold_dilate_row(mrow, w, thresh, bits_above.data(), lrow, nonfinite))
      continue;
    // Without dilation the thresholded row is the label row.
    std::int8_t* t = params.use_dilation ? row_now.data() + 1 : lrow;
    nonfinite |= threshold_row(mrow, w, thresh, t);
    if (params.use_dilation) {
      // cv2.dilate with the 2x2 kernel (anchor at its centre (1, 1)): a pixel is set when it or
      // its left, upper or upper-left neighbour is.
      const std::int8_t* a = row_above.data() + 1;
      for (int x = 0; x < w; ++x)
        lrow[x] = static_cast<std::int8_t>(t[x] | t[x - 1] | a[x] | a[x - 1]);
      row_now.swap(row_above);
    }
  }
  require(nonfinite == 0, "db_postprocess: the probability map contains NaN or inf");

  geom::ContourSet contours;
  geom::find_contours(labels, h, w, contours);
  labels = {};

  std::vector<TextRegion> out;
  Scratch s;
  std::vector<DPoint> tmp;
  std::vector<DPoint> outline;
  const std::size_t n = std::min(contours.size(), static_cast<std::size_t>(params.max_candidates));
  const double min_size = params.min_size;

  for (std::size_t ci = 0; ci < n; ++ci) {
    const IPoint* cpts = contours.begin(ci);
    const std::size_t cn = contours.count(ci);

    if (params.box_type == BoxType::Quad) {
      const geom::RotatedBox rb = geom::min_area_rect(cpts, cn, s.rect);
      if (rb.short_side() < min_size) continue;
      const auto box = to_float32(geom::mini_box_order(rb.corners));
      const double score = params.score_mode == ScoreMode::Fast
                               ? polygon_mean(prob, h, w, box.data(), 4, s)
                               : polygon_mean(prob, h, w, cpts, cn, s, tmp);
      if (params.box_thresh > score) continue;

      // unclip: distance from shapely's area / length of the float box, while pyclipper
      // truncates the corners to integers before offsetting.
      const double perimeter = geom::polygon_perimeter(box.data(), 4);
      if (!(perimeter > 0.0)) continue;
      const double distance = geom::polygon_area(box.data(), 4) * params.unclip_ratio / perimeter;
      s.approx.resize(4);
      for (int i = 0; i < 4; ++i)
        s.approx[i] = {static_cast<std::int64_t>(box[i].x), static_cast<std::int64_t>(box[i].y)};
      geom::offset_round_raw(s.approx, distance, s.ring);
      if (s.ring.empty()) continue;
      // For a convex box the offset ring is already simple, so Clipper's union only drops
      // redundant vertices and picks the start: replicate that, then take the min-area rect.
      clipper_output_order(s.ring, s.ordered);
      if (s.ordered.size() < 3) continue;
      const geom::RotatedBox grown =
          geom::min_area_rect(s.ordered.data(), s.ordered.size(), s.rect);
      if (grown.short_side() < min_size + 2) continue;
      auto q = to_float32(geom::mini_box_order(grown.corners));
      for (auto& p : q) p = {map_coord(p.x, w, src_w), map_coord(p.y, h, src_h)};

      // TextDetector.filter_tag_det_res
      q = order_clockwise(q);
      for (auto& p : q) p = {clip_trunc(p.x, src_w), clip_trunc(p.y, src_h)};
      const double rect_w = std::trunc(std::hypot(q[0].x - q[1].x, q[0].y - q[1].y));
      const double rect_h = std::trunc(std::hypot(q[0].x - q[3].x, q[0].y - q[3].y));
      if (rect_w <= 3 || rect_h <= 3) continue;
      TextRegion r;
      r.points.reserve(4);
      for (const auto& p : q)
        r.points.push_back({static_cast<float>(p.x), static_cast<float>(p.y)});
      r.score = static_cast<float>(score);
      out.push_back(std::move(r));
    } else {
      // polygons_from_bitmap
      const double epsilon = 0.002 * geom::arc_length_closed(cpts, cn);
      std::vector<IPoint>& approx = s.poly;
      geom::approx_poly_dp_closed(cpts, cn, epsilon, approx);
      if (approx.size() < 4) continue;
      const double score = polygon_mean(prob, h, w, approx.data(), approx.size(), s, tmp);
      if (params.box_thresh > score) continue;
      tmp.resize(approx.size());
      for (std::size_t i = 0; i < approx.size(); ++i)
        tmp[i] = {static_cast<double>(approx[i].x), static_cast<double>(approx[i].y)};
      const double perimeter = geom::polygon_perimeter(tmp.data(), tmp.size());
      if (!(perimeter > 0.0)) continue;
      const double distance =
          geom::polygon_area(tmp.data(), tmp.size()) * params.unclip_ratio / perimeter;
      if (!(distance > 0.0)) continue;
      geom::offset_round_raw(approx, distance, s.ring);
      if (s.ring.size() < 3) continue;
      if (!union_outline(s.ring, s, outline)) continue;
      // sside check on the outline (in integer units of 1/64 px for the hull code)
      s.ipts.resize(outline.size());
      for (std::size_t i = 0; i < outline.size(); ++i)
        s.ipts[i] = {static_cast<std::int64_t>(std::llround(outline[i].x * 64.0)),
                     static_cast<std::int64_t>(std::llround(outline[i].y * 64.0))};
      const geom::RotatedBox rb =
          geom::min_area_rect_exact(s.ipts.data(), s.ipts.size(), s.rect.exact_hull);
      if (rb.short_side() / 64.0 < min_size + 2) continue;
      TextRegion r;
      r.points.reserve(outline.size());
      for (const DPoint& p : outline) {
        // filter_tag_det_res_only_clip after the mapping
        r.points.push_back({static_cast<float>(clip_trunc(map_coord(p.x, w, src_w), src_w)),
                            static_cast<float>(clip_trunc(map_coord(p.y, h, src_h), src_h))});
      }
      r.score = static_cast<float>(score);
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace

std::vector<TextRegion> db_postprocess(const float* prob, int map_h, int map_w, int src_h,
                                       int src_w, const DBParams& params) {
  return db_from(prob, map_h, map_w, src_h, src_w, params);
}

std::vector<TextRegion> db_postprocess(const std::uint16_t* prob_half, int map_h, int map_w,
                                       int src_h, int src_w, const DBParams& params) {
  return db_from(prob_half, map_h, map_w, src_h, src_w, params);
}

std::vector<std::size_t> reading_order(const std::vector<Quad>& quads, float y_tolerance) {
  require(std::isfinite(y_tolerance) && y_tolerance >= 0.f,
          "reading_order: y_tolerance must be finite and >= 0");
  for (const Quad& q : quads)
    require(std::isfinite(q[0].x) && std::isfinite(q[0].y),
            "reading_order: box coordinates must be finite");
  std::vector<std::size_t> idx(quads.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    const Point& pa = quads[a][0];
    const Point& pb = quads[b][0];
    return pa.y < pb.y || (pa.y == pb.y && pa.x < pb.x);
  });
  // PaddleOCR's sorted_boxes pass: bubble a box left past its predecessors on the same line.
  for (std::size_t i = 0; i + 1 < idx.size(); ++i) {
    for (std::size_t j = i + 1; j-- > 0;) {
      const Point& a = quads[idx[j]][0];
      const Point& b = quads[idx[j + 1]][0];
      if (std::fabs(b.y - a.y) < y_tolerance && b.x < a.x) {
        std::swap(idx[j], idx[j + 1]);
      } else {
        break;
      }
    }
  }
  return idx;
}

}  // namespace trtocr
