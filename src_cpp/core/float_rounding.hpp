// Rounding of floats without libm calls (internal to the core): lrint and floor are calls into
// libm on baseline x86-64 (they may set errno), and they run per pixel or per tap.
#pragma once

namespace trtocr {

// 1.5 * 2^23: adding it to |x| < 2^22 leaves no fractional bits, so (x + magic) - magic rounds
// as the current rounding mode does (half to even by default), like lrint, for |x| < 2^22.
constexpr float kRoundMagic = 12582912.f;
inline int round_even(float x) { return static_cast<int>((x + kRoundMagic) - kRoundMagic); }

// floor for values well inside the int range.
inline int floor_int(float x) {
  const int i = static_cast<int>(x);
  return i - (x < static_cast<float>(i));
}

}  // namespace trtocr
