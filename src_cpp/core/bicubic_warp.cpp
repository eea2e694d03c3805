#include "bicubic_warp.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>

#include "cpu_features.hpp"
#include "float_rounding.hpp"

namespace trtocr {
namespace bicubic {

namespace {

// Keys' cubic convolution kernel with a = kCubicA, in float, in the order OpenCV evaluates it.
constexpr float kCubicA = -0.75f;
inline void cubic_coeffs(float x, float c[4]) {
  const float a = kCubicA;
  c[0] = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a;
  c[1] = ((a + 2) * x - (a + 3)) * x * x + 1;
  c[2] = ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1;
  c[3] = 1.f - c[0] - c[1] - c[2];
}

struct ByteToFloat {
  float v[256];
  constexpr ByteToFloat() : v() {
    for (int i = 0; i < 256; ++i) v[i] = static_cast<float>(i);
  }
};
constexpr ByteToFloat kByteToFloat{};

// Reads bytes [p, p + n) ahead (n > 0), a cache line at a time: the next crop row's source row.
// By the time the crops are made the detector has run and the image has left the caches, and
// the hardware prefetcher does not follow a walk down short row spans. A hint: it never faults.
inline void read_ahead(const std::uint8_t* p, std::size_t n) {
  for (std::size_t b = 0; b < n; b += 64) __builtin_prefetch(p + b);
  __builtin_prefetch(p + n - 1);
}

// The pixel sampled at homogeneous source position (x, y, w). OpenCV 4 quantised the position
// to 1/32 pixel instead; the two differ by a grey level or so on a fraction of pixels.
template <int C, bool kAffine>
inline void warp_pixel(const ImageView& img, double x, double y, double w, std::uint8_t* out) {
  const double inv = kAffine ? 1.0 : (w != 0.0 ? 1.0 / w : 0.0);
  // Clamped just outside the image (NaN sent to a bound by std::min/max) so the conversions
  // below are defined; beyond two pixels out every tap replicates the border anyway.
  const float sx = static_cast<float>(std::max(-3.0, std::min(img.width + 2.0, x * inv)));
  const float sy = static_cast<float>(std::max(-3.0, std::min(img.height + 2.0, y * inv)));
  const int ix = floor_int(sx), iy = floor_int(sy);
  const float fx = sx - static_cast<float>(ix), fy = sy - static_cast<float>(iy);
  const int max_x = img.width - 1, max_y = img.height - 1;
  if (fx == 0.f && fy == 0.f && ix >= 0 && ix <= max_x && iy >= 0 && iy <= max_y) {
    // Integer position: the cubic weights are exactly (0, 1, 0, 0), e.g. every pixel of an
    // axis-aligned integer box.
    const std::uint8_t* p = img.row(iy) + static_cast<std::ptrdiff_t>(ix) * C;
    for (int c = 0; c < C; ++c) out[c] = p[c];
    return;
  }
  float wx[4], wy[4];
  cubic_coeffs(fx, wx);
  cubic_coeffs(fy, wy);
  int xs[4];
  for (int k = 0; k < 4; ++k) xs[k] = std::clamp(ix - 1 + k, 0, max_x) * C;
  const float* f = kByteToFloat.v;  // a load instead of an int -> float conversion per tap
  float acc[C] = {};
  for (int r = 0; r < 4; ++r) {
    const std::uint8_t* row = img.row(std::clamp(iy - 1 + r, 0, max_y));
    for (int c = 0; c < C; ++c) {
      const float h = wx[0] * f[row[xs[0] + c]] + wx[1] * f[row[xs[1] + c]] +
                      wx[2] * f[row[xs[2] + c]] + wx[3] * f[row[xs[3] + c]];
      acc[c] += wy[r] * h;
    }
  }
  for (int c = 0; c < C; ++c)
    out[c] = static_cast<std::uint8_t>(std::clamp(round_even(acc[c]), 0, 255));
}

template <int C>
void warp_row_portable(const ImageView& img, const RowMap& m, const int* cols, std::size_t n,
                       std::uint8_t* out) {
  if (m.affine) {  // parallelograms (e.g. DB's rotated rectangles): no division
    for (std::size_t j = 0; j < n; ++j) {
      const double c = cols[j];
      warp_pixel<C, true>(img, m.bx + m.kx * c, m.by + m.ky * c, 1.0, out + C * j);
    }
    return;
  }
  for (std::size_t j = 0; j < n; ++j) {
    const double c = cols[j];
    warp_pixel<C, false>(img, m.bx + m.kx * c, m.by + m.ky * c, m.bw + m.kw * c, out + C * j);
  }
}

#ifdef TRTOCR_X86_DISPATCH

// cubic_coeffs of 8 positions at once: the same float operations in the same order (no FMA: the
// target has none, so nothing is contracted).
__attribute__((target("avx2"))) inline void cubic_coeffs8(__m256 x, __m256 c[4]) {
  const __m256 a = _mm256_set1_ps(kCubicA), one = _mm256_set1_ps(1.f);
  const __m256 a5 = _mm256_set1_ps(5 * kCubicA), a8 = _mm256_set1_ps(8 * kCubicA);
  const __m256 a4 = _mm256_set1_ps(4 * kCubicA);
  const __m256 a2 = _mm256_set1_ps(kCubicA + 2), a3 = _mm256_set1_ps(kCubicA + 3);
  const __m256 x1 = _mm256_add_ps(x, one), mx = _mm256_sub_ps(one, x);
  __m256 t = _mm256_sub_ps(_mm256_mul_ps(a, x1), a5);
  t = _mm256_add_ps(_mm256_mul_ps(t, x1), a8);
  c[0] = _mm256_sub_ps(_mm256_mul_ps(t, x1), a4);
  t = _mm256_sub_ps(_mm256_mul_ps(a2, x), a3);
  c[1] = _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(t, x), x), one);
  t = _mm256_sub_ps(_mm256_mul_ps(a2, mx), a3);
  c[2] = _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(t, mx), mx), one);
  c[3] = _mm256_sub_ps(_mm256_sub_ps(_mm256_sub_ps(one, c[0]), c[1]), c[2]);
}

