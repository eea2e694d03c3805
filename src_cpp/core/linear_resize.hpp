// OpenCV-compatible INTER_LINEAR resize arithmetic for 8-bit data (internal to the core).
// OpenCV resizes uint8 images in 11-bit fixed point; reproducing its weights and rounding exactly
// is both how we agree with cv2.resize bit for bit and cheaper than float arithmetic.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "float_rounding.hpp"
#include "trtocr/image.hpp"
#include "trtocr/thread_pool.hpp"

namespace trtocr {
namespace linear {

constexpr float kCoefScale = 2048.f;  // 11 fractional bits

// Source index and fixed-point weights of one output coordinate.
struct Tap {
  int index;
  std::int16_t w0;
  std::int16_t w1;
};

// Tap d of resizing src samples to dst along one axis (scale: tap_scale), as cv2.resize computes
// them: half-pixel centres, the position cast to float before splitting, weights rounded to
// nearest. Columns (clamp true) clamp both the index and the weight at the edges; rows keep the
// weight and read a clamped row twice, as OpenCV does (the results agree except for rounding).
inline Tap tap_at(int d, double scale, int src, bool clamp) {
  float f = static_cast<float>((d + 0.5) * scale - 0.5);
  int s = floor_int(f);
  f -= static_cast<float>(s);
  if (clamp) {
    if (s < 0) f = 0.f, s = 0;
    if (s >= src - 1) f = 0.f, s = src - 1;
  }
  return {s, static_cast<std::int16_t>(round_even((1.f - f) * kCoefScale)),
          static_cast<std::int16_t>(round_even(f * kCoefScale))};
}

// OpenCV's 1 / inv_scale.
inline double tap_scale(int src, int dst) { return 1.0 / (static_cast<double>(dst) / src); }

// All dst taps: tap_at of each, 8 at a time with AVX2 where the CPU has it (the same float
// operations, so the same taps; a crop's resize needs one per output column).
std::vector<Tap> taps(int src, int dst, bool clamp);

// Horizontal pass of one value: OpenCV keeps p0*w0 + p1*w1 as int and uses only sum >> 4 later,
// which fits int16.
inline std::int16_t horizontal(int p0, int p1, const Tap& t) {
  return static_cast<std::int16_t>((p0 * t.w0 + p1 * t.w1) >> 4);
}

// The horizontal pass of one resize's rows: 3-channel uint8 source rows of src_w pixels to
// three planes of out_w int16 values (channel c at dst + c * out_w). The per-column data is
// computed once per resize.
struct HorizontalPass {
  // cv2.resize's taps from width to out_width pixels.
  HorizontalPass(int width, int out_width);
  // Given taps: output column x blends pixels taps[x].index and min(index + 1, width - 1), the
  // second with weight 0 when the index is the last pixel (as the clamped taps of cv2.resize).
  HorizontalPass(int width, std::vector<Tap> column_taps);

  int src_w;
  int out_w;
  std::vector<Tap> taps;  // e.g. taps(src_w, out_w, true)
  // For the vector code: the byte offset of the pixel pair column x blends and its weights
  // (w0, w1) as two int16 in one int32. The pair is always two adjacent pixels of the row (a
  // column clamped to the last pixel blends the pair before it with weights (0, 2048), which
  // gives the same sums), so a gather of 4 bytes at offset and at offset + 2 stays in the row.
  std::vector<std::int32_t> offset;
  std::vector<std::int32_t> weights;
  // For the AVX-512 VBMI code (built only on CPUs that run it): the first `permuted` columns in
  // blocks of 32, whose pixel pairs are picked by byte permutes out of 128-byte windows of the
  // row instead of gathered. A window serves a whole block, or 16 columns when the block spans
  // more than 128 bytes (`window` then holds two starts per block).
  int permuted = 0;
  bool window_per_half = false;
  std::vector<std::int32_t> window;         // window start bytes, inside the row
  std::vector<std::uint8_t> pair_bytes;     // per block and channel: 2 x 64 permute indices
  std::vector<std::int32_t> block_weights;  // per block: the weights in the permutes' order

