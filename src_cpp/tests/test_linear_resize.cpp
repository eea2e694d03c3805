#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "../core/cpu_features.hpp"
#include "../core/linear_resize.hpp"
#include "test_framework.hpp"

using namespace trtocr;

namespace {

// The horizontal pass of one row straight from the taps, as the scalar pass has always done it:
// the reference both passes must match.
std::vector<std::int16_t> direct_row(const std::uint8_t* s, int src_w, int out_w) {
  const std::vector<linear::Tap> xt = linear::taps(src_w, out_w, true);
  std::vector<std::int16_t> out(3 * static_cast<std::size_t>(out_w));
  for (int c = 0; c < 3; ++c)
    for (int x = 0; x < out_w; ++x) {
      const linear::Tap t = xt[x];
      const int p0 = s[3 * t.index + c], p1 = s[3 * std::min(t.index + 1, src_w - 1) + c];
      out[static_cast<std::size_t>(c) * out_w + x] = linear::horizontal(p0, p1, t);
    }
  return out;
}

// Source widths and output widths: tiny, odd, below and around the 16-column vector blocks,
// upscales and downscales of several ratios.
const std::vector<std::pair<int, int>>& width_pairs() {
  static const std::vector<std::pair<int, int>> pairs = [] {
    std::vector<std::pair<int, int>> p;
    for (int sw : {1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 33, 100, 463, 1280})
      for (int ow : {1, 2, 7, 8, 15, 16, 17, 31, 32, 33, 47, 64, 97, 736, 1312})
        p.emplace_back(sw, ow);
    for (int sw : {3000, 4001}) p.emplace_back(sw, 700);  // strong reductions
    // Around the VBMI code's limits: a 32-column block in one 128-byte window up to ~1.28x
    // reduction, in a window per 16 columns up to ~2.5x, gathers beyond; rows of 42 / 43 pixels.
    for (const auto& [sw, ow] : {std::pair{1000, 790},
                                 {1000, 770},
                                 {1000, 420},
                                 {1000, 380},
                                 {42, 64},
                                 {43, 64},
                                 {43, 96},
                                 {1281, 1313}})
      p.emplace_back(sw, ow);
    return p;
  }();
  return pairs;
}

// A row of `bytes` random bytes ending exactly at a page that may not be read, so a read past
// the row's last pixel crashes the test instead of passing unnoticed.
class GuardedRow {
 public:
  explicit GuardedRow(std::size_t bytes) {
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    pages_ = (bytes + page - 1) / page * page;
    size_ = pages_ + page;
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw trtocr_test::Failure("mmap failed");
    base_ = static_cast<std::uint8_t*>(p);
    if (mprotect(base_ + pages_, page, PROT_NONE) != 0) throw trtocr_test::Failure("mprotect");
    row_ = base_ + pages_ - bytes;
  }
  ~GuardedRow() { munmap(base_, size_); }
  GuardedRow(const GuardedRow&) = delete;
  GuardedRow& operator=(const GuardedRow&) = delete;
  std::uint8_t* row() const { return row_; }

 private:
  std::uint8_t* base_ = nullptr;
  std::uint8_t* row_ = nullptr;
  std::size_t pages_ = 0, size_ = 0;
};

}  // namespace

TEST_CASE("linear taps: the vector code gives tap_at's taps, clamped or not") {
  std::mt19937 rng(777);
  std::vector<std::pair<int, int>> sizes = {{1, 1},      {1, 40},     {2, 9},     {3, 17},
                                            {30, 576},   {35, 48},    {720, 736}, {1280, 1312},
                                            {4000, 960}, {999, 1000}, {48, 23},   {117, 8}};
  for (int k = 0; k < 300; ++k)
    sizes.emplace_back(1 + static_cast<int>(rng() % 3000), 1 + static_cast<int>(rng() % 3000));
  for (const auto& [src, dst] : sizes)
    for (bool clamp : {true, false}) {
      const std::vector<linear::Tap> got = linear::taps(src, dst, clamp);
      CHECK(got.size() == static_cast<std::size_t>(dst));
      const double scale = linear::tap_scale(src, dst);
      for (int d = 0; d < dst; ++d) {
        const linear::Tap want = linear::tap_at(d, scale, src, clamp);
        CHECK(got[d].index == want.index);
        CHECK(got[d].w0 == want.w0);
        CHECK(got[d].w1 == want.w1);
      }
    }
}