// The source coordinate of 4 columns along one axis: base + k * c, divided by w unless affine,
// clamped to [-3, limit] with NaN sent to limit, as warp_pixel does.
__attribute__((target("avx2"))) inline __m128 coordinate4(__m256d base, __m256d k, __m256d c,
                                                          __m256d inv, bool affine, __m256d limit) {
  __m256d v = _mm256_add_pd(base, _mm256_mul_pd(k, c));
  if (!affine) v = _mm256_mul_pd(v, inv);
  // min_pd(v, limit) is (v < limit ? v : limit) and max_pd(m, -3) is (m > -3 ? m : -3): the
  // operand order of std::min(limit, v) and std::max(-3.0, m), NaN included.
  v = _mm256_max_pd(_mm256_min_pd(v, limit), _mm256_set1_pd(-3.0));
  return _mm256_cvtpd_ps(v);
}

// 1 / w where w != 0 (NaN included, as C++ compares), else 0.
__attribute__((target("avx2"))) inline __m256d inverse4(__m256d base, __m256d k, __m256d c) {
  const __m256d w = _mm256_add_pd(base, _mm256_mul_pd(k, c));
  const __m256d nonzero = _mm256_cmp_pd(w, _mm256_setzero_pd(), _CMP_NEQ_UQ);
  return _mm256_and_pd(_mm256_div_pd(_mm256_set1_pd(1.0), w), nonzero);
}

// floor of 8 floats as floor_int computes it.
__attribute__((target("avx2"))) inline __m256i floor8(__m256 x) {
  const __m256i i = _mm256_cvttps_epi32(x);
  const __m256 below = _mm256_cmp_ps(x, _mm256_cvtepi32_ps(i), _CMP_LT_OQ);
  return _mm256_add_epi32(i, _mm256_castps_si256(below));  // true is -1
}

