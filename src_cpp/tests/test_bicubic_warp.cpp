#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "../core/bicubic_warp.hpp"
#include "../core/cpu_features.hpp"
#include "test_framework.hpp"

using namespace trtocr;

namespace {

// Rows of random maps over a random image (strided, with its last pixel at the buffer's end),
// through both paths of the three-channel warp; true when every byte agrees. Returns false too
// when the vector path wrote nothing on a CPU that has it.
bool paths_agree(std::mt19937& rng, int h, int w, int pad, bool affine, bool wild) {
  const std::ptrdiff_t stride = static_cast<std::ptrdiff_t>(w) * 3 + pad;
  // Exactly the image's bytes: a read past its last pixel is a heap overflow under ASan.
  std::vector<std::uint8_t> px(static_cast<std::size_t>(stride) * (h - 1) + w * 3);
  for (auto& v : px) v = static_cast<std::uint8_t>(rng());
  const ImageView img{px.data(), h, w, 3, stride};
  std::uniform_real_distribution<double> pos(-0.3 * w - 4, 1.3 * w + 4), slope(-1.5, 1.5);
  std::uniform_real_distribution<double> persp(-0.01, 0.01);
  std::vector<int> cols(61);
  for (std::size_t j = 0; j < cols.size(); ++j) cols[j] = static_cast<int>(j * 2 + rng() % 2);
  for (int row = 0; row < 40; ++row) {
    bicubic::RowMap m{pos(rng), slope(rng), pos(rng) * h / w, slope(rng), 1.0, 0.0, affine};
    if (!affine) {
      m.kw = persp(rng);
      m.bw = 1.0 + persp(rng) * 20;
      m.bx *= m.bw, m.by *= m.bw;
    }
    if (row % 8 == 0) m.kx = 1.0, m.ky = 0.0, m.bx = std::floor(m.bx), m.by = std::floor(m.by);
    if (wild && row % 5 == 1) m.bw = std::numeric_limits<double>::quiet_NaN();
    if (wild && row % 5 == 2) m.bw = 0.0, m.kw = 0.0;
    if (wild && row % 5 == 3) m.bx = 1e300, m.ky = -1e300;
    std::vector<std::uint8_t> want(cols.size() * 3), got(cols.size() * 3, 7);
    bicubic::warp_row3_portable(img, m, cols.data(), cols.size(), want.data());
    const std::size_t done =
        bicubic::warp_row3_vector(img, m, cols.data(), cols.size(), got.data());
    if (cpu::has_avx2() && done == 0) return false;
    bicubic::warp_row3_portable(img, m, cols.data() + done, cols.size() - done,
                                got.data() + 3 * done);
    if (want != got) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("bicubic warp: the vector path writes the portable path's bytes") {
  std::mt19937 rng(1234);
  for (int h : {1, 2, 5, 33})
    for (int w : {1, 3, 8, 47})
      for (int pad : {0, 5})
        for (bool affine : {true, false})
          for (bool wild : {false, true}) CHECK(paths_agree(rng, h, w, pad, affine, wild));
}

TEST_CASE("bicubic warp: an integer position copies the pixel on both paths") {
  std::vector<std::uint8_t> px(4 * 9 * 3);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>(i * 37 + 11);
  const ImageView img{px.data(), 4, 9, 3, 27};
  std::vector<int> cols(9);
  for (int j = 0; j < 9; ++j) cols[j] = j;
  const bicubic::RowMap m{0.0, 1.0, 2.0, 0.0, 1.0, 0.0, true};  // row 2, columns 0..8
  std::vector<std::uint8_t> out(27);
  bicubic::warp_row(img, m, cols.data(), cols.size(), out.data());
  for (int i = 0; i < 27; ++i) CHECK(out[i] == px[2 * 27 + i]);
}
