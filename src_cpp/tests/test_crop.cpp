#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "test_framework.hpp"
#include "trtocr/crop.hpp"

using namespace trtocr;

namespace {
Quad quad(float x0, float y0, float x1, float y1, float x2, float y2, float x3, float y3) {
  return Quad{Point{x0, y0}, Point{x1, y1}, Point{x2, y2}, Point{x3, y3}};
}
void apply(const std::array<double, 9>& m, double x, double y, double& ox, double& oy) {
  const double w = m[6] * x + m[7] * y + m[8];
  ox = (m[0] * x + m[1] * y + m[2]) / w;
  oy = (m[3] * x + m[4] * y + m[5]) / w;
}
bool near(double a, double b) { return std::fabs(a - b) < 1e-6; }

// A gradient image whose value at (x, y) identifies the pixel.
struct Gradient {
  int h, w;
  std::vector<std::uint8_t> px;
  Gradient(int h_, int w_) : h(h_), w(w_), px(static_cast<std::size_t>(h_) * w_ * 3) {
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        std::uint8_t* p = &px[(static_cast<std::size_t>(y) * w + x) * 3];
        p[0] = static_cast<std::uint8_t>(x);
        p[1] = static_cast<std::uint8_t>(y);
        p[2] = static_cast<std::uint8_t>(x + y);
      }
  }
  ImageView view() const {
    return ImageView{px.data(), h, w, 3, static_cast<std::ptrdiff_t>(w) * 3};
  }
};
}  // namespace

TEST_CASE("homography maps the crop rectangle's corners onto a perspective quad") {
  const Quad q = quad(10.5f, 20.f, 110.f, 25.f, 105.f, 60.f, 12.f, 52.f);
  const double w = 97, h = 35;
  const auto m = rect_to_quad(q, w, h);
  const double corners[4][2] = {{0, 0}, {w, 0}, {w, h}, {0, h}};
  for (int k = 0; k < 4; ++k) {
    double x, y;
    apply(m, corners[k][0], corners[k][1], x, y);
    CHECK(near(x, q[k].x) && near(y, q[k].y));
  }
}

TEST_CASE("homography of collinear corners stays finite (affine fallback)") {
  const Quad q = quad(0, 0, 10, 0, 20, 0, 30, 0);
  const auto m = rect_to_quad(q, 10, 10);
  for (double v : m) CHECK(std::isfinite(v));
}

TEST_CASE("homography needs a rectangle of at least 1 x 1, and then stays finite") {
  // Found by the fuzzer (rect_to_quad): a denormal width made 1 / w infinite, so the "finite
  // for finite input" map held inf and NaN.
  const Quad q = quad(0, 0, 10, 0, 10, 5, 0, 5);
  CHECK_THROWS(rect_to_quad(q, 1e-310, 5));
  CHECK_THROWS(rect_to_quad(q, 10, 0.5));
  CHECK_THROWS(rect_to_quad(q, std::nan(""), 5));
  const float big = std::numeric_limits<float>::max();
  for (double v : rect_to_quad(quad(-big, -big, big, -big, big, big, -big, big), 1, 1))
    CHECK(std::isfinite(v));
}

TEST_CASE("crop size follows PP-OCR: int of the longer side pair, rotation when tall") {
  CropSize cs = crop_size(quad(0, 0, 100, 0, 100, 30, 0, 30));
  CHECK(cs.width == 100 && cs.height == 30 && !cs.rotated);
  cs = crop_size(quad(0, 0, 20, 0, 20, 30, 0, 30));  // 30 / 20 = 1.5: rotated
  CHECK(cs.width == 30 && cs.height == 20 && cs.rotated);
  cs = crop_size(quad(0, 0, 20, 0, 20, 29.9f, 0, 29.9f));  // int(29.9) = 29 < 30
  CHECK(cs.width == 20 && cs.height == 29 && !cs.rotated);
  cs = crop_size(quad(0, 0, 3, 4, 3, 14, 0, 10));  // 3-4-5 sides
  CHECK(cs.width == 10 && cs.height == 5 && cs.rotated);
}

