// The horizontal pass of the uint8 INTER_LINEAR resize (see linear_resize.hpp): plain C++ and,
// chosen at run time, AVX2. The library targets baseline x86-64, so the AVX2 code lives only in
// functions compiled for it and runs only on CPUs that report it.
#include "linear_resize.hpp"

#include <cstdint>
#include <utility>

#include "cpu_features.hpp"

namespace trtocr {
namespace linear {

namespace {

#ifdef TRTOCR_X86_DISPATCH
// (float)((d + 0.5) * scale - 0.5) of 4 positions d, in double as tap_at computes it.
__attribute__((target("avx2"))) inline __m128 tap_position4(__m128i d, double scale) {
  const __m256d half = _mm256_set1_pd(0.5);
  const __m256d v = _mm256_sub_pd(
      _mm256_mul_pd(_mm256_add_pd(_mm256_cvtepi32_pd(d), half), _mm256_set1_pd(scale)), half);
  return _mm256_cvtpd_ps(v);
}

// round_even of 8 values.
__attribute__((target("avx2"))) inline __m256i round_even8(__m256 x) {
  const __m256 magic = _mm256_set1_ps(kRoundMagic);
  return _mm256_cvttps_epi32(_mm256_sub_ps(_mm256_add_ps(x, magic), magic));
}

// Taps d0 .. d0 + 7 with the float operations of tap_at.
__attribute__((target("avx2"))) void taps8_avx2(int d0, double scale, int src, bool clamp,
                                                Tap* out) {
  const __m128i d_lo = _mm_add_epi32(_mm_set1_epi32(d0), _mm_setr_epi32(0, 1, 2, 3));
  const __m128i d_hi = _mm_add_epi32(d_lo, _mm_set1_epi32(4));
  __m256 f = _mm256_set_m128(tap_position4(d_hi, scale), tap_position4(d_lo, scale));
  __m256i s = _mm256_cvttps_epi32(f);  // floor, as floor_int: one less where truncation rose
  s = _mm256_add_epi32(s, _mm256_castps_si256(_mm256_cmp_ps(f, _mm256_cvtepi32_ps(s), _CMP_LT_OQ)));
  f = _mm256_sub_ps(f, _mm256_cvtepi32_ps(s));
  if (clamp) {  // in tap_at's order: below 0 first, then at or past the last sample
    const __m256i below = _mm256_cmpgt_epi32(_mm256_setzero_si256(), s);
    s = _mm256_andnot_si256(below, s);
    f = _mm256_andnot_ps(_mm256_castsi256_ps(below), f);
    const __m256i last = _mm256_set1_epi32(src - 1);
    const __m256i beyond = _mm256_cmpgt_epi32(s, _mm256_sub_epi32(last, _mm256_set1_epi32(1)));
    s = _mm256_blendv_epi8(s, last, beyond);
    f = _mm256_andnot_ps(_mm256_castsi256_ps(beyond), f);
  }
  const __m256 coef = _mm256_set1_ps(kCoefScale);
  const __m256i w0 = round_even8(_mm256_mul_ps(_mm256_sub_ps(_mm256_set1_ps(1.f), f), coef));
  const __m256i w1 = round_even8(_mm256_mul_ps(f, coef));
  // Tap = {index, w0 | w1 << 16}: interleave the two, then put the 128-bit lanes in order.
  const __m256i weights =
      _mm256_or_si256(_mm256_and_si256(w0, _mm256_set1_epi32(0xFFFF)), _mm256_slli_epi32(w1, 16));
  const __m256i lo = _mm256_unpacklo_epi32(s, weights), hi = _mm256_unpackhi_epi32(s, weights);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_permute2x128_si256(lo, hi, 0x20));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 4), _mm256_permute2x128_si256(lo, hi, 0x31));
}
#endif

}  // namespace