// True when all 8 positions have no fractional part and lie inside the image (the condition
// of warp_pixel's integer-position shortcut).
__attribute__((target("avx2"))) inline bool whole_pixels8(__m256 fx, __m256 fy, __m256i ix,
                                                          __m256i iy, __m256i max_x,
                                                          __m256i max_y) {
  const __m256 zero = _mm256_setzero_ps();
  const __m256 whole =
      _mm256_and_ps(_mm256_cmp_ps(fx, zero, _CMP_EQ_OQ), _mm256_cmp_ps(fy, zero, _CMP_EQ_OQ));
  const __m256i none = _mm256_setzero_si256();
  const __m256i inside =
      _mm256_and_si256(_mm256_cmpeq_epi32(_mm256_min_epi32(_mm256_max_epi32(ix, none), max_x), ix),
                       _mm256_cmpeq_epi32(_mm256_min_epi32(_mm256_max_epi32(iy, none), max_y), iy));
  return _mm256_movemask_ps(_mm256_and_ps(whole, _mm256_castsi256_ps(inside))) == 0xff;
}

__attribute__((target("avx2"))) std::size_t warp_row3_avx2(const ImageView& img, const RowMap& m,
                                                           const int* cols, std::size_t n,
                                                           std::uint8_t* out) {
  // Taps are read as 4-byte words at 32-bit offsets (3 channels and one byte more).
  const std::ptrdiff_t last =
      static_cast<std::ptrdiff_t>(img.height - 1) * img.row_stride + (img.width - 1) * 3;
  if (last > INT_MAX - 8) return 0;
  const __m256d bx = _mm256_set1_pd(m.bx), kx = _mm256_set1_pd(m.kx);
  const __m256d by = _mm256_set1_pd(m.by), ky = _mm256_set1_pd(m.ky);
  const __m256d bw = _mm256_set1_pd(m.bw), kw = _mm256_set1_pd(m.kw);
  const __m256d lim_x = _mm256_set1_pd(img.width + 2.0), lim_y = _mm256_set1_pd(img.height + 2.0);
  const __m256i zero = _mm256_setzero_si256();
  const __m256i max_x = _mm256_set1_epi32(img.width - 1), max_y = _mm256_set1_epi32(img.height - 1);
  const __m256i three = _mm256_set1_epi32(3);
  const __m256i stride = _mm256_set1_epi32(static_cast<int>(img.row_stride));
  const __m256i last_tap = _mm256_set1_epi32(static_cast<int>(last));
  const __m256i byte = _mm256_set1_epi32(0xff);
  const __m256 magic = _mm256_set1_ps(kRoundMagic);
  const int* base = reinterpret_cast<const int*>(img.data);
  std::size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256i ci = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cols + j));
    const __m256d c_lo = _mm256_cvtepi32_pd(_mm256_castsi256_si128(ci));
    const __m256d c_hi = _mm256_cvtepi32_pd(_mm256_extracti128_si256(ci, 1));
    __m256d inv_lo = _mm256_setzero_pd(), inv_hi = inv_lo;
    if (!m.affine) inv_lo = inverse4(bw, kw, c_lo), inv_hi = inverse4(bw, kw, c_hi);
    const __m256 sx = _mm256_set_m128(coordinate4(bx, kx, c_hi, inv_hi, m.affine, lim_x),
                                      coordinate4(bx, kx, c_lo, inv_lo, m.affine, lim_x));
    const __m256 sy = _mm256_set_m128(coordinate4(by, ky, c_hi, inv_hi, m.affine, lim_y),
                                      coordinate4(by, ky, c_lo, inv_lo, m.affine, lim_y));
    const __m256i ix = floor8(sx), iy = floor8(sy);
    const __m256 fx = _mm256_sub_ps(sx, _mm256_cvtepi32_ps(ix));
    const __m256 fy = _mm256_sub_ps(sy, _mm256_cvtepi32_ps(iy));
    std::uint8_t* o = out + 3 * j;
    if (whole_pixels8(fx, fy, ix, iy, max_x, max_y)) {
      // Every position is a pixel of the image (an axis-aligned integer box: half the lines of a
      // scanned page): the weights are exactly (0, 1, 0, 0), so the sums below would give the
      // pixel itself. One word per pixel instead of 16; not at the image's very last pixel,
      // where a word would end one byte past the buffer.
      const __m256i at =
          _mm256_add_epi32(_mm256_mullo_epi32(iy, stride), _mm256_mullo_epi32(ix, three));
      const __m256i end = _mm256_cmpeq_epi32(at, last_tap);
      if (_mm256_testz_si256(end, end)) {
        alignas(32) int word[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(word), _mm256_i32gather_epi32(base, at, 1));
        for (int k = 0; k < 8; ++k) std::memcpy(o + 3 * k, &word[k], 3);
        continue;
      }
    }
    __m256 wx[4], wy[4];
    cubic_coeffs8(fx, wx);
    cubic_coeffs8(fy, wy);
    // Byte offsets of the 4 tap columns and rows, clamped into the image (BORDER_REPLICATE).
    __m256i xs[4], ys[4];
    for (int k = 0; k < 4; ++k) {
      const __m256i d = _mm256_set1_epi32(k - 1);
      xs[k] = _mm256_mullo_epi32(
          _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(ix, d), zero), max_x), three);
      ys[k] = _mm256_mullo_epi32(
          _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(iy, d), zero), max_y), stride);
    }
    // A word read at the image's very last pixel would end one byte past the buffer.
    const __m256i corner = _mm256_cmpeq_epi32(_mm256_add_epi32(ys[3], xs[3]), last_tap);
    if (!_mm256_testz_si256(corner, corner)) {
      warp_row_portable<3>(img, m, cols + j, 8, out + 3 * j);
      continue;
    }
    __m256 acc[3] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int r = 0; r < 4; ++r) {
      __m256i word[4];
      for (int k = 0; k < 4; ++k)
        word[k] = _mm256_i32gather_epi32(base, _mm256_add_epi32(ys[r], xs[k]), 1);
      for (int c = 0; c < 3; ++c) {
        __m256 h = _mm256_setzero_ps();
        for (int k = 0; k < 4; ++k) {
          const __m256i v = _mm256_and_si256(_mm256_srli_epi32(word[k], 8 * c), byte);
          const __m256 t = _mm256_mul_ps(wx[k], _mm256_cvtepi32_ps(v));
          h = k == 0 ? t : _mm256_add_ps(h, t);
        }
        acc[c] = _mm256_add_ps(acc[c], _mm256_mul_ps(wy[r], h));
      }
    }
    alignas(32) int px[3][8];
    for (int c = 0; c < 3; ++c) {
      const __m256i v = _mm256_cvttps_epi32(_mm256_sub_ps(_mm256_add_ps(acc[c], magic), magic));
      _mm256_store_si256(reinterpret_cast<__m256i*>(px[c]),
                         _mm256_min_epi32(_mm256_max_epi32(v, zero), _mm256_set1_epi32(255)));
    }
    for (int k = 0; k < 8; ++k)
      for (int c = 0; c < 3; ++c) o[3 * k + c] = static_cast<std::uint8_t>(px[c][k]);
  }
  return j;
}

