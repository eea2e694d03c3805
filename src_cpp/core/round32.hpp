// PP-OCR's side rounding (internal to the core).
#pragma once

#include <algorithm>

namespace trtocr {

// max(int(round(x / 32) * 32), 32) with Python's round (half to even); x / 32 is exact in
// double for every x we accept, so ties are exactly the remainders of 16.
inline long long round_to_32(long long x) {
  long long q = x / 32;
  const long long r = x % 32;
  if (r > 16 || (r == 16 && (q & 1))) ++q;
  return std::max<long long>(q * 32, 32);
}

}  // namespace trtocr