std::vector<Tap> taps(int src, int dst, bool clamp) {
  static_assert(sizeof(Tap) == 8, "a Tap is stored as (int32 index, int16 w0, int16 w1)");
  const double scale = tap_scale(src, dst);
  std::vector<Tap> out(static_cast<std::size_t>(dst));
  int d = 0;
#ifdef TRTOCR_X86_DISPATCH
  if (cpu::has_avx2())
    for (; d + 8 <= dst; d += 8) taps8_avx2(d, scale, src, clamp, out.data() + d);
#endif
  for (; d < dst; ++d) out[d] = tap_at(d, scale, src, clamp);
  return out;
}

HorizontalPass::HorizontalPass(int width, int out_width)
    : HorizontalPass(width, linear::taps(width, out_width, true)) {}

HorizontalPass::HorizontalPass(int width, std::vector<Tap> column_taps)
    : src_w(width), out_w(static_cast<int>(column_taps.size())), taps(std::move(column_taps)) {
  if (src_w < 2) return;  // no pixel pair: only the scalar pass runs
  offset.resize(taps.size());
  weights.resize(taps.size());
  for (std::size_t x = 0; x < taps.size(); ++x) {
    Tap t = taps[x];
    if (t.index == src_w - 1) t = Tap{src_w - 2, 0, 2048};  // clamped: (w0, w1) was (2048, 0)
    offset[x] = 3 * t.index;
    weights[x] = static_cast<std::int32_t>(static_cast<std::uint16_t>(t.w0) |
                                           (static_cast<std::uint32_t>(t.w1) << 16));
  }
  if (cpu::has_avx512vbmi()) build_permutes();
}

namespace {

constexpr int kBlock = 32;    // columns of one VBMI block
constexpr int kWindow = 128;  // bytes of the two registers a permute picks from

// The column at `lane` of the block's first (half 0) or second sums: the pack that joins them
// interleaves their 128-bit lanes, so the first holds columns 0-3, 8-11, 16-19, 24-27 and the
// second the others, and the packed values come out in column order.
int block_column(int half, int lane) { return 8 * (lane / 4) + 4 * half + lane % 4; }

// The start of a window holding the pixel pairs of columns [first, last]: the first pair, moved
// back so that the window ends inside the row; -1 when they do not fit in one window.
int window_start(const std::vector<std::int32_t>& offset, int first, int last, int row_bytes) {
  const int start = std::min(offset[first], row_bytes - kWindow);
  return offset[last] + 6 - start <= kWindow ? start : -1;
}

}  // namespace

void HorizontalPass::build_permutes() {
  const int row_bytes = 3 * src_w, blocks = out_w / kBlock;
  if (row_bytes < kWindow || blocks == 0) return;
  // The windows of every `columns` columns into `window`; false when one does not fit. Offsets
  // never decrease along the row, so a span is its last pair's end minus its first's start.
  auto windows_of = [&](int columns) {
    window.clear();
    for (int x = 0; x < blocks * kBlock; x += columns) {
      const int start = window_start(offset, x, x + columns - 1, row_bytes);
      if (start < 0) return false;
      window.push_back(start);
    }
    return true;
  };
  if (!windows_of(kBlock)) {
    if (!windows_of(kBlock / 2)) {  // a reduction of over ~2.5x: the gathers serve it
      window.clear();
      return;
    }
    window_per_half = true;
  }
  const int columns = window_per_half ? kBlock / 2 : kBlock;
  pair_bytes.assign(static_cast<std::size_t>(blocks) * 3 * kWindow, 0);
  block_weights.resize(static_cast<std::size_t>(blocks) * kBlock);
  for (int b = 0; b < blocks; ++b)
    for (int half = 0; half < 2; ++half)
      for (int lane = 0; lane < 16; ++lane) {
        const int x = b * kBlock + block_column(half, lane);
        const int o = offset[x] - window[x / columns];
        block_weights[b * kBlock + 16 * half + lane] = weights[x];
        for (int c = 0; c < 3; ++c) {
          // Bytes a_c and b_c of the pair into the low bytes of the lane's two int16 halves.
          const std::size_t at =
              (static_cast<std::size_t>(b) * 3 + c) * kWindow + 64 * half + 4 * lane;
          pair_bytes[at] = static_cast<std::uint8_t>(o + c);
          pair_bytes[at + 2] = static_cast<std::uint8_t>(o + c + 3);
        }
      }
  permuted = blocks * kBlock;
}