// Up to 16 columns (a text line's crop row steps about one source pixel per column and at most a
// few source rows) read their 4 x 4 taps from rows of one 64-byte window each, with byte
// permutes instead of gathers. The float operations per pixel are those of warp_pixel.
constexpr int kChunk = 16;
// Up to this many rows between the lanes' first tap rows (a slope of about 15 degrees).
constexpr int kMaxRowSpread = 4;

TRTOCR_AVX512_WARNINGS_OFF

// Byte tables of the window path, made at compile time.
struct WindowTables {
  std::uint8_t tap_channel[3][64];  // [c] byte 16 * k + i: 3 * k + c (tap k, channel c, lane i)
  std::uint8_t interleave[64];      // byte 3 * i + c: 16 * c + i (planar bytes -> pixels)
  std::uint8_t spread[64];          // byte 3 * i + c: i
  std::uint8_t centre_channel[64];  // byte 3 * i + c: 3 + c (the tap at ix, channel c)
  constexpr WindowTables() : tap_channel(), interleave(), spread(), centre_channel() {
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 64; ++i)
        tap_channel[c][i] = static_cast<std::uint8_t>(3 * (i / kChunk) + c);
    for (int i = 0; i < kChunk; ++i)
      for (int c = 0; c < 3; ++c) {
        interleave[3 * i + c] = static_cast<std::uint8_t>(kChunk * c + i);
        spread[3 * i + c] = static_cast<std::uint8_t>(i);
        centre_channel[3 * i + c] = static_cast<std::uint8_t>(3 + c);
      }
  }
};
constexpr WindowTables kWindowTables{};