 private:
  void build_permutes();
};

// The horizontal pass of source row s, with the fastest code this CPU runs (all give the same
// values).
void horizontal_row(const HorizontalPass& pass, const std::uint8_t* s, std::int16_t* dst);

// The plain C++ pass, one column at a time; the reference the vector code must reproduce.
void horizontal_row_scalar(const HorizontalPass& pass, const std::uint8_t* s, std::int16_t* dst);

// The AVX2 pass; false (and nothing written) when the CPU or the compiler has no AVX2, or the
// row is a single pixel. Exposed for the tests, which compare it with horizontal_row_scalar.
bool horizontal_row_avx2(const HorizontalPass& pass, const std::uint8_t* s, std::int16_t* dst);

// The AVX-512 VBMI pass (its blocks, then the AVX2 and scalar code for the rest); false (and
// nothing written) when the CPU or the compiler has no VBMI, or the pass has no permuted block
// (a row under 128 bytes, or a reduction of more than 2.5x). Exposed for the tests likewise.
bool horizontal_row_vbmi(const HorizontalPass& pass, const std::uint8_t* s, std::int16_t* dst);

// Vertical pass: high halves of the 16x16-bit products, then (+2) >> 2, as OpenCV rounds.
inline int vertical(std::int16_t s0, std::int16_t s1, std::int16_t b0, std::int16_t b1) {
  return (static_cast<std::int16_t>((b0 * s0) >> 16) + static_cast<std::int16_t>((b1 * s1) >> 16) +
          2) >>
         2;
}

// One output row of one channel, normalised: dst[x] = (vertical(...) * m - a) / sd, in the float32
// operations of numpy's (img.astype(float32) * scale - mean) / std. SSE2 when available: the
// same integer and IEEE operations in the same order, so the values are identical.
inline void vertical_normalize_row(const std::int16_t* s0, const std::int16_t* s1, std::int16_t b0,
                                   std::int16_t b1, int n, float m, float a, float sd, float* dst) {
  int x = 0;
#ifdef __SSE2__
  const __m128i w0 = _mm_set1_epi16(b0), w1 = _mm_set1_epi16(b1), two = _mm_set1_epi16(2);
  const __m128 vm = _mm_set1_ps(m), va = _mm_set1_ps(a), vsd = _mm_set1_ps(sd);
  for (; x + 8 <= n; x += 8) {
    const __m128i p0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s0 + x));
    const __m128i p1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s1 + x));
    // The blended value stays below 2^11, so the int16 sum cannot overflow.
    __m128i v = _mm_add_epi16(_mm_mulhi_epi16(p0, w0), _mm_mulhi_epi16(p1, w1));
    v = _mm_srai_epi16(_mm_add_epi16(v, two), 2);
    const __m128i lo = _mm_srai_epi32(_mm_unpacklo_epi16(v, v), 16);
    const __m128i hi = _mm_srai_epi32(_mm_unpackhi_epi16(v, v), 16);
    _mm_storeu_ps(dst + x, _mm_div_ps(_mm_sub_ps(_mm_mul_ps(_mm_cvtepi32_ps(lo), vm), va), vsd));
    _mm_storeu_ps(dst + x + 4,
                  _mm_div_ps(_mm_sub_ps(_mm_mul_ps(_mm_cvtepi32_ps(hi), vm), va), vsd));
  }
#endif
  for (; x < n; ++x) dst[x] = (static_cast<float>(vertical(s0[x], s1[x], b0, b1)) * m - a) / sd;
}

// One output row of one channel as uint8, saturated as cv2.resize does: dst[x] =
// clamp(vertical(...), 0, 255), with the fastest code this CPU runs (all give the same values).
void vertical_row_u8(const std::int16_t* s0, const std::int16_t* s1, std::int16_t b0,
                     std::int16_t b1, int n, std::uint8_t* dst);