namespace {

// Columns [begin, end) of the pass, one value at a time.
void columns_scalar(const HorizontalPass& pass, const std::uint8_t* s, int begin, int end,
                    std::int16_t* dst) {
  const std::size_t plane = static_cast<std::size_t>(pass.out_w);
  std::int16_t* d0 = dst;
  std::int16_t* d1 = dst + plane;
  std::int16_t* d2 = dst + 2 * plane;
  const int last_x = pass.src_w - 1;
  for (int x = begin; x < end; ++x) {
    const Tap t = pass.taps[x];
    const std::uint8_t* p0 = s + 3 * t.index;
    // The second tap has weight 0 when the index was clamped to the last column.
    const std::uint8_t* p1 = s + 3 * std::min(t.index + 1, last_x);
    d0[x] = horizontal(p0[0], p1[0], t);
    d1[x] = horizontal(p0[1], p1[1], t);
    d2[x] = horizontal(p0[2], p1[2], t);
  }
}

#ifdef TRTOCR_X86_DISPATCH
// Bytes of the row read ahead of the vector code's loads: L3 latency is not hidden by the
// hardware prefetcher for gathers, and only partly for the permuted windows (IC15's detector
// resize, 1 thread: 0.77 ms without, 0.63 ms with).
constexpr std::uintptr_t kPrefetchAhead = 1024;

// 8 columns: gathers of the pixel pair (a, b) of each column, then per channel the int16 pair
// (a_c, b_c) in each 32-bit lane, so one madd gives a_c * w0 + b_c * w1 as in horizontal().
__attribute__((target("avx2"))) inline void columns8_avx2(const std::uint8_t* s,
                                                          const std::int32_t* offset,
                                                          const std::int32_t* weights,
                                                          __m256i out[3]) {
  // Per 32-bit lane, bytes 0 and 3 as the low bytes of two int16; bytes 1 and 2 likewise.
  const __m256i bytes03 =
      _mm256_setr_epi8(0, -1, 3, -1, 4, -1, 7, -1, 8, -1, 11, -1, 12, -1, 15, -1, 0, -1, 3, -1, 4,
                       -1, 7, -1, 8, -1, 11, -1, 12, -1, 15, -1);
  const __m256i bytes12 =
      _mm256_setr_epi8(1, -1, 2, -1, 5, -1, 6, -1, 9, -1, 10, -1, 13, -1, 14, -1, 1, -1, 2, -1, 5,
                       -1, 6, -1, 9, -1, 10, -1, 13, -1, 14, -1);
  const __m256i off = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(offset));
  const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(weights));
  // Bytes a0 a1 a2 b0 and a2 b0 b1 b2: both reads end within the pair, so within the row.
  const __m256i g0 = _mm256_i32gather_epi32(reinterpret_cast<const int*>(s), off, 1);
  const __m256i g1 = _mm256_i32gather_epi32(reinterpret_cast<const int*>(s + 2), off, 1);
  const __m256i c0 = _mm256_shuffle_epi8(g0, bytes03);
  const __m256i c1 = _mm256_shuffle_epi8(_mm256_blend_epi16(g0, g1, 0xAA), bytes12);  // a0 a1 b1 b2
  const __m256i c2 = _mm256_shuffle_epi8(g1, bytes03);
  out[0] = _mm256_srai_epi32(_mm256_madd_epi16(c0, w), 4);
  out[1] = _mm256_srai_epi32(_mm256_madd_epi16(c1, w), 4);
  out[2] = _mm256_srai_epi32(_mm256_madd_epi16(c2, w), 4);
}

