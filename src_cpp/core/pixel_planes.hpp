// Packed 3-channel pixels to and from three planes (internal to the core): the rescale packs its
// planar rows, and a detector input at its image's own size is that image split into planes.
#pragma once

#include <cstdint>

namespace trtocr {
namespace planes {

// dst[3 * x + c] = plane c's byte x, for x < n; with the fastest code this CPU runs.
void interleave3(const std::uint8_t* p0, const std::uint8_t* p1, const std::uint8_t* p2, int n,
                 std::uint8_t* dst);

// Plane c's byte x = src[3 * x + c], for x < n; likewise.
void split3(const std::uint8_t* src, int n, std::uint8_t* p0, std::uint8_t* p1, std::uint8_t* p2);

// The vector code alone, for the tests: the number of leading pixels written (a multiple of its
// step), 0 where the CPU or the compiler lacks the instructions. The rest is the caller's.
int interleave3_vbmi(const std::uint8_t* p0, const std::uint8_t* p1, const std::uint8_t* p2, int n,
                     std::uint8_t* dst);
int interleave3_ssse3(const std::uint8_t* p0, const std::uint8_t* p1, const std::uint8_t* p2, int n,
                      std::uint8_t* dst);
int split3_vbmi(const std::uint8_t* src, int n, std::uint8_t* p0, std::uint8_t* p1,
                std::uint8_t* p2);
int split3_ssse3(const std::uint8_t* src, int n, std::uint8_t* p0, std::uint8_t* p1,
                 std::uint8_t* p2);

}  // namespace planes
}  // namespace trtocr
