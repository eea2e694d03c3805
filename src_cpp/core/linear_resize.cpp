// The horizontal pass of the uint8 INTER_LINEAR resize (see linear_resize.hpp): plain C++ and,
// chosen at run time, AVX2. The library targets baseline x86-64, so the AVX2 code lives only in
// functions compiled for it and runs only on CPUs that report it.
#include "linear_resize.hpp"

#include <cstdint>
#include <utility>

#include "cpu_features.hpp"

namespace trtocr {
namespace linear {

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

__attribute__((target("avx2"))) void horizontal_avx2(const HorizontalPass& pass,
                                                     const std::uint8_t* s, std::int16_t* dst) {
  const int n = pass.out_w;
  // Gathers that miss the cache stall (the hardware prefetcher does not keep up with them), so
  // the row is prefetched kPrefetchAhead bytes ahead of the reads, one cache line at a time
  // (a prefetch is only a hint: past the end of the image it does nothing).
  std::uintptr_t prefetched = reinterpret_cast<std::uintptr_t>(s) & ~std::uintptr_t{63};
  int x = 0;
  for (; x + 16 <= n; x += 16) {
    const std::uintptr_t ahead =
        reinterpret_cast<std::uintptr_t>(s) + pass.offset[x + 15] + kPrefetchAhead;
    for (; prefetched <= ahead; prefetched += 64)
      _mm_prefetch(reinterpret_cast<const char*>(prefetched), _MM_HINT_T0);
    __m256i lo[3], hi[3];
    columns8_avx2(s, pass.offset.data() + x, pass.weights.data() + x, lo);
    columns8_avx2(s, pass.offset.data() + x + 8, pass.weights.data() + x + 8, hi);
    for (int c = 0; c < 3; ++c) {
      // The sums are below 2^15, so the saturating pack is exact; it interleaves the 128-bit
      // halves, which the permute puts back in column order.
      const __m256i v = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo[c], hi[c]), 0xD8);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + static_cast<std::size_t>(c) * n + x), v);
    }
  }
  columns_scalar(pass, s, x, n, dst);
}
#endif

}  // namespace

void horizontal_row_scalar(const HorizontalPass& pass, const std::uint8_t* s, std::int16_t* dst) {
  columns_scalar(pass, s, 0, pass.out_w, dst);
}

bool horizontal_row_avx2(const HorizontalPass& pass, const std::uint8_t* s, std::int16_t* dst) {
#ifdef TRTOCR_X86_DISPATCH
  if (cpu::has_avx2() && !pass.offset.empty()) {
    horizontal_avx2(pass, s, dst);
    return true;
  }
#endif
  (void)pass, (void)s, (void)dst;
  return false;
}

void horizontal_row(const HorizontalPass& pass, const std::uint8_t* s, std::int16_t* dst) {
  if (!horizontal_row_avx2(pass, s, dst)) horizontal_row_scalar(pass, s, dst);
}

}  // namespace linear
}  // namespace trtocr