// Columns [x, x + 16).
__attribute__((target("avx2"))) inline void columns16_avx2(const HorizontalPass& pass,
                                                           const std::uint8_t* s, int x,
                                                           std::int16_t* dst) {
  const std::size_t n = static_cast<std::size_t>(pass.out_w);
  __m256i lo[3], hi[3];
  columns8_avx2(s, pass.offset.data() + x, pass.weights.data() + x, lo);
  columns8_avx2(s, pass.offset.data() + x + 8, pass.weights.data() + x + 8, hi);
  for (int c = 0; c < 3; ++c) {
    // The sums are below 2^15, so the saturating pack is exact; it interleaves the 128-bit
    // halves, which the permute puts back in column order.
    const __m256i v = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo[c], hi[c]), 0xD8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + c * n + x), v);
  }
}

// Columns [x, out_w).
__attribute__((target("avx2"))) void horizontal_avx2(const HorizontalPass& pass,
                                                     const std::uint8_t* s, int x,
                                                     std::int16_t* dst) {
  const int n = pass.out_w;
  // Gathers that miss the cache stall (the hardware prefetcher does not keep up with them), so
  // the row is prefetched kPrefetchAhead bytes ahead of the reads, one cache line at a time
  // (a prefetch is only a hint: past the end of the image it does nothing).
  std::uintptr_t prefetched =
      reinterpret_cast<std::uintptr_t>(s + (x < n ? pass.offset[x] : 0)) & ~std::uintptr_t{63};
  for (; x + 16 <= n; x += 16) {
    const std::uintptr_t ahead =
        reinterpret_cast<std::uintptr_t>(s) + pass.offset[x + 15] + kPrefetchAhead;
    for (; prefetched <= ahead; prefetched += 64)
      _mm_prefetch(reinterpret_cast<const char*>(prefetched), _MM_HINT_T0);
    columns16_avx2(pass, s, x, dst);
  }
  // The last columns as one more step ending at the row's end, some columns again (the same
  // values): the scalar tail took as long as the vector columns in the crops' resizes.
  if (x < n && n >= 16)
    columns16_avx2(pass, s, n - 16, dst);
  else
    columns_scalar(pass, s, x, n, dst);
}

// One channel's pixel pairs of a block: each column's (a_c, b_c) in the int16 halves of its
// lane, zero-extended, picked from one window (lo, hi) or, per half of the block's columns
// (lanes 0-7: columns 0-15, lanes 8-15: columns 16-31), from two.
template <bool kWindowPerHalf>
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) inline __m512i block_pairs(
    const std::uint8_t* index_bytes, const __m512i window[4]) {
  // The low byte of each int16 (the high bytes stay zero), of all lanes or of one half's.
  constexpr __mmask64 kAll = 0x5555555555555555ULL, kFirst = 0x55555555ULL,
                      kSecond = 0x5555555500000000ULL;
  const __m512i index = _mm512_loadu_si512(index_bytes);
  if constexpr (kWindowPerHalf) {
    return _mm512_or_si512(_mm512_maskz_permutex2var_epi8(kFirst, window[0], index, window[1]),
                           _mm512_maskz_permutex2var_epi8(kSecond, window[2], index, window[3]));
  } else {
    return _mm512_maskz_permutex2var_epi8(kAll, window[0], index, window[1]);
  }
}

