#include "trtocr/half_float.hpp"

#include <cmath>
#include <cstring>

#include "cpu_features.hpp"
#include "trtocr/image.hpp"

namespace trtocr {

namespace {

float half_bits_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu, bits;
  if (exp == 0x1fu) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf / NaN (payload kept)
  } else if (exp != 0) {
    bits = sign | ((exp + 112u) << 23) | (mant << 13);  // rebias 15 -> 127
  } else if (mant == 0) {
    bits = sign;  // +-0
  } else {        // subnormal: normalise the mantissa
    exp = 113u;
    while (!(mant & 0x400u)) {
      mant <<= 1;
      --exp;
    }
    bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

void half_to_float_scalar(const std::uint16_t* src, std::size_t n, float* dst) {
  for (std::size_t i = 0; i < n; ++i) dst[i] = half_bits_to_float(src[i]);
}

#ifdef TRTOCR_X86_DISPATCH
// The F16C instruction converts 8 values at once, exactly.
__attribute__((target("f16c,avx"))) void half_to_float_f16c(const std::uint16_t* src, std::size_t n,
                                                            float* dst) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
  }
  half_to_float_scalar(src + i, n - i, dst + i);
}
#endif

}  // namespace

void half_to_float(const std::uint16_t* src, std::size_t n, float* dst) {
#ifdef TRTOCR_X86_DISPATCH
  if (cpu::has_f16c()) return half_to_float_f16c(src, n, dst);
#endif
  half_to_float_scalar(src, n, dst);
}

std::uint16_t largest_half_not_above(float v) {
  require(std::isfinite(v) && v >= 0.f, "largest_half_not_above: v must be finite and >= 0");
  std::uint16_t lo = 0, hi = 0x7bffu;  // +0 .. the largest finite binary16
  while (lo < hi) {                    // the last pattern whose value is <= v
    const std::uint16_t mid = static_cast<std::uint16_t>(lo + (hi - lo + 1) / 2);
    if (half_bits_to_float(mid) <= v)
      lo = mid;
    else
      hi = static_cast<std::uint16_t>(mid - 1);
  }
  return lo;
}

}  // namespace trtocr