// Its columns [x, n) in portable code: SSE2 when available, the same integer operations.
inline void vertical_row_u8_portable(const std::int16_t* s0, const std::int16_t* s1,
                                     std::int16_t b0, std::int16_t b1, int n, std::uint8_t* dst,
                                     int x = 0) {
#ifdef __SSE2__
  const __m128i w0 = _mm_set1_epi16(b0), w1 = _mm_set1_epi16(b1), two = _mm_set1_epi16(2);
  for (; x + 16 <= n; x += 16) {
    __m128i v[2];
    for (int k = 0; k < 2; ++k) {
      const __m128i p0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s0 + x + 8 * k));
      const __m128i p1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s1 + x + 8 * k));
      v[k] = _mm_add_epi16(_mm_mulhi_epi16(p0, w0), _mm_mulhi_epi16(p1, w1));
      v[k] = _mm_srai_epi16(_mm_add_epi16(v[k], two), 2);
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + x), _mm_packus_epi16(v[0], v[1]));
  }
#endif
  for (; x < n; ++x)
    dst[x] = static_cast<std::uint8_t>(std::clamp(vertical(s0[x], s1[x], b0, b1), 0, 255));
}

// The two passes of a 3-channel resize to out_h x out_w, for output rows [y_begin, y_end), of a
// source of src_h rows: row_of(y) gives the bytes of source row y that the pass xp reads (a row
// of an image, or pixels computed on demand into a buffer, read before the next call). The
// horizontal pass of each source row is computed once into planar int16 rows (one plane of
// out_w values per channel); for every output row y, emit(y, r0, r1, b0, b1) receives the two
// source rows it blends and their weights, so the caller's vertical pass (linear::vertical per
// value) writes whatever layout and type it needs. Row ranges are independent: threads may run
// disjoint ranges at once (each recomputes at most two source rows at its start).
template <typename RowOf, typename EmitRow>
void resize_row_range(RowOf& row_of, int src_h, const HorizontalPass& xp,
                      const std::vector<Tap>& yt, int y_begin, int y_end, EmitRow& emit) {
  const std::size_t plane = static_cast<std::size_t>(xp.out_w);
  std::vector<std::int16_t> rows(6 * plane);
  std::int16_t* slot[2] = {rows.data(), rows.data() + 3 * plane};
  int slot_row[2] = {-1, -1};

  // The horizontal pass of source row y, computed only if neither slot holds it; keep (a slot
  // index or -1) is not overwritten.
  auto fetch = [&](int y, int keep) -> const std::int16_t* {
    for (int k = 0; k < 2; ++k)
      if (slot_row[k] == y) return slot[k];
    const int k = keep == 0 ? 1 : 0;
    horizontal_row(xp, row_of(y), slot[k]);
    slot_row[k] = y;
    return slot[k];
  };
  const int last_y = src_h - 1;
  for (int y = y_begin; y < y_end; ++y) {
    const Tap t = yt[y];
    const std::int16_t* r0 = fetch(std::clamp(t.index, 0, last_y), -1);
    const std::int16_t* r1 = fetch(std::clamp(t.index + 1, 0, last_y), r0 == slot[0] ? 0 : 1);
    emit(y, r0, r1, t.w0, t.w1);
  }
}

// Output rows per task when a resize is split across threads.
constexpr std::size_t kRowsPerTask = 16;

// The whole resize (see resize_row_range), its rows split across pool (null: serial).
template <typename EmitRow>
void resize_rows(const ImageView& src, int out_h, int out_w, ThreadPool* pool, EmitRow emit) {
  const HorizontalPass xp(src.width, out_w);
  const std::vector<Tap> yt = taps(src.height, out_h, false);
  parallel_for(pool, static_cast<std::size_t>(out_h), kRowsPerTask,
               [&](std::size_t begin, std::size_t end) {
                 auto row_of = [&](int y) { return src.row(y); };
                 resize_row_range(row_of, src.height, xp, yt, static_cast<int>(begin),
                                  static_cast<int>(end), emit);
               });
}

}  // namespace linear
}  // namespace trtocr