// The tables in registers, loaded once per row.
struct WindowConsts {
  __m512i tap_channel[3], interleave, spread, centre_channel;
};

__attribute__((target("avx512f,avx512bw,avx512vbmi"))) inline WindowConsts window_consts() {
  const WindowTables& t = kWindowTables;
  return {{_mm512_loadu_si512(t.tap_channel[0]), _mm512_loadu_si512(t.tap_channel[1]),
           _mm512_loadu_si512(t.tap_channel[2])},
          _mm512_loadu_si512(t.interleave),
          _mm512_loadu_si512(t.spread),
          _mm512_loadu_si512(t.centre_channel)};
}

// cubic_coeffs of 16 positions: the same float operations in the same order.
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) inline void cubic_coeffs16(__m512 x,
                                                                                  __m512 c[4]) {
  const __m512 a = _mm512_set1_ps(kCubicA), one = _mm512_set1_ps(1.f);
  const __m512 a5 = _mm512_set1_ps(5 * kCubicA), a8 = _mm512_set1_ps(8 * kCubicA);
  const __m512 a4 = _mm512_set1_ps(4 * kCubicA);
  const __m512 a2 = _mm512_set1_ps(kCubicA + 2), a3 = _mm512_set1_ps(kCubicA + 3);
  const __m512 x1 = _mm512_add_ps(x, one), mx = _mm512_sub_ps(one, x);
  __m512 t = _mm512_sub_ps(_mm512_mul_ps(a, x1), a5);
  t = _mm512_add_ps(_mm512_mul_ps(t, x1), a8);
  c[0] = _mm512_sub_ps(_mm512_mul_ps(t, x1), a4);
  t = _mm512_sub_ps(_mm512_mul_ps(a2, x), a3);
  c[1] = _mm512_add_ps(_mm512_mul_ps(_mm512_mul_ps(t, x), x), one);
  t = _mm512_sub_ps(_mm512_mul_ps(a2, mx), a3);
  c[2] = _mm512_add_ps(_mm512_mul_ps(_mm512_mul_ps(t, mx), mx), one);
  c[3] = _mm512_sub_ps(_mm512_sub_ps(_mm512_sub_ps(one, c[0]), c[1]), c[2]);
}

// The source coordinate of 8 columns along one axis, as coordinate4 computes it.
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) inline __m256 coordinate8(
    double base, double k, __m512d c, __m512d inv, bool affine, double limit) {
  __m512d v = _mm512_add_pd(_mm512_set1_pd(base), _mm512_mul_pd(_mm512_set1_pd(k), c));
  if (!affine) v = _mm512_mul_pd(v, inv);
  v = _mm512_max_pd(_mm512_min_pd(v, _mm512_set1_pd(limit)), _mm512_set1_pd(-3.0));
  return _mm512_cvtpd_ps(v);
}

// [lo, hi] (the DQ instruction for this is not needed elsewhere).
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) inline __m512 join8(__m256 lo, __m256 hi) {
  return _mm512_castpd_ps(
      _mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)), _mm256_castps_pd(hi), 1));
}

// 1 / w of 8 columns where w != 0 (NaN included), else 0.
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) inline __m512d inverse8(const RowMap& m,
                                                                               __m512d c) {
  const __m512d w = _mm512_add_pd(_mm512_set1_pd(m.bw), _mm512_mul_pd(_mm512_set1_pd(m.kw), c));
  const __mmask8 nonzero = _mm512_cmp_pd_mask(w, _mm512_setzero_pd(), _CMP_NEQ_UQ);
  return _mm512_maskz_div_pd(nonzero, _mm512_set1_pd(1.0), w);
}