// The permuted blocks (see HorizontalPass::build_permutes): per block, the row's bytes in one or
// two windows; per channel, two permutes pick the pairs of the block's two halves of lanes, and
// the madd / shift / pack is that of the AVX2 code.
template <bool kWindowPerHalf>
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void permuted_avx512(
    const HorizontalPass& pass, const std::uint8_t* s, std::int16_t* dst) {
  constexpr __mmask16 kAllLanes = 0xFFFF;
  const std::size_t n = static_cast<std::size_t>(pass.out_w);
  const int blocks = pass.permuted / kBlock;
  for (int b = 0; b < blocks; ++b) {
    __m512i window[4];
    for (int k = 0; k < (kWindowPerHalf ? 2 : 1); ++k) {
      const std::uint8_t* w = s + pass.window[kWindowPerHalf ? 2 * b + k : b];
      // The window's bytes kPrefetchAhead on (a hint: past the image it does nothing).
      const std::uintptr_t ahead = reinterpret_cast<std::uintptr_t>(w) + kPrefetchAhead;
      _mm_prefetch(reinterpret_cast<const char*>(ahead), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(ahead + 64), _MM_HINT_T0);
      window[2 * k] = _mm512_loadu_si512(w);
      window[2 * k + 1] = _mm512_loadu_si512(w + 64);
    }
    const std::int32_t* weights = pass.block_weights.data() + b * kBlock;
    const __m512i w_first = _mm512_loadu_si512(weights);
    const __m512i w_second = _mm512_loadu_si512(weights + 16);
    for (int c = 0; c < 3; ++c) {
      const std::uint8_t* index =
          pass.pair_bytes.data() + (static_cast<std::size_t>(b) * 3 + c) * kWindow;
      // (The zero-masking shift over all lanes is the plain one; GCC 12 warns of the plain
      // intrinsic's undefined pass-through value.)
      const __m512i first = _mm512_maskz_srai_epi32(
          kAllLanes, _mm512_madd_epi16(block_pairs<kWindowPerHalf>(index, window), w_first), 4);
      const __m512i second = _mm512_maskz_srai_epi32(
          kAllLanes, _mm512_madd_epi16(block_pairs<kWindowPerHalf>(index + 64, window), w_second),
          4);
      // The sums are below 2^15, so the saturating pack is exact.
      _mm512_storeu_si512(dst + c * n + static_cast<std::size_t>(b) * kBlock,
                          _mm512_packs_epi32(first, second));
    }
  }
}
#endif

}  // namespace

void horizontal_row_scalar(const HorizontalPass& pass, const std::uint8_t* s, std::int16_t* dst) {
  columns_scalar(pass, s, 0, pass.out_w, dst);
}

bool horizontal_row_avx2(const HorizontalPass& pass, const std::uint8_t* s, std::int16_t* dst) {
#ifdef TRTOCR_X86_DISPATCH
  if (cpu::has_avx2() && !pass.offset.empty()) {
    horizontal_avx2(pass, s, 0, dst);
    return true;
  }
#endif
  (void)pass, (void)s, (void)dst;
  return false;
}

bool horizontal_row_vbmi(const HorizontalPass& pass, const std::uint8_t* s, std::int16_t* dst) {
#ifdef TRTOCR_X86_DISPATCH
  if (pass.permuted > 0 && cpu::has_avx512vbmi()) {
    if (pass.window_per_half)
      permuted_avx512<true>(pass, s, dst);
    else
      permuted_avx512<false>(pass, s, dst);
    horizontal_avx2(pass, s, pass.permuted, dst);  // a CPU with VBMI has AVX2
    return true;
  }
#endif
  (void)pass, (void)s, (void)dst;
  return false;
}

#ifdef TRTOCR_X86_DISPATCH
namespace {

// Columns x .. x + 15 of vertical_row_u8, as int16.
__attribute__((target("avx2"))) inline __m256i blend16(const std::int16_t* s0,
                                                       const std::int16_t* s1, __m256i w0,
                                                       __m256i w1, int x) {
  const __m256i p0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s0 + x));
  const __m256i p1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s1 + x));
  // As the portable code: the blended value stays below 2^11, no int16 overflow.
  const __m256i v = _mm256_add_epi16(_mm256_mulhi_epi16(p0, w0), _mm256_mulhi_epi16(p1, w1));
  return _mm256_srai_epi16(_mm256_add_epi16(v, _mm256_set1_epi16(2)), 2);
}

