#include <cstdint>
#include <vector>

#include "../core/pixel_planes.hpp"
#include "test_framework.hpp"
#include "test_images.hpp"

using namespace trtocr;
using trtocr_test::random_image;

namespace {

// Pixel counts around the vector steps (16 and 64) and their multiples.
const int kCounts[] = {0, 1, 15, 16, 17, 63, 64, 65, 80, 127, 128, 129, 191, 200, 1000};

}  // namespace

TEST_CASE("interleave3 and split3: packed byte 3x + c is plane c's byte x, both ways") {
  for (int n : kCounts) {
    const auto planes = random_image(1, n, 11 + n);
    const std::uint8_t* p[3] = {planes.data(), planes.data() + n, planes.data() + 2 * n};
    std::vector<std::uint8_t> packed(3 * static_cast<std::size_t>(n) + 1, 0xAB);
    planes::interleave3(p[0], p[1], p[2], n, packed.data());
    bool same = packed.back() == 0xAB;  // nothing written past the end
    for (int x = 0; x < n; ++x)
      for (int c = 0; c < 3; ++c) same = same && packed[3 * x + c] == p[c][x];
    CHECK(same);

    std::vector<std::uint8_t> split(3 * static_cast<std::size_t>(n) + 1, 0xCD);
    planes::split3(packed.data(), n, split.data(), split.data() + n, split.data() + 2 * n);
    CHECK(split.back() == 0xCD);
    split.pop_back();
    CHECK(split == planes);
  }
}

TEST_CASE("interleave3 and split3: each vector path writes the bytes of the plain loop") {
  using Pack =
      int (*)(const std::uint8_t*, const std::uint8_t*, const std::uint8_t*, int, std::uint8_t*);
  using Split = int (*)(const std::uint8_t*, int, std::uint8_t*, std::uint8_t*, std::uint8_t*);
  struct Path {
    Pack pack;
    Split split;
    int step;  // pixels a vector step
  };
  const Path paths[] = {{planes::interleave3_vbmi, planes::split3_vbmi, 64},
                        {planes::interleave3_ssse3, planes::split3_ssse3, 16}};
  for (const auto& [pack, split, step] : paths)
    for (int n : kCounts) {
      const auto planes = random_image(1, n, 23 + n);
      const std::uint8_t* p[3] = {planes.data(), planes.data() + n, planes.data() + 2 * n};
      std::vector<std::uint8_t> packed(3 * static_cast<std::size_t>(n), 0);
      const int done = pack(p[0], p[1], p[2], n, packed.data());
      CHECK(done >= 0 && done <= n && done % step == 0);
      CHECK(done == 0 || n - done < step);  // a path that runs takes every whole step
      bool same = true;
      for (int x = 0; x < done; ++x)
        for (int c = 0; c < 3; ++c) same = same && packed[3 * x + c] == p[c][x];
      for (int i = 3 * done; i < 3 * n; ++i) same = same && packed[i] == 0;  // its part only
      CHECK(same);

      const auto source = random_image(1, n, 37 + n);
      std::vector<std::uint8_t> out(3 * static_cast<std::size_t>(n), 0);
      const int split_done =
          split(source.data(), n, out.data(), out.data() + n, out.data() + 2 * n);
      CHECK(split_done == done);
      same = true;
      for (int x = 0; x < n; ++x)
        for (int c = 0; c < 3; ++c)
          same = same && out[c * n + x] == (x < split_done ? source[3 * x + c] : 0);
      CHECK(same);
    }
}
