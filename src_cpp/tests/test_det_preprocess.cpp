#include <cmath>
#include <cstdint>
#include <vector>

#include "test_framework.hpp"
#include "test_images.hpp"
#include "trtocr/det_preprocess.hpp"

using namespace trtocr;

using trtocr_test::raw_pixels, trtocr_test::view;

TEST_CASE("det shape: max limit scales the long side, rounds to 32 half-to-even") {
  auto s = det_input_shape(720, 1280, {960, LimitType::Max});
  CHECK(s.height == 544 && s.width == 960);  // 540 -> 544
  CHECK(std::fabs(s.ratio_h - 544.0 / 720) < 1e-12 && std::fabs(s.ratio_w - 0.75) < 1e-12);
  // No upscaling under "max"; 48 / 32 = 1.5 rounds to 2 (64), 80 / 32 = 2.5 rounds to 2 (64).
  s = det_input_shape(48, 80, {960, LimitType::Max});
  CHECK(s.height == 64 && s.width == 64);
  // Tiny images still get 32.
  s = det_input_shape(1, 1, {960, LimitType::Max});
  CHECK(s.height == 32 && s.width == 32);
}

TEST_CASE("det shape: min limit scales the short side up") {
  auto s = det_input_shape(100, 200, {736, LimitType::Min});
  CHECK(s.height == 736 && s.width == 1472);
  s = det_input_shape(1000, 2000, {736, LimitType::Min});  // already large enough
  CHECK(s.height == 992 && s.width == 1984);               // 31.25 -> 31, 62.5 -> 62 (half to even)
}

TEST_CASE("det shape: max_side_limit caps the long side of an elongated image") {
  // 100 x 1000 under "min" 736 would be 736 x 7360; capped at 4000 it keeps its aspect ratio.
  auto s = det_input_shape(100, 1000, {736, LimitType::Min, 4000});
  CHECK(s.width == 4000 && s.height == 384);  // 400 / 32 = 12.5 rounds half-to-even to 12
  auto free = det_input_shape(100, 1000, {736, LimitType::Min});
  CHECK(free.width == 7360);
  // Under the cap nothing changes.
  auto same = det_input_shape(720, 1280, {960, LimitType::Max, 4000});
  CHECK(same.height == 544 && same.width == 960);
  CHECK_THROWS(det_input_shape(10, 10, {960, LimitType::Max, -1}));
}

TEST_CASE("det shape: max_upscale bounds the enlargement, not the reduction") {
  // 40 x 120 under "min" 736 would be read 18.4x larger; bounded at 2x it is 80 x 240.
  auto s = det_input_shape(40, 120, {736, LimitType::Min, 0, 2.0});
  CHECK(s.height == 64 && s.width == 256);  // 80 / 32 = 2.5 -> 2 (half to even), 7.5 -> 8
  s = det_input_shape(720, 1280, {736, LimitType::Min, 0, 1.5});  // 1.02x: inside the bound
  CHECK(s.height == 736 && s.width == 1312);
  s = det_input_shape(720, 1280, {736, LimitType::Min, 0, 1.0});   // no enlargement at all
  CHECK(s.height == 704 && s.width == 1280);                       // 22.5 -> 22 (half to even)
  s = det_input_shape(300, 900, {736, LimitType::Min, 0, 1.5});    // 2.45x bounded to 1.5x
  CHECK(s.height == 448 && s.width == 1344);                       // 450, 1350
  s = det_input_shape(2000, 3000, {960, LimitType::Max, 0, 1.0});  // shrinking is unaffected
  CHECK(s.height == 640 && s.width == 960);
  s = det_input_shape(20, 60, {736, LimitType::Min, 0, 1.5});  // still brought up to 64
  CHECK(s.height == 64 && s.width == 192);
  s = det_input_shape(20, 60, {48, LimitType::Min, 0, 1.5});  // ... unless the limit is lower
  CHECK(s.height == 64 && s.width == 128);  // 2.4x: 48 x 144, 1.5 -> 2 and 4.5 -> 4 (half to even)
  CHECK_THROWS(det_input_shape(10, 10, {736, LimitType::Min, 0, 0.5}));
  CHECK_THROWS(det_input_shape(10, 10, {736, LimitType::Min, 0, -1.0}));
}

TEST_CASE("det shape: bad input and absurd results throw") {
  CHECK_THROWS(det_input_shape(0, 10, {960, LimitType::Max}));
  CHECK_THROWS(det_input_shape(10, 10, {0, LimitType::Max}));
  CHECK_THROWS(det_input_shape(20000, 20000, {736, LimitType::Min}));  // 20000^2 output
  CHECK_THROWS(det_input_shape(1, 20000, {736, LimitType::Min}));      // 736 x 14.7M
  auto s = det_input_shape(20000, 20000, {960, LimitType::Max});
  CHECK(s.height == 960 && s.width == 960);
}

