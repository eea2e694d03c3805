#include "pixel_planes.hpp"

#include "cpu_features.hpp"

namespace trtocr {
namespace planes {

namespace {

// Packed byte g holds channel g % 3 of pixel g / 3. These tables place the bytes of 64 pixels
// (AVX-512 VBMI: three registers each way) and of 16 (SSSE3).
struct Tables {
  // Packing, output register k, byte j (g = 64k + j): its index into planes 0|1 (pixel x of
  // plane 0, or 64 + x of plane 1), replaced from plane 2 (index x) where the mask bit is set.
  std::uint8_t pack_01[3][64];
  std::uint8_t pack_2[3][64];
  std::uint64_t pack_from_2[3];
  // Splitting, plane c, byte x (g = 3x + c): its index into packed registers 0|1 (g), replaced
  // from register 2 (g - 128) where the mask bit is set.
  std::uint8_t split_01[3][64];
  std::uint8_t split_2[3][64];
  std::uint64_t split_from_2[3];
  // pshufb indices, 0x80 for a zero: packing register k from plane c; splitting plane c from
  // packed register k. The three shuffles of a register are ORed.
  std::uint8_t pack16[3][3][16];
  std::uint8_t split16[3][3][16];
};

constexpr Tables make_tables() {
  Tables t{};
  for (int k = 0; k < 3; ++k)
    for (int j = 0; j < 64; ++j) {
      const int g = 64 * k + j, pixel = g / 3, channel = g % 3;
      t.pack_01[k][j] = static_cast<std::uint8_t>(channel == 1 ? 64 + pixel : pixel);
      t.pack_2[k][j] = static_cast<std::uint8_t>(pixel);
      if (channel == 2) t.pack_from_2[k] |= 1ULL << j;
      const int s = 3 * j + k;  // plane k, pixel j
      t.split_01[k][j] = static_cast<std::uint8_t>(s < 128 ? s : 0);
      t.split_2[k][j] = static_cast<std::uint8_t>(s < 128 ? 0 : s - 128);
      if (s >= 128) t.split_from_2[k] |= 1ULL << j;
    }
  for (int k = 0; k < 3; ++k)
    for (int c = 0; c < 3; ++c)
      for (int j = 0; j < 16; ++j) {
        const int g = 16 * k + j;
        t.pack16[k][c][j] = static_cast<std::uint8_t>(g % 3 == c ? g / 3 : 0x80);
        const int s = 3 * j + c;  // plane c, pixel j
        t.split16[c][k][j] = static_cast<std::uint8_t>(s / 16 == k ? s % 16 : 0x80);
      }
  return t;
}

constexpr Tables kTables = make_tables();

}  // namespace

#ifdef TRTOCR_X86_DISPATCH
namespace {

TRTOCR_AVX512_WARNINGS_OFF

__attribute__((target("avx512f,avx512bw,avx512vbmi"))) int interleave3_vbmi_impl(
    const std::uint8_t* p0, const std::uint8_t* p1, const std::uint8_t* p2, int n,
    std::uint8_t* dst) {
  __m512i from_01[3], from_2[3];
  for (int k = 0; k < 3; ++k) {
    from_01[k] = _mm512_loadu_si512(kTables.pack_01[k]);
    from_2[k] = _mm512_loadu_si512(kTables.pack_2[k]);
  }
  int x = 0;
  for (; x + 64 <= n; x += 64) {
    const __m512i a = _mm512_loadu_si512(p0 + x), b = _mm512_loadu_si512(p1 + x);
    const __m512i c = _mm512_loadu_si512(p2 + x);
    for (int k = 0; k < 3; ++k) {
      const __m512i v = _mm512_permutex2var_epi8(a, from_01[k], b);
      _mm512_storeu_si512(dst + 3 * x + 64 * k,
                          _mm512_mask_permutexvar_epi8(v, kTables.pack_from_2[k], from_2[k], c));
    }
  }
  return x;
}

__attribute__((target("avx512f,avx512bw,avx512vbmi"))) int split3_vbmi_impl(const std::uint8_t* src,
                                                                            int n, std::uint8_t* p0,
                                                                            std::uint8_t* p1,
                                                                            std::uint8_t* p2) {
  __m512i from_01[3], from_2[3];
  for (int k = 0; k < 3; ++k) {
    from_01[k] = _mm512_loadu_si512(kTables.split_01[k]);
    from_2[k] = _mm512_loadu_si512(kTables.split_2[k]);
  }
  std::uint8_t* out[3] = {p0, p1, p2};
  int x = 0;
  for (; x + 64 <= n; x += 64) {
    const std::uint8_t* s = src + 3 * x;
    const __m512i a = _mm512_loadu_si512(s), b = _mm512_loadu_si512(s + 64);
    const __m512i c = _mm512_loadu_si512(s + 128);
    for (int k = 0; k < 3; ++k) {
      const __m512i v = _mm512_permutex2var_epi8(a, from_01[k], b);
      _mm512_storeu_si512(out[k] + x,
                          _mm512_mask_permutexvar_epi8(v, kTables.split_from_2[k], from_2[k], c));
    }
  }
  return x;
}

TRTOCR_AVX512_WARNINGS_ON

__attribute__((target("ssse3"))) int interleave3_ssse3_impl(const std::uint8_t* p0,
                                                            const std::uint8_t* p1,
                                                            const std::uint8_t* p2, int n,
                                                            std::uint8_t* dst) {
  const auto load = [](const std::uint8_t* p) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  };
  int x = 0;
  for (; x + 16 <= n; x += 16) {
    const __m128i in[3] = {load(p0 + x), load(p1 + x), load(p2 + x)};
    for (int k = 0; k < 3; ++k) {
      __m128i v = _mm_shuffle_epi8(in[0], load(kTables.pack16[k][0]));
      v = _mm_or_si128(v, _mm_shuffle_epi8(in[1], load(kTables.pack16[k][1])));
      v = _mm_or_si128(v, _mm_shuffle_epi8(in[2], load(kTables.pack16[k][2])));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 3 * x + 16 * k), v);
    }
  }
  return x;
}

