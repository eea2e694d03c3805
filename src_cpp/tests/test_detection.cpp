#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "../core/geometry.hpp"
#include "test_framework.hpp"
#include "test_images.hpp"
#include "trtocr/detection.hpp"

using namespace trtocr;
using trtocr_test::random_image, trtocr_test::raw_pixels, trtocr_test::view;

namespace {

// A probability map with 0.9 inside the given axis-aligned boxes (x0, y0, x1, y1 inclusive).
std::vector<float> prob_map(int h, int w, const std::vector<std::array<int, 4>>& boxes) {
  std::vector<float> p(static_cast<std::size_t>(h) * w, 0.f);
  for (const auto& b : boxes)
    for (int y = b[1]; y <= b[3]; ++y)
      for (int x = b[0]; x <= b[2]; ++x) p[static_cast<std::size_t>(y) * w + x] = 0.9f;
  return p;
}

DetInputParams plain_params() {
  DetInputParams p;
  p.resize = {960, LimitType::Max};
  return p;
}

// The mapping of an h x w image fed to the detector as it is (no rescale, letterbox or resize).
DetMapping unresized_mapping(int h, int w) {
  DetMapping m;
  m.scale = plan_rescale(h, w, {});
  m.det_h = h, m.det_w = w, m.input_h = h, m.input_w = w;
  return m;
}

}  // namespace

TEST_CASE("option names: the accepted spellings and a clear error otherwise") {
  CHECK(limit_type_from("max") == LimitType::Max && limit_type_from("min") == LimitType::Min);
  CHECK(score_mode_from("slow") == ScoreMode::Slow && box_type_from("poly") == BoxType::Poly);
  CHECK_THROWS(limit_type_from("Max"));
  CHECK_THROWS(score_mode_from(""));
  CHECK_THROWS(box_type_from("polygon"));
}

TEST_CASE("rescale plan: RapidOCR's max/min side limits, sides rounded to 32 half to even") {
  ImageScale s = plan_rescale(1000, 3000, {2000, 30});
  // ratio 2/3: 666 -> 672 (20.8 -> 21), 2000 -> 1984 (62.5 -> 62)
  CHECK(s.rescaled && s.work_h == 672 && s.work_w == 1984);
  s = plan_rescale(20, 100, {2000, 30});  // short side 20 < 30: ratio 1.5 -> 30 x 150
  CHECK(s.rescaled && s.work_h == 32 && s.work_w == 160);
  s = plan_rescale(500, 700, {2000, 30});  // within both limits
  CHECK(!s.rescaled && s.work_h == 500 && s.work_w == 700);
  s = plan_rescale(5000, 5000, {0, 0});  // both off
  CHECK(!s.rescaled);
  CHECK_THROWS(plan_rescale(0, 10, {}));
  CHECK_THROWS(plan_rescale(1, 100000, {0, 1000}));  // 1000 x 1e8: far too large
}

TEST_CASE("to_source: float32 scale back, clipped to the source; identity without rescale") {
  const ImageScale s = plan_rescale(1000, 3000, {2000, 0});
  const Point p = s.to_source({1984.f, 10.f});
  CHECK(p.x == 3000.f);  // clipped to the source width
  CHECK(p.y == 10.f * static_cast<float>(1000.0 / 672));
  const ImageScale same = plan_rescale(10, 10, {});
  CHECK(same.to_source({3.5f, 4.25f}).x == 3.5f && same.to_source({3.5f, 4.25f}).y == 4.25f);
}

TEST_CASE("rescale_image: the uint8 values of the float resize, rounded (cv2.resize uint8)") {
  const int h = 37, w = 53;
  const auto px = random_image(h, w, 1);
  // Widths that are not multiples of 16 also reach the scalar tails of the vector passes.
  for (auto [oh, ow] : {std::pair{64, 96}, std::pair{32, 32}, std::pair{96, 160}, std::pair{45, 71},
                        std::pair{5, 7}, std::pair{20, 33}}) {
    ImageScale s;
    s.src_h = h, s.src_w = w, s.work_h = oh, s.work_w = ow, s.rescaled = true;
    std::vector<std::uint8_t> work(static_cast<std::size_t>(oh) * ow * 3);
    rescale_image(view(px, h, w), s, work.data());
    const Normalization identity = raw_pixels();
    std::vector<float> chw(static_cast<std::size_t>(3) * oh * ow);
    resize_normalize_chw(view(px, h, w), oh, ow, identity, chw.data());
    bool same = true;
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < oh * ow; ++i)
        same =
            same && work[static_cast<std::size_t>(i) * 3 + c] ==
                        static_cast<std::uint8_t>(std::clamp(
                            std::lrint(chw[static_cast<std::size_t>(c) * oh * ow + i]), 0L, 255L));
    CHECK(same);
  }
}