TEST_CASE("resize of a constant image stays constant, normalised per channel") {
  const int h = 37, w = 53;
  std::vector<std::uint8_t> px(static_cast<std::size_t>(h) * w * 3);
  for (std::size_t i = 0; i < px.size(); i += 3) px[i] = 10, px[i + 1] = 128, px[i + 2] = 255;
  Normalization n;
  n.mean = {0.485f, 0.456f, 0.406f};
  n.std = {0.229f, 0.224f, 0.225f};
  for (auto [oh, ow] :
       {std::pair{64, 96}, std::pair{32, 32}, std::pair{7, 200}, std::pair{37, 53}}) {
    std::vector<float> out(3 * static_cast<std::size_t>(oh) * ow);
    resize_normalize_chw(view(px, h, w), oh, ow, n, out.data());
    const int vals[3] = {10, 128, 255};
    for (int c = 0; c < 3; ++c) {
      const float want = (vals[c] * n.scale - n.mean[c]) / n.std[c];
      for (int i = 0; i < oh * ow; ++i) CHECK(out[c * oh * ow + i] == want);
    }
  }
}

TEST_CASE("resize at the same size is an exact copy; 2x downscale averages 2x2 blocks") {
  const int h = 6, w = 8;
  std::vector<std::uint8_t> px(static_cast<std::size_t>(h) * w * 3);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>((i * 37) % 256);
  const Normalization raw = raw_pixels();
  std::vector<float> out(3 * h * w);
  resize_normalize_chw(view(px, h, w), h, w, raw, out.data());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) CHECK(out[(c * h + y) * w + x] == px[(y * w + x) * 3 + c]);
  std::vector<float> half(3 * (h / 2) * (w / 2));
  resize_normalize_chw(view(px, h, w), h / 2, w / 2, raw, half.data());
  for (int y = 0; y < h / 2; ++y)
    for (int x = 0; x < w / 2; ++x) {
      auto p = [&](int yy, int xx) { return int(px[(yy * w + xx) * 3]); };
      const int sum =
          p(2 * y, 2 * x) + p(2 * y, 2 * x + 1) + p(2 * y + 1, 2 * x) + p(2 * y + 1, 2 * x + 1);
      CHECK(half[y * (w / 2) + x] == float((sum + 2) >> 2));
    }
}

TEST_CASE("resize_chw at the same size copies the pixels into planes, row strides included") {
  // Widths around the vector steps; the padded stride checks that rows are read by their start.
  for (int w : {1, 15, 16, 17, 64, 65, 130, 333}) {
    const int h = 5, stride = w * 3 + 7;
    std::vector<std::uint8_t> px(static_cast<std::size_t>(h) * stride);
    for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>((i * 131) >> 2);
    const ImageView v{px.data(), h, w, 3, stride};
    std::vector<std::uint8_t> out(static_cast<std::size_t>(3) * h * w);
    resize_chw(v, h, w, out.data());
    bool same = true;
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          same = same && out[(static_cast<std::size_t>(c) * h + y) * w + x] ==
                             px[static_cast<std::size_t>(y) * stride + 3 * x + c];
    CHECK(same);
    // The resize passes give the same values at this size (weights 1 and 0).
    const Normalization raw = raw_pixels();
    std::vector<float> through_passes(out.size());
    resize_normalize_chw(v, h, w, raw, through_passes.data());
    for (std::size_t i = 0; i < out.size(); ++i)
      same = same && through_passes[i] == static_cast<float>(out[i]);
    CHECK(same);
  }
}

TEST_CASE("resize handles a 1x1 source, row strides, and rejects bad input") {
  std::vector<std::uint8_t> px = {7, 8, 9, 0, 0, 0};  // one pixel + row padding
  ImageView v{px.data(), 1, 1, 3, 6};
  Normalization raw = raw_pixels();
  std::vector<float> out(3 * 32 * 32);
  resize_normalize_chw(v, 32, 32, raw, out.data());
  CHECK(out[0] == 7.f && out[32 * 32] == 8.f && out[3 * 32 * 32 - 1] == 9.f);
  ImageView gray{px.data(), 1, 1, 1, 1};
  CHECK_THROWS(resize_normalize_chw(gray, 32, 32, raw, out.data()));
  CHECK_THROWS(resize_normalize_chw(v, 0, 32, raw, out.data()));
  raw.std = {1, 0, 1};
  CHECK_THROWS(resize_normalize_chw(v, 32, 32, raw, out.data()));
}