// vertical_row_u8's columns in steps of 32 (a last step over the final 16 or 32 columns, some
// again, with the same values); returns the first column left (below 16 columns: 0).
__attribute__((target("avx2"))) int vertical_u8_avx2(const std::int16_t* s0, const std::int16_t* s1,
                                                     std::int16_t b0, std::int16_t b1, int n,
                                                     std::uint8_t* dst) {
  const __m256i w0 = _mm256_set1_epi16(b0), w1 = _mm256_set1_epi16(b1);
  if (n < 16) return 0;
  if (n < 32) {
    for (int x : {0, n - 16}) {
      const __m256i v = blend16(s0, s1, w0, w1, x);
      const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(v, v), 0xD8);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + x), _mm256_castsi256_si128(packed));
    }
    return n;
  }
  for (int x = 0;; x += 32) {
    if (x + 32 > n) x = n - 32;  // the last step, over columns partly written already
    // The pack interleaves the 128-bit halves; the permute puts them back in column order.
    const __m256i packed = _mm256_permute4x64_epi64(
        _mm256_packus_epi16(blend16(s0, s1, w0, w1, x), blend16(s0, s1, w0, w1, x + 16)), 0xD8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + x), packed);
    if (x + 32 == n) return n;
  }
}

TRTOCR_AVX512_WARNINGS_OFF

// Columns x .. x + 31 of vertical_row_u8, as int16 (blend16 at twice the width).
__attribute__((target("avx512f,avx512bw"))) inline __m512i blend32(const std::int16_t* s0,
                                                                   const std::int16_t* s1,
                                                                   __m512i w0, __m512i w1, int x) {
  const __m512i p0 = _mm512_loadu_si512(s0 + x), p1 = _mm512_loadu_si512(s1 + x);
  const __m512i v = _mm512_add_epi16(_mm512_mulhi_epi16(p0, w0), _mm512_mulhi_epi16(p1, w1));
  return _mm512_srai_epi16(_mm512_add_epi16(v, _mm512_set1_epi16(2)), 2);
}

// vertical_u8_avx2 64 columns a step (the last step over the final 64, some again); rows under
// 64 columns are left to it (returns 0).
__attribute__((target("avx512f,avx512bw"))) int vertical_u8_avx512(const std::int16_t* s0,
                                                                   const std::int16_t* s1,
                                                                   std::int16_t b0, std::int16_t b1,
                                                                   int n, std::uint8_t* dst) {
  if (n < 64) return 0;
  const __m512i w0 = _mm512_set1_epi16(b0), w1 = _mm512_set1_epi16(b1);
  // The pack interleaves the two inputs' 128-bit lanes; this puts the 64-bit halves in order.
  const __m512i order = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
  for (int x = 0;; x += 64) {
    if (x + 64 > n) x = n - 64;
    const __m512i packed =
        _mm512_packus_epi16(blend32(s0, s1, w0, w1, x), blend32(s0, s1, w0, w1, x + 32));
    _mm512_storeu_si512(dst + x, _mm512_permutexvar_epi64(order, packed));
    if (x + 64 == n) return n;
  }
}

TRTOCR_AVX512_WARNINGS_ON

}  // namespace
#endif

void vertical_row_u8(const std::int16_t* s0, const std::int16_t* s1, std::int16_t b0,
                     std::int16_t b1, int n, std::uint8_t* dst) {
  int x = 0;
#ifdef TRTOCR_X86_DISPATCH
  if (cpu::has_avx512bw()) x = vertical_u8_avx512(s0, s1, b0, b1, n, dst);
  if (x == 0 && cpu::has_avx2()) x = vertical_u8_avx2(s0, s1, b0, b1, n, dst);
#endif
  vertical_row_u8_portable(s0, s1, b0, b1, n, dst, x);
}

void horizontal_row(const HorizontalPass& pass, const std::uint8_t* s, std::int16_t* dst) {
  if (!horizontal_row_vbmi(pass, s, dst) && !horizontal_row_avx2(pass, s, dst))
    horizontal_row_scalar(pass, s, dst);
}

}  // namespace linear
}  // namespace trtocr