TEST_CASE("prepare_detection: without rescale or letterbox it is det resize + normalise") {
  const int h = 120, w = 200;
  const auto px = random_image(h, w, 2);
  const DetInputParams params = plain_params();
  const DetMapping m = plan_detection(h, w, params);
  CHECK(!m.scale.rescaled && m.pad == 0 && m.det_h == h && m.det_w == w);
  const DetInputShape shape = det_input_shape(h, w, params.resize);
  CHECK(m.input_h == shape.height && m.input_w == shape.width);
  std::vector<float> got(static_cast<std::size_t>(3) * m.input_h * m.input_w);
  std::vector<float> want(got.size());
  prepare_detection(view(px, h, w), params, m, got.data(), nullptr);
  resize_normalize_chw(view(px, h, w), m.input_h, m.input_w, params.norm, want.data());
  CHECK(got == want);
  CHECK_THROWS(prepare_detection(view(px, h - 1, w), params, m, got.data(), nullptr));
}

TEST_CASE("prepare_detection: letterbox pads thin images with black rows, rescale fills work") {
  const int h = 20, w = 400;
  const auto px = random_image(h, w, 3);
  DetInputParams params = plain_params();
  params.letterbox = {30, 8.0};
  params.rescale = {2000, 0};  // inactive: long side 400
  DetMapping m = plan_detection(h, w, params);
  // too thin and too wide: target = max(int(400 / 8), 30) * 2 = 100, pad = (100 - 20) // 2
  CHECK(m.pad == 40 && m.det_h == 100 && m.det_w == 400);
  std::vector<std::uint8_t> padded(static_cast<std::size_t>(100) * w * 3, 0);
  std::copy(px.begin(), px.end(), padded.begin() + static_cast<std::ptrdiff_t>(40) * w * 3);
  std::vector<float> got(static_cast<std::size_t>(3) * m.input_h * m.input_w);
  std::vector<float> want(got.size());
  prepare_detection(view(px, h, w), params, m, got.data(), nullptr);
  resize_normalize_chw(view(padded, 100, w), m.input_h, m.input_w, params.norm, want.data());
  CHECK(got == want);

  params.letterbox = {};
  params.rescale = {0, 64};  // short side 20 -> 64: a 64 x 1280 work image
  m = plan_detection(h, w, params);
  CHECK(m.scale.rescaled && m.scale.work_h == 64 && m.scale.work_w == 1280 && m.pad == 0);
  std::vector<std::uint8_t> work(static_cast<std::size_t>(64) * 1280 * 3), expect(work.size());
  got.resize(static_cast<std::size_t>(3) * m.input_h * m.input_w);
  want.resize(got.size());
  prepare_detection(view(px, h, w), params, m, got.data(), work.data());
  rescale_image(view(px, h, w), m.scale, expect.data());
  CHECK(work == expect);
  resize_normalize_chw(view(work, 64, 1280), m.input_h, m.input_w, params.norm, want.data());
  CHECK(got == want);
  CHECK_THROWS(prepare_detection(view(px, h, w), params, m, got.data(), nullptr));
}

TEST_CASE("prepare_detection: a work image the detector reads at its own size, as planes") {
  // 300 x 500 over a 256-pixel side limit: a 160 x 256 work image (multiples of 32), which the
  // detector's limit (max 960) keeps as it is. Its uint8 input is then the work image's pixels.
  const int h = 300, w = 500;
  const auto px = random_image(h, w, 6);
  DetInputParams params = plain_params();
  params.rescale = {256, 0};
  const DetMapping m = plan_detection(h, w, params);
  CHECK(m.scale.rescaled && m.pad == 0 && m.input_h == m.scale.work_h &&
        m.input_w == m.scale.work_w && m.input_w == 256);
  const std::size_t work_bytes = static_cast<std::size_t>(m.scale.work_h) * m.scale.work_w * 3;
  std::vector<std::uint8_t> work(work_bytes), tensor(work_bytes), expect_work(work_bytes);
  prepare_detection(view(px, h, w), params, m, tensor.data(), work.data());
  rescale_image(view(px, h, w), m.scale, expect_work.data());
  CHECK(work == expect_work);
  // What the resize passes make of the work image at its own size.
  const Normalization raw = raw_pixels();
  std::vector<float> passes(work_bytes);
  resize_normalize_chw(view(expect_work, m.scale.work_h, m.scale.work_w), m.input_h, m.input_w, raw,
                       passes.data());
  bool same = true;
  for (std::size_t i = 0; i < work_bytes; ++i)
    same = same && static_cast<float>(tensor[i]) == passes[i];
  CHECK(same);
}