// The 16 columns cols[0..15] through windows, or false (nothing written) when their taps do not
// fit: first tap rows more than kMaxRowSpread apart, more than 64 bytes of a row, or a tap beyond
// the left or right edge (BORDER_REPLICATE would repeat a pixel).
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) bool warp16_windows(const ImageView& img,
                                                                           const RowMap& m,
                                                                           const int* cols,
                                                                           const WindowConsts& k,
                                                                           std::uint8_t* out) {
  const __m512i ci = _mm512_loadu_si512(cols);
  const __m512d c_lo = _mm512_cvtepi32_pd(_mm512_castsi512_si256(ci));
  const __m512d c_hi = _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(ci, 1));
  __m512d inv_lo = _mm512_setzero_pd(), inv_hi = inv_lo;
  if (!m.affine) inv_lo = inverse8(m, c_lo), inv_hi = inverse8(m, c_hi);
  const double lim_x = img.width + 2.0, lim_y = img.height + 2.0;
  const __m512 sx = join8(coordinate8(m.bx, m.kx, c_lo, inv_lo, m.affine, lim_x),
                          coordinate8(m.bx, m.kx, c_hi, inv_hi, m.affine, lim_x));
  const __m512 sy = join8(coordinate8(m.by, m.ky, c_lo, inv_lo, m.affine, lim_y),
                          coordinate8(m.by, m.ky, c_hi, inv_hi, m.affine, lim_y));
  // floor, as floor_int computes it
  __m512i ix = _mm512_cvttps_epi32(sx), iy = _mm512_cvttps_epi32(sy);
  const __m512i one = _mm512_set1_epi32(1);
  ix = _mm512_mask_sub_epi32(ix, _mm512_cmp_ps_mask(sx, _mm512_cvtepi32_ps(ix), _CMP_LT_OQ), ix,
                             one);
  iy = _mm512_mask_sub_epi32(iy, _mm512_cmp_ps_mask(sy, _mm512_cvtepi32_ps(iy), _CMP_LT_OQ), iy,
                             one);
  const int y_min = _mm512_reduce_min_epi32(iy), y_max = _mm512_reduce_max_epi32(iy);
  const int x_min = _mm512_reduce_min_epi32(ix), x_max = _mm512_reduce_max_epi32(ix);
  // Taps span columns x_min - 1 .. x_max + 2: 3 * (x_max - x_min + 4) <= 64 bytes.
  const int spread = y_max - y_min;  // lanes start their taps up to this many rows apart
  if (spread > kMaxRowSpread || x_max - x_min > 17 || x_min < 1 || x_max + 2 > img.width - 1)
    return false;
  const int x0 = x_min - 1;
  const int bytes = 3 * (x_max - x_min + 4);
  const __mmask64 load = bytes == 64 ? ~0ULL : (1ULL << bytes) - 1;  // never past the last tap
  const int rows = 4 + spread;
  __m512i window[4 + kMaxRowSpread];
  for (int r = 0; r < rows; ++r) {
    const int y = std::clamp(y_min - 1 + r, 0, img.height - 1);
    window[r] = _mm512_maskz_loadu_epi8(load, img.row(y) + static_cast<std::ptrdiff_t>(x0) * 3);
  }
  // The next crop row reads the source row below these (SROIE's crop store, in the pipeline:
  // 1.71 -> 1.33 ms per receipt). The next row is enough (2 or 4 rows: slower, measured).
  read_ahead(
      img.row(std::min(y_min - 1 + rows, img.height - 1)) + static_cast<std::ptrdiff_t>(x0) * 3,
      static_cast<std::size_t>(bytes));
  // Byte offset of each lane's first tap in the windows, in all four 16-byte blocks.
  const __m512i first = _mm512_broadcast_i32x4(_mm512_cvtepi32_epi8(
      _mm512_mullo_epi32(_mm512_sub_epi32(ix, _mm512_set1_epi32(x_min)), _mm512_set1_epi32(3))));
  const __m512 fx = _mm512_sub_ps(sx, _mm512_cvtepi32_ps(ix));
  const __m512 fy = _mm512_sub_ps(sy, _mm512_cvtepi32_ps(iy));
  constexpr __mmask64 kPixels = (1ULL << (3 * kChunk)) - 1;
  const __m512 zero = _mm512_setzero_ps();
  if (spread == 0 && _mm512_cmp_ps_mask(fx, zero, _CMP_EQ_OQ) == 0xFFFF &&
      _mm512_cmp_ps_mask(fy, zero, _CMP_EQ_OQ) == 0xFFFF) {
    // Whole pixels: the weights are exactly (0, 1, 0, 0), the sums the pixels themselves.
    const __m512i at = _mm512_add_epi8(_mm512_permutexvar_epi8(k.spread, first), k.centre_channel);
    _mm512_mask_storeu_epi8(out, kPixels, _mm512_permutexvar_epi8(at, window[1]));
    return true;
  }
  // Lanes k source rows down read each tap row from the window k further on.
  __mmask64 down[kMaxRowSpread + 1];
  for (int k = 1; k <= spread; ++k) {
    const __mmask16 lanes = _mm512_cmpeq_epi32_mask(iy, _mm512_set1_epi32(y_min + k));
    down[k] = static_cast<__mmask64>(lanes) * 0x0001000100010001ULL;  // in all 4 tap blocks
  }
  __m512 wx[4], wy[4];
  cubic_coeffs16(fx, wx);
  cubic_coeffs16(fy, wy);
  __m512 acc[3] = {zero, zero, zero};
  for (int c = 0; c < 3; ++c) {
    const __m512i index = _mm512_add_epi8(first, k.tap_channel[c]);
    for (int r = 0; r < 4; ++r) {
      __m512i taps = _mm512_permutexvar_epi8(index, window[r]);
      for (int k = 1; k <= spread; ++k)
        taps = _mm512_mask_permutexvar_epi8(taps, down[k], index, window[r + k]);
      __m512 h = _mm512_mul_ps(
          wx[0], _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm512_castsi512_si128(taps))));
      h = _mm512_add_ps(h, _mm512_mul_ps(wx[1], _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(
                                                    _mm512_extracti32x4_epi32(taps, 1)))));
      h = _mm512_add_ps(h, _mm512_mul_ps(wx[2], _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(
                                                    _mm512_extracti32x4_epi32(taps, 2)))));
      h = _mm512_add_ps(h, _mm512_mul_ps(wx[3], _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(
                                                    _mm512_extracti32x4_epi32(taps, 3)))));
      acc[c] = _mm512_add_ps(acc[c], _mm512_mul_ps(wy[r], h));
    }
  }
  const __m512 magic = _mm512_set1_ps(kRoundMagic);
  __m512i planes = _mm512_setzero_si512();
  for (int c = 0; c < 3; ++c) {
    __m512i v = _mm512_cvttps_epi32(_mm512_sub_ps(_mm512_add_ps(acc[c], magic), magic));
    v = _mm512_min_epi32(_mm512_max_epi32(v, _mm512_setzero_si512()), _mm512_set1_epi32(255));
    const __m128i bytes16 = _mm512_cvtepi32_epi8(v);
    planes = c == 0   ? _mm512_castsi128_si512(bytes16)
             : c == 1 ? _mm512_inserti32x4(planes, bytes16, 1)
                      : _mm512_inserti32x4(planes, bytes16, 2);
  }
  _mm512_mask_storeu_epi8(out, kPixels, _mm512_permutexvar_epi8(k.interleave, planes));
  return true;
}

