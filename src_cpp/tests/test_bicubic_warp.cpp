#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "../core/bicubic_warp.hpp"
#include "../core/cpu_features.hpp"
#include "test_framework.hpp"

using namespace trtocr;

namespace {

// The bytes of a random h x w three-channel image with rows pad bytes apart, exactly the image's
// bytes (its last pixel at the buffer's end: a read past it is a heap overflow under ASan).
std::vector<std::uint8_t> random_pixels(std::mt19937& rng, int h, int w, int pad) {
  const std::size_t stride = static_cast<std::size_t>(w) * 3 + pad;
  std::vector<std::uint8_t> px(stride * (h - 1) + static_cast<std::size_t>(w) * 3);
  for (auto& v : px) v = static_cast<std::uint8_t>(rng());
  return px;
}

// Rows of random maps over a random image (strided, with its last pixel at the buffer's end),
// through both paths of the three-channel warp; true when every byte agrees. Returns false too
// when the vector path wrote nothing on a CPU that has it.
bool paths_agree(std::mt19937& rng, int h, int w, int pad, bool affine, bool wild) {
  const std::vector<std::uint8_t> px = random_pixels(rng, h, w, pad);
  const ImageView img{px.data(), h, w, 3, static_cast<std::ptrdiff_t>(w) * 3 + pad};
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

TEST_CASE("bicubic warp: rows of whole pixels, in every direction, agree on both paths") {
  // Axis-aligned integer boxes (upright, flipped, rotated crops) step one pixel per column along
  // x or y; rows run inside the image, into its last pixel, and across its borders.
  std::mt19937 rng(99);
  const int h = 23, w = 41, pad = 3;
  const std::vector<std::uint8_t> px = random_pixels(rng, h, w, pad);
  const ImageView img{px.data(), h, w, 3, static_cast<std::ptrdiff_t>(w) * 3 + pad};
  const int steps[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
  for (const auto& step : steps)
    for (int n : {8, 16, 37})
      for (int k = 0; k < 60; ++k) {
        // Start anywhere from two pixels outside to two inside the far edge; every 4th row ends
        // exactly at the last pixel of the image.
        double x0 = static_cast<int>(rng() % (w + 4)) - 2,
               y0 = static_cast<int>(rng() % (h + 4)) - 2;
        if (k % 4 == 0) {
          x0 = step[0] >= 0 ? w - 1 - step[0] * (n - 1) : w - 1;
          y0 = step[1] >= 0 ? h - 1 - step[1] * (n - 1) : h - 1;
        }
        // Some rows are off the pixel grid along one axis only: they must interpolate.
        const double off[5][2] = {{0, 0}, {0, 0}, {0.5, 0}, {0, 0.25}, {0, 1e-4}};
        const double dx = off[k % 5][0], dy = off[k % 5][1];
        const bicubic::RowMap m{x0 + dx, double(step[0]), y0 + dy, double(step[1]), 1.0, 0.0, true};
        std::vector<int> cols(static_cast<std::size_t>(n));
        for (int j = 0; j < n; ++j) cols[j] = j;
        std::vector<std::uint8_t> want(cols.size() * 3), got(cols.size() * 3, 7);
        bicubic::warp_row3_portable(img, m, cols.data(), cols.size(), want.data());
        const std::size_t done =
            bicubic::warp_row3_vector(img, m, cols.data(), cols.size(), got.data());
        bicubic::warp_row3_portable(img, m, cols.data() + done, cols.size() - done,
                                    got.data() + 3 * done);
        CHECK(want == got);
        // Inside the image the crop is the pixels themselves.
        bool inside = true;
        for (int j = 0; j < n; ++j) {
          const double x = x0 + step[0] * j, y = y0 + step[1] * j;
          inside = inside && x >= 0 && x < w && y >= 0 && y < h;
        }
        if (inside && dx == 0 && dy == 0)
          for (int j = 0; j < n; ++j) {
            const std::uint8_t* p = img.row(static_cast<int>(y0) + step[1] * j) +
                                    (static_cast<int>(x0) + step[0] * j) * 3;
            CHECK(got[3 * j] == p[0] && got[3 * j + 1] == p[1] && got[3 * j + 2] == p[2]);
          }
      }
}

TEST_CASE("bicubic warp: a row of whole pixels is copied with the portable path's bytes") {
  // warp_row copies a row at integer positions one column apart (an upright axis-aligned box);
  // rows that leave the image or are off the grid by any amount take the warp.
  std::mt19937 rng(7);
  const int h = 19, w = 53, pad = 5;
  const std::vector<std::uint8_t> px = random_pixels(rng, h, w, pad);
  const ImageView img{px.data(), h, w, 3, static_cast<std::ptrdiff_t>(w) * 3 + pad};
  for (int k = 0; k < 400; ++k) {
    const int n = 1 + static_cast<int>(rng() % 40);
    std::vector<int> cols(static_cast<std::size_t>(n));
    const int first = static_cast<int>(rng() % 6);
    for (int j = 0; j < n; ++j)  // contiguous, or gapped as a resize reads them
      cols[j] = k % 2 ? first + j : first + 2 * j + static_cast<int>(rng() % 2);
    bicubic::RowMap m{static_cast<double>(static_cast<int>(rng() % (w + 8)) - 4 - first),
                      1.0,
                      static_cast<double>(static_cast<int>(rng() % (h + 4)) - 2),
                      0.0,
                      1.0,
                      0.0,
                      true};
    if (k % 7 == 3) m.by += 1e-9;
    if (k % 7 == 5) m.bx -= 0.5;
    std::vector<std::uint8_t> want(cols.size() * 3), got(cols.size() * 3, 7);
    bicubic::warp_row3_portable(img, m, cols.data(), cols.size(), want.data());
    bicubic::warp_row(img, m, cols.data(), cols.size(), got.data());
    CHECK(want == got);
  }
  // One channel: the pixels themselves.
  std::vector<std::uint8_t> grey(static_cast<std::size_t>(h) * w);
  for (auto& v : grey) v = static_cast<std::uint8_t>(rng());
  const ImageView one{grey.data(), h, w, 1, w};
  const std::vector<int> cols{0, 1, 2, 4, 7};
  const bicubic::RowMap m{3.0, 1.0, 11.0, 0.0, 1.0, 0.0, true};
  std::vector<std::uint8_t> out(cols.size());
  bicubic::warp_row(one, m, cols.data(), cols.size(), out.data());
  for (std::size_t j = 0; j < cols.size(); ++j) CHECK(out[j] == grey[11 * w + 3 + cols[j]]);
}

TEST_CASE("bicubic warp: text-line rows through the windows write the portable bytes") {
  // Crop rows of text lines: about one source pixel per column, a slight slope (rows that stay
  // on one source row and rows that step to the next), slight perspective, whole-pixel rows;
  // inside the image, near its edges and across them.
  std::mt19937 rng(2024);
  const int h = 40, w = 300, pad = 7;
  const std::vector<std::uint8_t> px = random_pixels(rng, h, w, pad);
  const ImageView img{px.data(), h, w, 3, static_cast<std::ptrdiff_t>(w) * 3 + pad};
  std::uniform_real_distribution<double> step(0.9, 1.12), slope(-0.06, 0.06), persp(-2e-4, 2e-4);
  std::uniform_real_distribution<double> steep(0.12, 0.4);  // 2 to 6 rows over 16 columns
  std::uniform_real_distribution<double> x_at(-10.0, 80.0), y_at(-3.0, h + 2.0);
  std::vector<int> cols(200);
  for (int j = 0; j < 200; ++j) cols[j] = j;
  std::size_t by_windows = 0, rows_whole = 0, rows_steep = 0;
  for (int row = 0; row < 600; ++row) {
    bicubic::RowMap m{x_at(rng), step(rng), y_at(rng), slope(rng), 1.0, 0.0, true};
    if (row % 3 == 1) m.ky = 0.0;
    if (row % 5 == 4) m.ky = (row % 2 ? -1 : 1) * steep(rng);
    if (row % 6 == 2) m.kx = 1.0, m.ky = 0.0, m.bx = std::floor(m.bx), m.by = std::floor(m.by);
    if (row % 4 == 3) {
      m.affine = false, m.kw = persp(rng), m.bw = 1.0 + persp(rng) * 50;
      m.bx *= m.bw, m.by *= m.bw, m.kx *= m.bw, m.ky *= m.bw;
    }
    const std::size_t n = 16 + rng() % 185;
    std::vector<std::uint8_t> want(n * 3), got(n * 3, 7), windows(n * 3, 7);
    bicubic::warp_row3_portable(img, m, cols.data(), n, want.data());
    bicubic::warp_row(img, m, cols.data(), n, got.data());
    CHECK(want == got);
    const std::size_t done = bicubic::warp_row3_windows(img, m, cols.data(), n, windows.data());
    CHECK(done % 16 == 0 && done <= n);
    CHECK(std::equal(windows.begin(), windows.begin() + 3 * done, want.begin()));
    by_windows += done;
    if (row % 6 == 2 && done > 0) ++rows_whole;
    if (std::fabs(m.ky) > 0.15 * std::fabs(m.kx) && done > 0) ++rows_steep;
  }
  // On a CPU with VBMI most of these columns must have gone through the windows.
  if (cpu::has_avx512vbmi()) CHECK(by_windows > 600 * 40 && rows_whole > 20 && rows_steep > 10);
}

#if defined(__linux__)
TEST_CASE("bicubic warp: no path reads past the image's last byte") {
  // The image ends exactly where an inaccessible page begins, so a read past it faults. (ASan
  // does not see the vector path's gathers.) Rows end at the last pixel on the pixel grid and
  // off it, in both directions along x and y.
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  void* mem = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(mem != MAP_FAILED);
  if (mem == MAP_FAILED) return;
  const bool guarded = mprotect(static_cast<char*>(mem) + page, page, PROT_NONE) == 0;
  CHECK(guarded);
  const int h = 6, w = 20;
  const std::size_t bytes = static_cast<std::size_t>(h) * w * 3;
  auto* px = static_cast<std::uint8_t*>(mem) + page - bytes;
  for (std::size_t i = 0; i < bytes; ++i) px[i] = static_cast<std::uint8_t>(i * 13 + 1);
  const ImageView img{px, h, w, 3, static_cast<std::ptrdiff_t>(w) * 3};
  std::vector<int> cols(16);
  for (int j = 0; j < 16; ++j) cols[j] = j;
  std::vector<std::uint8_t> out(cols.size() * 3), want(out.size());
  for (double frac : {0.0, 0.5}) {
    const bicubic::RowMap rows[] = {{w - 16.0 + frac, 1, h - 1.0, 0, 1, 0, true},
                                    {w - 1.0, -1, h - 1.0 - frac, 0, 1, 0, true},
                                    {w - 1.0 - frac, 0, h - 16.0, 1, 1, 0, true}};
    for (const auto& m : rows) {
      bicubic::warp_row(img, m, cols.data(), cols.size(), out.data());
      bicubic::warp_row3_portable(img, m, cols.data(), cols.size(), want.data());  // byte reads
      CHECK(out == want);
    }
  }
  // The last pixel itself, on the grid, as the last column of the row.
  const bicubic::RowMap last{w - 16.0, 1, h - 1.0, 0, 1, 0, true};
  bicubic::warp_row(img, last, cols.data(), cols.size(), out.data());
  CHECK(out[45] == px[bytes - 3] && out[46] == px[bytes - 2] && out[47] == px[bytes - 1]);
  munmap(mem, 2 * page);
}
#endif