TEST_CASE("finish_detection: db boxes in reading order, letterbox removed, mapped to source") {
  // Map = detector image (no resize): two lines, the right one slightly higher.
  const int mh = 96, mw = 160;
  const auto prob = prob_map(mh, mw, {{90, 38, 150, 50}, {10, 40, 70, 52}});
  DetMapping m = unresized_mapping(mh, mw);
  DBParams db;
  std::vector<TextRegion> raw = db_postprocess(prob.data(), mh, mw, mh, mw, db);
  std::vector<DetectedText> got = finish_detection(prob.data(), mh, mw, m, db);
  CHECK(raw.size() == 2 && got.size() == 2);
  CHECK(got[0].quad[0].x < got[1].quad[0].x);  // same line (|dy| < 10): left to right
  for (const DetectedText& d : got) {
    CHECK(d.box.size() == 4);
    for (int k = 0; k < 4; ++k) CHECK(d.box[k].x == d.quad[k].x && d.box[k].y == d.quad[k].y);
  }

  // The same map seen as a 16-row work image letterboxed by 40 rows, rescaled from 8 x 80.
  m.scale.src_h = 8, m.scale.src_w = 80, m.scale.work_h = 16, m.scale.rescaled = true;
  m.pad = 40;
  got = finish_detection(prob.data(), mh, mw, m, db);
  CHECK(got.size() == 2);
  for (const DetectedText& d : got)
    for (int k = 0; k < 4; ++k) {
      CHECK(d.quad[k].y >= 0.f && d.quad[k].y <= 15.f);
      const Point s = m.scale.to_source(d.quad[k]);
      CHECK(d.box[k].x == s.x && d.box[k].y == s.y);
      CHECK(s.x <= 80.f && s.y <= 8.f);
    }
  CHECK_THROWS(finish_detection(prob.data(), mh, mw, DetMapping{}, db));
}

// Found by fuzzing: scales and mappings not made by the planners were used as they came.
TEST_CASE("rescale_image: a work size the planner would refuse is rejected, not resized") {
  const auto px = random_image(4, 5, 4);
  ImageScale s;
  s.src_h = 4, s.src_w = 5, s.work_h = 0, s.work_w = 64, s.rescaled = true;
  std::vector<std::uint8_t> work(static_cast<std::size_t>(kMaxDetSide + 32) * 3);
  CHECK_THROWS(rescale_image(view(px, 4, 5), s, work.data()));
  s.work_h = -1;
  CHECK_THROWS(rescale_image(view(px, 4, 5), s, work.data()));
  s.work_h = 1, s.work_w = kMaxDetSide + 32;  // the buffer holds it: only the limit refuses
  CHECK_THROWS(rescale_image(view(px, 4, 5), s, work.data()));
}

TEST_CASE("prepare_detection: a mapping other than the plan is rejected") {
  const int h = 20, w = 400;
  const auto px = random_image(h, w, 5);
  DetInputParams params = plain_params();
  params.letterbox = {30, 8.0};
  const DetMapping letterboxed = plan_detection(h, w, params);
  CHECK(letterboxed.pad == 40);
  std::vector<float> tensor(static_cast<std::size_t>(3) * letterboxed.input_h *
                            (letterboxed.input_w + 32));
  // Planned with the letterbox, used without it (every buffer it names is large enough).
  CHECK_THROWS(
      prepare_detection(view(px, h, w), plain_params(), letterboxed, tensor.data(), nullptr));
  DetMapping wider = letterboxed;
  wider.input_w += 32;
  CHECK_THROWS(prepare_detection(view(px, h, w), params, wider, tensor.data(), nullptr));
}

TEST_CASE("finish_detection: inconsistent mappings are rejected, also when sizes overflow") {
  const int mh = 96, mw = 160;
  const auto prob = prob_map(mh, mw, {{90, 38, 150, 50}, {10, 40, 70, 52}});
  DetMapping m = unresized_mapping(mh, mw);
  DBParams db;
  CHECK(finish_detection(prob.data(), mh, mw, m, db).size() == 2);
  DetMapping smaller_source = m;  // not rescaled, yet the source is not the work image
  smaller_source.scale.src_h = 8, smaller_source.scale.src_w = 80;
  CHECK_THROWS(finish_detection(prob.data(), mh, mw, smaller_source, db));
  DetMapping negative_source = m;
  negative_source.scale.src_h = -5, negative_source.scale.rescaled = true;
  CHECK_THROWS(finish_detection(prob.data(), mh, mw, negative_source, db));
  DetMapping huge_pad = m;  // work_h + 2 * pad overflows int
  huge_pad.pad = std::numeric_limits<int>::max() - 10;
  CHECK_THROWS(finish_detection(prob.data(), mh, mw, huge_pad, db));
}

