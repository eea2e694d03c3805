// IEEE binary16 values (a graph-I/O detector's float16 output) widened to float32.
#pragma once

#include <cstddef>
#include <cstdint>

namespace trtocr {

// dst[i] = src[i] read as IEEE binary16, exactly (subnormals, infinities and NaNs included).
// F16C where the CPU has it, a bit-exact portable path otherwise.
void half_to_float(const std::uint16_t* src, std::size_t n, float* dst);

}  // namespace trtocr