TEST_CASE("linear horizontal pass: scalar and vector code equal the taps, bit for bit") {
  std::mt19937 rng(12345);
  bool vector_ran = false, whole_windows = false, half_windows = false;
  for (const auto& [sw, ow] : width_pairs()) {
    const linear::HorizontalPass pass(sw, ow);
    const std::size_t bytes = 3 * static_cast<std::size_t>(sw);
    GuardedRow row(bytes);
    for (int trial = 0; trial < 3; ++trial) {
      std::uint8_t* s = row.row();
      for (std::size_t i = 0; i < bytes; ++i)  // random, then the extremes
        s[i] = static_cast<std::uint8_t>(trial == 0 ? rng() : trial == 1 ? 255 : (i & 1) * 255);
      const std::vector<std::int16_t> want = direct_row(s, sw, ow);
      std::vector<std::int16_t> scalar(want.size(), -1), any(want.size(), -1),
          avx2(want.size(), -1), vbmi(want.size(), -1);
      linear::horizontal_row_scalar(pass, s, scalar.data());
      linear::horizontal_row(pass, s, any.data());
      CHECK(scalar == want);
      CHECK(any == want);
      if (linear::horizontal_row_avx2(pass, s, avx2.data())) {
        vector_ran = true;
        CHECK(avx2 == want);
      }
      if (linear::horizontal_row_vbmi(pass, s, vbmi.data())) {
        (pass.window_per_half ? half_windows : whole_windows) = true;
        CHECK(vbmi == want);
      }
    }
  }
  // On an x86-64 CPU with AVX2 (VBMI) the vector passes must have been checked, not skipped.
  if (cpu::has_avx2()) CHECK(vector_ran);
  if (cpu::has_avx512vbmi()) CHECK(whole_windows && half_windows);
  (void)vector_ran, (void)whole_windows, (void)half_windows;
}

TEST_CASE("linear resize_rows: rows of strided and one-row views equal the scalar pass") {
  std::mt19937 rng(777);
  struct Case {
    int h, w, oh, ow, pad;
  };
  for (const Case& k : {Case{1, 37, 1, 50, 0}, Case{1, 37, 3, 21, 5}, Case{9, 1, 4, 19, 3},
                        Case{23, 61, 40, 97, 7}, Case{40, 97, 23, 61, 1}, Case{64, 200, 48, 33, 0},
                        Case{7, 450, 13, 736, 13}, Case{300, 1280, 100, 1312, 2}}) {
    const std::ptrdiff_t stride = static_cast<std::ptrdiff_t>(k.w) * 3 + k.pad;
    // The last row ends the buffer, at a page that may not be read.
    const std::size_t bytes = static_cast<std::size_t>((k.h - 1) * stride + 3 * k.w);
    GuardedRow buffer(bytes);
    for (std::size_t i = 0; i < bytes; ++i) buffer.row()[i] = static_cast<std::uint8_t>(rng());
    const ImageView src{buffer.row(), k.h, k.w, 3, stride};
    const linear::HorizontalPass pass(k.w, k.ow);
    const std::vector<linear::Tap> yt = linear::taps(k.h, k.oh, false);
    std::vector<std::int16_t> want(3 * static_cast<std::size_t>(k.ow));
    int rows = 0;
    linear::resize_rows(
        src, k.oh, k.ow, nullptr,
        [&](int y, const std::int16_t* r0, const std::int16_t* r1, std::int16_t, std::int16_t) {
          ++rows;
          for (int d = 0; d < 2; ++d) {
            const int sy = std::clamp(yt[y].index + d, 0, k.h - 1);
            linear::horizontal_row_scalar(pass, src.row(sy), want.data());
            CHECK(std::memcmp(d == 0 ? r0 : r1, want.data(), want.size() * sizeof(std::int16_t)) ==
                  0);
          }
        });
    CHECK(rows == k.oh);
  }
}

TEST_CASE("linear vertical pass: dispatched and portable rows equal linear::vertical, saturated") {
  std::mt19937 rng(4242);
  const std::vector<linear::Tap> yt = linear::taps(37, 101, false);  // real row weights
  for (int n : {0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 200, 1312}) {
    for (int trial = 0; trial < 4; ++trial) {
      // Horizontal sums as the pass makes them (0 to 255 * 2048 >> 4), then their extremes.
      std::vector<std::int16_t> s0(n), s1(n);
      for (int x = 0; x < n; ++x) {
        s0[x] = static_cast<std::int16_t>(trial < 2 ? rng() % 32641 : trial == 2 ? 32640 : 0);
        s1[x] = static_cast<std::int16_t>(trial < 2 ? rng() % 32641 : 32640);
      }
      const linear::Tap t = yt[(trial * 29 + n) % yt.size()];
      std::vector<std::uint8_t> want(n), any(n, 7), portable(n, 7);
      for (int x = 0; x < n; ++x)
        want[x] = static_cast<std::uint8_t>(
            std::clamp(linear::vertical(s0[x], s1[x], t.w0, t.w1), 0, 255));
      linear::vertical_row_u8(s0.data(), s1.data(), t.w0, t.w1, n, any.data());
      linear::vertical_row_u8_portable(s0.data(), s1.data(), t.w0, t.w1, n, portable.data());
      CHECK(any == want);
      CHECK(portable == want);
    }
  }
}