// The row through windows where they fit; elsewhere the AVX2 gathers (a CPU with VBMI has AVX2),
// or with windows_only the row stops at the first chunk that does not fit. Columns written.
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) std::size_t warp_row3_avx512(
    const ImageView& img, const RowMap& m, const int* cols, std::size_t n, std::uint8_t* out,
    bool windows_only) {
  const WindowConsts k = window_consts();
  std::size_t j = 0;
  for (; j + kChunk <= n; j += kChunk) {
    if (warp16_windows(img, m, cols + j, k, out + 3 * j)) continue;
    if (windows_only) return j;
    const std::size_t done = warp_row3_avx2(img, m, cols + j, kChunk, out + 3 * j);
    if (done < kChunk)
      warp_row_portable<3>(img, m, cols + j + done, kChunk - done, out + 3 * (j + done));
  }
  if (windows_only) return j;
  // The last columns as one more chunk ending at the row's end, some columns again (the same
  // bytes): a tail of the gathers and the portable code took an eighth of the crops' time.
  if (j < n && n >= kChunk && warp16_windows(img, m, cols + n - kChunk, k, out + 3 * (n - kChunk)))
    return n;
  return j + warp_row3_avx2(img, m, cols + j, n - j, out + 3 * j);
}

TRTOCR_AVX512_WARNINGS_ON