__attribute__((target("ssse3"))) int split3_ssse3_impl(const std::uint8_t* src, int n,
                                                       std::uint8_t* p0, std::uint8_t* p1,
                                                       std::uint8_t* p2) {
  const auto load = [](const std::uint8_t* p) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  };
  std::uint8_t* out[3] = {p0, p1, p2};
  int x = 0;
  for (; x + 16 <= n; x += 16) {
    const std::uint8_t* s = src + 3 * x;
    const __m128i in[3] = {load(s), load(s + 16), load(s + 32)};
    for (int c = 0; c < 3; ++c) {
      __m128i v = _mm_shuffle_epi8(in[0], load(kTables.split16[c][0]));
      v = _mm_or_si128(v, _mm_shuffle_epi8(in[1], load(kTables.split16[c][1])));
      v = _mm_or_si128(v, _mm_shuffle_epi8(in[2], load(kTables.split16[c][2])));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out[c] + x), v);
    }
  }
  return x;
}

}  // namespace
#endif  // TRTOCR_X86_DISPATCH

int interleave3_vbmi(const std::uint8_t* p0, const std::uint8_t* p1, const std::uint8_t* p2, int n,
                     std::uint8_t* dst) {
#ifdef TRTOCR_X86_DISPATCH
  if (cpu::has_avx512vbmi()) return interleave3_vbmi_impl(p0, p1, p2, n, dst);
#endif
  (void)p0, (void)p1, (void)p2, (void)n, (void)dst;
  return 0;
}

int interleave3_ssse3(const std::uint8_t* p0, const std::uint8_t* p1, const std::uint8_t* p2, int n,
                      std::uint8_t* dst) {
#ifdef TRTOCR_X86_DISPATCH
  if (cpu::has_ssse3()) return interleave3_ssse3_impl(p0, p1, p2, n, dst);
#endif
  (void)p0, (void)p1, (void)p2, (void)n, (void)dst;
  return 0;
}

int split3_vbmi(const std::uint8_t* src, int n, std::uint8_t* p0, std::uint8_t* p1,
                std::uint8_t* p2) {
#ifdef TRTOCR_X86_DISPATCH
  if (cpu::has_avx512vbmi()) return split3_vbmi_impl(src, n, p0, p1, p2);
#endif
  (void)src, (void)n, (void)p0, (void)p1, (void)p2;
  return 0;
}

int split3_ssse3(const std::uint8_t* src, int n, std::uint8_t* p0, std::uint8_t* p1,
                 std::uint8_t* p2) {
#ifdef TRTOCR_X86_DISPATCH
  if (cpu::has_ssse3()) return split3_ssse3_impl(src, n, p0, p1, p2);
#endif
  (void)src, (void)n, (void)p0, (void)p1, (void)p2;
  return 0;
}

void interleave3(const std::uint8_t* p0, const std::uint8_t* p1, const std::uint8_t* p2, int n,
                 std::uint8_t* dst) {
  int x = interleave3_vbmi(p0, p1, p2, n, dst);
  x += interleave3_ssse3(p0 + x, p1 + x, p2 + x, n - x, dst + 3 * x);
  for (; x < n; ++x) {
    dst[3 * x] = p0[x];
    dst[3 * x + 1] = p1[x];
    dst[3 * x + 2] = p2[x];
  }
}

void split3(const std::uint8_t* src, int n, std::uint8_t* p0, std::uint8_t* p1, std::uint8_t* p2) {
  int x = split3_vbmi(src, n, p0, p1, p2);
  x += split3_ssse3(src + 3 * x, n - x, p0 + x, p1 + x, p2 + x);
  for (; x < n; ++x) {
    p0[x] = src[3 * x];
    p1[x] = src[3 * x + 1];
    p2[x] = src[3 * x + 2];
  }
}

}  // namespace planes
}  // namespace trtocr