TEST_CASE("degenerate quads give an empty crop size") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(crop_size(quad(5, 5, 5, 5, 5, 5, 5, 5)).width == 0);
  CHECK(crop_size(quad(0, 0, 10, 0, 10, 0, 0, 0)).width == 0);  // zero height
  CHECK(crop_size(quad(nan, 0, 10, 0, 10, 5, 0, 5)).width == 0);
  CHECK(crop_size(quad(0, 0, inf, 0, 10, 5, 0, 5)).width == 0);
  const CropSize huge = crop_size(quad(0, 0, 3e38f, 0, 3e38f, 3e38f, 0, 3e38f));
  CHECK(huge.width == kMaxCropSide && huge.height == kMaxCropSide);
}

TEST_CASE("crop_image of an axis-aligned integer box copies the pixels; rotation and flip") {
  Gradient g(40, 60);
  std::vector<std::uint8_t> out(20 * 10 * 3);
  crop_image(g.view(), quad(5, 7, 25, 7, 25, 17, 5, 17), false, 1.5, out.data());
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 20; ++x) {
      CHECK(out[(y * 20 + x) * 3] == 5 + x);
      CHECK(out[(y * 20 + x) * 3 + 1] == 7 + y);
    }
  crop_image(g.view(), quad(5, 7, 25, 7, 25, 17, 5, 17), true, 1.5, out.data());  // 180 degrees
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 20; ++x) {
      CHECK(out[(y * 20 + x) * 3] == 5 + 19 - x);
      CHECK(out[(y * 20 + x) * 3 + 1] == 7 + 9 - y);
    }
  // A tall 10 x 20 box is rotated counter-clockwise (np.rot90): out(x, y) = crop(w-1-y, x).
  crop_image(g.view(), quad(5, 7, 15, 7, 15, 27, 5, 27), false, 1.5, out.data());
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 20; ++x) {
      CHECK(out[(y * 20 + x) * 3] == 5 + (9 - y));
      CHECK(out[(y * 20 + x) * 3 + 1] == 7 + x);
    }
}

TEST_CASE("crop_batch: constant image stays constant, padding is zero, widths follow PP-OCR") {
  std::vector<std::uint8_t> px(50 * 80 * 3, 200);
  ImageView img{px.data(), 50, 80, 3, 80 * 3};
  const Quad quads[3] = {quad(1.3f, 2.2f, 61.f, 4.f, 60.f, 24.5f, 2.f, 21.f),
                         quad(-100, -100, -50, -100, -50, -90, -100, -90),  // outside: replicated
                         quad(3, 3, 3, 3, 3, 3, 3, 3)};                     // nothing to crop
  CropBatchParams p;
  p.height = 48;
  p.width = 320;
  std::vector<float> out(3 * 3 * 48 * 320, -7.f);
  int widths[3];
  crop_batch(img, quads, 3, nullptr, p, out.data(), widths);
  CHECK(widths[0] == 142);  // a 59 x 20 crop: ceil(48 * 59 / 20)
  CHECK(widths[1] == 240 && widths[2] == 0);
  const float v = (200 / 255.f - 0.5f) / 0.5f;
  for (int i = 0; i < 3; ++i)
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 48; ++y)
        for (int x = 0; x < 320; ++x) {
          const float got = out[((i * 3 + c) * 48 + y) * 320 + x];
          CHECK(x < widths[i] ? std::fabs(got - v) < 1e-6f : got == 0.f);
        }
}

TEST_CASE("crop_batch survives NaN, self-intersecting and huge quads on tiny images") {
  std::vector<std::uint8_t> px = {1, 2, 3};
  ImageView img{px.data(), 1, 1, 3, 3};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Quad quads[4] = {quad(nan, 0, 5, 0, 5, 5, 0, 5), quad(0, 0, 10, 10, 10, 0, 0, 10),
                         quad(-1e30f, -1e30f, 1e30f, -1e30f, 1e30f, 1e30f, -1e30f, 1e30f),
                         quad(0, 0, 1e-30f, 0, 1e-30f, 1e-30f, 0, 1e-30f)};
  const bool flips[4] = {true, false, true, false};
  CropBatchParams p;
  p.height = 8;
  p.width = 16;
  p.keep_ratio = false;
  std::vector<float> out(4 * 3 * 8 * 16);
  int widths[4];
  crop_batch(img, quads, 4, flips, p, out.data(), widths);
  for (float v : out) CHECK(std::isfinite(v));
  CHECK(widths[0] == 0 && widths[1] == 16 && widths[2] == 16 && widths[3] == 0);
}