#endif  // TRTOCR_X86_DISPATCH

}  // namespace

void warp_row3_portable(const ImageView& img, const RowMap& map, const int* cols, std::size_t n,
                        std::uint8_t* out) {
  warp_row_portable<3>(img, map, cols, n, out);
}

std::size_t warp_row3_vector(const ImageView& img, const RowMap& map, const int* cols,
                             std::size_t n, std::uint8_t* out) {
#ifdef TRTOCR_X86_DISPATCH
  if (cpu::has_avx512vbmi()) return warp_row3_avx512(img, map, cols, n, out, false);
  if (cpu::has_avx2()) return warp_row3_avx2(img, map, cols, n, out);
#endif
  (void)img, (void)map, (void)cols, (void)n, (void)out;
  return 0;
}

std::size_t warp_row3_windows(const ImageView& img, const RowMap& map, const int* cols,
                              std::size_t n, std::uint8_t* out) {
#ifdef TRTOCR_X86_DISPATCH
  if (cpu::has_avx512vbmi()) return warp_row3_avx512(img, map, cols, n, out, true);
#endif
  (void)img, (void)map, (void)cols, (void)n, (void)out;
  return 0;
}

namespace {

// warp_row where every position is a whole pixel of the image, (x, y) = (bx + c, by) with
// integer bx and by; false (nothing written) elsewhere.
bool copy_row(const ImageView& img, const RowMap& map, const int* cols, std::size_t n,
              std::uint8_t* out) {
  if (n == 0 || !map.affine || map.kx != 1.0 || map.ky != 0.0) return false;
  if (!(map.by >= 0.0 && map.by <= img.height - 1.0 && map.by == std::floor(map.by))) return false;
  if (!(std::fabs(map.bx) <= img.width && map.bx == std::floor(map.bx))) return false;
  const int bx = static_cast<int>(map.bx);
  bool contiguous = true;
  for (std::size_t j = 0; j < n; ++j) {
    const long long x = static_cast<long long>(bx) + cols[j];
    if (x < 0 || x >= img.width) return false;
    contiguous = contiguous && cols[j] == cols[0] + static_cast<long long>(j);
  }
  const std::size_t pixel = static_cast<std::size_t>(img.channels);
  const int y = static_cast<int>(map.by);
  const std::uint8_t* row = img.row(y);
  if (y + 1 < img.height) {
    const std::size_t first = (bx + cols[0]) * pixel, last = (bx + cols[n - 1]) * pixel;
    read_ahead(img.row(y + 1) + std::min(first, last),
               std::max(first, last) - std::min(first, last) + pixel);
  }
  if (contiguous) {
    std::memcpy(out, row + (bx + cols[0]) * pixel, n * pixel);
    return true;
  }
  for (std::size_t j = 0; j < n; ++j)
    std::memcpy(out + j * pixel, row + (bx + cols[j]) * pixel, pixel);
  return true;
}

}  // namespace

void warp_row(const ImageView& img, const RowMap& map, const int* cols, std::size_t n,
              std::uint8_t* out) {
  // An axis-aligned integer box whose crop is its own size (half the lines of a scanned page,
  // a quarter of their area) samples whole pixels, where the cubic weights are exactly
  // (0, 1, 0, 0): a copy, not 16 taps (SROIE's crop store in the pipeline: 1.35 -> 1.30 ms).
  if (copy_row(img, map, cols, n, out)) return;
  switch (img.channels) {
    case 1:
      return warp_row_portable<1>(img, map, cols, n, out);
    case 2:
      return warp_row_portable<2>(img, map, cols, n, out);
    case 3: {
      const std::size_t done = warp_row3_vector(img, map, cols, n, out);
      return warp_row_portable<3>(img, map, cols + done, n - done, out + 3 * done);
    }
    default:
      return warp_row_portable<4>(img, map, cols, n, out);
  }
}

}  // namespace bicubic
}  // namespace trtocr
