// Run-time choice of vector code (internal to the core). The library targets baseline x86-64
// (SSE2), so code for newer instruction sets lives only in functions compiled for them
// (__attribute__((target(...))), under TRTOCR_X86_DISPATCH) and runs only where the CPU reports
// them; elsewhere the portable code runs and gives the same values.
#pragma once

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define TRTOCR_X86_DISPATCH 1
#endif

// Around AVX-512 code: GCC 12's AVX-512 headers give many intrinsics an "undefined" pass-through
// operand that its own -Wuninitialized then reports; the values are never undefined.
#if defined(__GNUC__) && !defined(__clang__)
#define TRTOCR_AVX512_WARNINGS_OFF                                                     \
  _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wuninitialized\"") \
      _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"")
#define TRTOCR_AVX512_WARNINGS_ON _Pragma("GCC diagnostic pop")
#else
#define TRTOCR_AVX512_WARNINGS_OFF
#define TRTOCR_AVX512_WARNINGS_ON
#endif

namespace trtocr {
namespace cpu {

// SSSE3: byte shuffles within 128 bits (pshufb).
inline bool has_ssse3() {
#ifdef TRTOCR_X86_DISPATCH
  static const bool yes = __builtin_cpu_supports("ssse3");
  return yes;
#else
  return false;
#endif
}

// AVX2: 256-bit integer operations and gathers.
inline bool has_avx2() {
#ifdef TRTOCR_X86_DISPATCH
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
#else
  return false;
#endif
}

// AVX-512 byte and word operations (BW), with the F instructions around them.
inline bool has_avx512bw() {
#ifdef TRTOCR_X86_DISPATCH
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  return yes;
#else
  return false;
#endif
}

// AVX-512 byte permutes across a whole register (VBMI), with the BW/F instructions around them.
inline bool has_avx512vbmi() {
#ifdef TRTOCR_X86_DISPATCH
  static const bool yes = has_avx512bw() && __builtin_cpu_supports("avx512vbmi");
  return yes;
#else
  return false;
#endif
}

// F16C binary16 conversions, with the AVX registers they write.
inline bool has_f16c() {
#ifdef TRTOCR_X86_DISPATCH
  static const bool yes = __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx");
  return yes;
#else
  return false;
#endif
}

}  // namespace cpu
}  // namespace trtocr
