// IEEE binary16 values (a graph-I/O detector's float16 output) widened to float32.
#pragma once

#include <cstddef>
#include <cstdint>

namespace trtocr {

// dst[i] = src[i] read as IEEE binary16, exactly (subnormals, infinities and NaNs included).
// F16C where the CPU has it, a bit-exact portable path otherwise.
void half_to_float(const std::uint16_t* src, std::size_t n, float* dst);

// The largest non-negative finite binary16 bit pattern whose value is <= v (v finite, >= 0).
// Non-negative binary16 values order as their bit patterns do, so for such a value h,
// value(h) > v exactly when h > largest_half_not_above(v).
std::uint16_t largest_half_not_above(float v);

}  // namespace trtocr