TEST_CASE("finish_detection: poly outlines keep their points and get their min-area quad") {
  const int mh = 80, mw = 120;
  const auto prob = prob_map(mh, mw, {{10, 20, 100, 40}});
  DetMapping m = unresized_mapping(mh, mw);
  DBParams db;
  db.box_type = BoxType::Poly;
  const std::vector<DetectedText> got = finish_detection(prob.data(), mh, mw, m, db);
  CHECK(got.size() == 1 && got[0].box.size() >= 4);
  std::vector<geom::DPoint> pts;
  for (const Point& p : got[0].box) pts.push_back({p.x, p.y});
  const auto q = geom::min_area_quad(pts.data(), pts.size());
  for (int k = 0; k < 4; ++k)
    CHECK(got[0].quad[k].x == static_cast<float>(q[k].x) &&
          got[0].quad[k].y == static_cast<float>(q[k].y));
}

TEST_CASE("min_area_quad: a rotated rectangle comes back, clockwise from top-left") {
  // A 40 x 10 rectangle rotated by 30 degrees, with extra points on its edges.
  const double a = 30.0 * 3.14159265358979323846 / 180.0, c = std::cos(a), s = std::sin(a);
  std::vector<geom::DPoint> pts;
  for (auto [u, v] : {std::pair{0.0, 0.0},
                      {40.0, 0.0},
                      {40.0, 10.0},
                      {0.0, 10.0},
                      {20.0, 0.0},
                      {40.0, 5.0},
                      {13.0, 10.0},
                      {10.0, 5.0}})
    pts.push_back({100 + u * c - v * s, 50 + u * s + v * c});
  const auto q = geom::min_area_quad(pts.data(), pts.size());
  const geom::DPoint want[4] = {{100, 50},
                                {100 + 40 * c, 50 + 40 * s},
                                {100 + 40 * c - 10 * s, 50 + 40 * s + 10 * c},
                                {100 - 10 * s, 50 + 10 * c}};
  // mini_box_order: sorted by x, the left pair's upper point first.
  const double side_a = std::hypot(q[1].x - q[0].x, q[1].y - q[0].y);
  const double side_b = std::hypot(q[3].x - q[0].x, q[3].y - q[0].y);
  CHECK(std::fabs(std::max(side_a, side_b) - 40) < 1e-9);
  CHECK(std::fabs(std::min(side_a, side_b) - 10) < 1e-9);
  for (const auto& w : want) {
    bool found = false;
    for (const auto& p : q)
      found = found || (std::fabs(p.x - w.x) < 1e-9 && std::fabs(p.y - w.y) < 1e-9);
    CHECK(found);
  }
  CHECK(q[0].y <= q[3].y && q[1].y <= q[2].y);
  // Fewer than three distinct points: their bounding box.
  const geom::DPoint two[3] = {{5, 7}, {1, 2}, {5, 7}};
  const auto b = geom::min_area_quad(two, 3);
  CHECK(b[0].x == 1 && b[0].y == 2 && b[1].x == 5 && b[1].y == 2 && b[2].x == 5 && b[2].y == 7 &&
        b[3].x == 1 && b[3].y == 7);
}

TEST_CASE("min_area_quad: collinear points give a zero-width rectangle along their line") {
  const geom::DPoint line[3] = {{212, 392}, {212, 393}, {212, 391}};
  const auto q = geom::min_area_quad(line, 3);
  CHECK(q[0].x == 212 && q[0].y == 391 && q[1].y == 393 && q[2].y == 393 && q[3].y == 391);
}

TEST_CASE("min_area_quad: a 45-degree square starts at the corner the numpy version chose") {
  // A detected outline whose min-area rectangle is a square at 45 degrees: two corners share
  // x = 322 up to the last bit, so the order follows the fma rounding of the rotations.
  const double p[][2] = {{321, 292}, {319, 294}, {319, 296}, {318, 297}, {318, 299}, {319, 300},
                         {319, 301}, {321, 303}, {323, 303}, {326, 300}, {326, 295}, {323, 292}};
  std::vector<geom::DPoint> pts;
  for (const auto& xy : p) pts.push_back({xy[0], xy[1]});
  const auto q = geom::min_area_quad(pts.data(), pts.size());
  const float want[4][2] = {{315.5f, 297.5f}, {322.f, 291.f}, {328.5f, 297.5f}, {322.f, 304.f}};
  for (int k = 0; k < 4; ++k)
    CHECK(static_cast<float>(q[k].x) == want[k][0] && static_cast<float>(q[k].y) == want[k][1]);
}
