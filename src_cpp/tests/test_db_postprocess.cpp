#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../core/geometry.hpp"
#include "test_framework.hpp"
#include "trtocr/db_postprocess.hpp"
#include "trtocr/half_float.hpp"

using namespace trtocr;
using geom::IPoint;

namespace {

// A bitmap from rows of '#' / '.' as a zero-framed label image.
std::vector<std::int8_t> labels_from(const std::vector<const char*>& rows, int& h, int& w) {
  h = static_cast<int>(rows.size());
  w = static_cast<int>(std::string(rows[0]).size());
  std::vector<std::int8_t> l(static_cast<std::size_t>(h + 2) * (w + 2), 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) l[(y + 1) * (w + 2) + x + 1] = rows[y][x] == '#';
  return l;
}

std::vector<IPoint> contour(const geom::ContourSet& cs, std::size_t i) {
  return {cs.begin(i), cs.begin(i) + cs.count(i)};
}

bool near(double a, double b, double tol = 1e-9) { return std::fabs(a - b) <= tol; }

// A small seeded generator (a linear congruential one): the random-map tests stay reproducible.
struct Lcg {
  std::uint32_t state;
  std::uint32_t operator()() {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  }
};

}  // namespace

TEST_CASE("contours: rectangle keeps only its corners (CHAIN_APPROX_SIMPLE)") {
  int h, w;
  auto l = labels_from({".....", ".###.", ".###.", "....."}, h, w);
  geom::ContourSet cs;
  geom::find_contours(l, h, w, cs);
  CHECK(cs.size() == 1);
  // cv2 gives [[1,1],[1,2],[3,2],[3,1]] for this bitmap.
  CHECK(contour(cs, 0) == (std::vector<IPoint>{{1, 1}, {1, 2}, {3, 2}, {3, 1}}));
}

TEST_CASE("contours: holes are listed, newest first, and image borders are foreground") {
  int h, w;
  // cv2.findContours(RETR_LIST) on this gives: hole [[4,7],[5,6],[6,7],[5,8]], then the lower
  // blob [[2,6],[2,8],[9,8],[9,6]], then the upper one [[1,1],[1,2],[3,2],[3,1]].
  auto l =
      labels_from({"............", ".###........", ".###........", "............", "............",
                   "............", "..########..", "..###.####..", "..########..", "............"},
                  h, w);
  geom::ContourSet cs;
  geom::find_contours(l, h, w, cs);
  CHECK(cs.size() == 3);
  CHECK(contour(cs, 0) == (std::vector<IPoint>{{4, 7}, {5, 6}, {6, 7}, {5, 8}}));
  CHECK(contour(cs, 1) == (std::vector<IPoint>{{2, 6}, {2, 8}, {9, 8}, {9, 6}}));
  CHECK(contour(cs, 2) == (std::vector<IPoint>{{1, 1}, {1, 2}, {3, 2}, {3, 1}}));

  auto full = labels_from({"###", "###"}, h, w);
  geom::find_contours(full, h, w, cs);
  CHECK(cs.size() == 1);
  CHECK(contour(cs, 0) == (std::vector<IPoint>{{0, 0}, {0, 1}, {2, 1}, {2, 0}}));
}

TEST_CASE("contours: isolated pixel and diagonal chain") {
  int h, w;
  auto l = labels_from({"#...", ".#..", "...#"}, h, w);
  geom::ContourSet cs;
  geom::find_contours(l, h, w, cs);
  CHECK(cs.size() == 2);  // the diagonal pair is 8-connected
  CHECK(contour(cs, 0) == (std::vector<IPoint>{{3, 2}}));
  CHECK(contour(cs, 1) == (std::vector<IPoint>{{0, 0}, {1, 1}}));
}

TEST_CASE("min-area rect of an axis-aligned and of a rotated rectangle") {
  std::vector<IPoint> hull;
  std::vector<IPoint> pts{{0, 0}, {10, 0}, {10, 4}, {0, 4}, {5, 2}};
  geom::MinAreaScratch ms;
  auto r = geom::min_area_rect(pts.data(), pts.size(), ms);
  CHECK(near(r.width * r.height, 40.0, 1e-4));
  CHECK(near(r.short_side(), 4.0, 1e-5));
  // a 45-degree square of side sqrt(2)*3
  std::vector<IPoint> diamond{{3, 0}, {6, 3}, {3, 6}, {0, 3}};
  r = geom::min_area_rect(diamond.data(), diamond.size(), ms);
  CHECK(near(r.width * r.height, 18.0, 1e-4));
  const auto o = geom::mini_box_order(r.corners);
  CHECK(near(o[0].x, 0, 1e-4) || near(o[0].y, 0, 1e-4));  // a left-most / top corner
  CHECK(near(o[2].x, 6, 1e-4) || near(o[2].y, 6, 1e-4));
}

TEST_CASE("round offset of a rectangle matches pyclipper") {
  // pyclipper.PyclipperOffset: AddPath([(0,0),(10,0),(10,5),(0,5)], JT_ROUND,
  // ET_CLOSEDPOLYGON).Execute(1.0) -> [[11,0],[11,5],[10,6],[0,6],[-1,5],[-1,0],[0,-1],[10,-1]]
  std::vector<IPoint> ring;
  geom::offset_round_raw({{0, 0}, {10, 0}, {10, 5}, {0, 5}}, 1.0, ring);
  std::vector<IPoint> expected{{11, 0}, {11, 5}, {10, 6}, {0, 6},
                               {-1, 5}, {-1, 0}, {0, -1}, {10, -1}};
  CHECK(ring.size() == expected.size());
  for (const auto& p : expected) {
    bool found = false;
    for (const auto& q : ring) found = found || q == p;
    CHECK(found);
  }
  // Orientation does not matter; degenerate paths give nothing.
  std::vector<IPoint> ring2;
  geom::offset_round_raw({{0, 5}, {10, 5}, {10, 0}, {0, 0}}, 1.0, ring2);
  CHECK(ring2.size() == ring.size());
  geom::offset_round_raw({{0, 0}, {0, 0}, {4, 0}}, 1.0, ring2);
  CHECK(ring2.empty());
}

TEST_CASE("fillPoly rasterisation includes the outline, as cv2 does") {
  std::vector<std::uint8_t> mask(5 * 5, 0);
  std::vector<IPoint> sq{{1, 1}, {3, 1}, {3, 3}, {1, 3}};
  geom::fill_poly(mask.data(), 5, 5, sq.data(), sq.size());
  int count = 0;
  for (auto v : mask) count += v;
  CHECK(count == 9);
  CHECK(mask[0] == 0 && mask[1 * 5 + 1] == 1 && mask[3 * 5 + 3] == 1 && mask[4 * 5 + 4] == 0);
}

TEST_CASE("db_postprocess: one rectangle -> one grown box") {
  std::vector<float> prob(64 * 64, 0.f);
  for (int y = 20; y < 30; ++y)
    for (int x = 10; x < 50; ++x) prob[y * 64 + x] = 0.9f;
  auto regions = db_postprocess(prob.data(), 64, 64, 128, 128, DBParams{});
  CHECK(regions.size() == 1);
  CHECK(regions[0].points.size() == 4);
  CHECK(near(regions[0].score, 0.9, 1e-6));
  // bitmap rect x 10..49, y 20..29 grown by area*1.5/perimeter = 39*9*1.5/96 ~ 5.48 px
  const auto& p = regions[0].points;
  CHECK(p[0].x < 20.f && p[0].y < 40.f && p[2].x > 98.f && p[2].y > 58.f);
}

TEST_CASE("db_postprocess: rejects bad parameters and non-finite maps") {
  std::vector<float> prob(16, 0.f);
  DBParams p;
  CHECK_THROWS(db_postprocess(prob.data(), 0, 4, 10, 10, p));
  CHECK_THROWS(db_postprocess(prob.data(), 4, 4, 0, 10, p));
  p.thresh = 2.f;
  CHECK_THROWS(db_postprocess(prob.data(), 4, 4, 10, 10, p));
  p = DBParams{};
  prob[5] = std::nanf("");
  CHECK_THROWS(db_postprocess(prob.data(), 4, 4, 10, 10, p));
}

TEST_CASE("reading_order: lines top to bottom, left to right within a line") {
  auto quad = [](float x, float y) {
    return Quad{Point{x, y}, Point{x + 10, y}, Point{x + 10, y + 5}, Point{x, y + 5}};
  };
  std::vector<Quad> q{quad(50, 12), quad(0, 30), quad(10, 10), quad(0, 14)};
  auto order = reading_order(q);
  // sorted by y: 2, 0, 3, 1; then 3 bubbles left past 0 and 2 (within 10 px, further left)
  CHECK(order == (std::vector<std::size_t>{3, 2, 0, 1}));
}

TEST_CASE("db_postprocess: random maps in every mode stay inside the image") {
  // Exercises contour tracing, offsets and rasterisation on awkward shapes (run it under the
  // Sanitize build).
  Lcg next{12345};
  for (int iter = 0; iter < 300; ++iter) {
    const int h = 1 + static_cast<int>(next() % 40);
    const int w = 1 + static_cast<int>(next() % 40);
    std::vector<float> prob(static_cast<std::size_t>(h) * w, 0.f);
    const int blobs = static_cast<int>(next() % 6);
    for (int b = 0; b < blobs; ++b) {
      const int y0 = static_cast<int>(next() % h), x0 = static_cast<int>(next() % w);
      const int y1 = std::min(h, y0 + 1 + static_cast<int>(next() % 12));
      const int x1 = std::min(w, x0 + 1 + static_cast<int>(next() % 20));
      const float v = static_cast<float>(next() % 1000) / 1000.f;
      for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) prob[y * w + x] = v;
    }
    if (iter % 3 == 0)  // speckle noise
      for (auto& v : prob) v = (next() % 3 == 0) ? 0.95f : v;
    DBParams p;
    p.box_thresh = static_cast<float>(next() % 70) / 100.f;
    p.use_dilation = iter % 2 == 0;
    p.score_mode = iter % 4 < 2 ? ScoreMode::Fast : ScoreMode::Slow;
    p.box_type = iter % 5 == 0 ? BoxType::Poly : BoxType::Quad;
    p.min_size = static_cast<int>(next() % 4);
    const int src_h = 1 + static_cast<int>(next() % 3000);
    const int src_w = 1 + static_cast<int>(next() % 3000);
    const auto regions = db_postprocess(prob.data(), h, w, src_h, src_w, p);
    for (const auto& r : regions) {
      CHECK(r.points.size() >= (p.box_type == BoxType::Quad ? 4u : 3u));
      for (const auto& pt : r.points) {
        CHECK(pt.x >= 0.f && pt.x <= static_cast<float>(src_w - 1));
        CHECK(pt.y >= 0.f && pt.y <= static_cast<float>(src_h - 1));
      }
      CHECK(r.score >= p.box_thresh);
    }
  }
}

TEST_CASE("approxPolyDP: a NaN epsilon acts as 0 instead of splitting ranges forever") {
  // Found by the fuzzer (geom_approx_poly_dp_closed): collinear or repeated points with a NaN
  // epsilon never kept a range, so the loop grew its stack without end.
  const std::vector<IPoint> line{{0, 0}, {1, 1}, {2, 2}, {3, 3}};
  const std::vector<IPoint> same(5, IPoint{4, 7});
  std::vector<IPoint> got, want;
  for (const auto* pts : {&line, &same}) {
    geom::approx_poly_dp_closed(pts->data(), pts->size(), std::nan(""), got);
    geom::approx_poly_dp_closed(pts->data(), pts->size(), 0.0, want);
    CHECK(got == want);
    CHECK(!got.empty() && got.size() <= pts->size());
  }
}

TEST_CASE("db_postprocess: a binary16 map gives the results of its float32 widening") {
  Lcg next{777};
  for (int iter = 0; iter < 120; ++iter) {
    const int h = 8 + static_cast<int>(next() % 60);
    const int w = 8 + static_cast<int>(next() % 90);
    std::vector<std::uint16_t> half(static_cast<std::size_t>(h) * w, 0);
    for (int b = 0; b < 5; ++b) {
      const int y0 = static_cast<int>(next() % h), x0 = static_cast<int>(next() % w);
      const int y1 = std::min(h, y0 + 2 + static_cast<int>(next() % 12));
      const int x1 = std::min(w, x0 + 2 + static_cast<int>(next() % 40));
      for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x)  // 0.25 .. 1.0, different in every pixel
          half[static_cast<std::size_t>(y) * w + x] =
              static_cast<std::uint16_t>(0x3400 + next() % (0x3C00 - 0x3400));
    }
    std::vector<float> widened(half.size());
    half_to_float(half.data(), half.size(), widened.data());
    DBParams p;
    p.use_dilation = iter % 2 == 0;
    p.score_mode = iter % 4 < 2 ? ScoreMode::Fast : ScoreMode::Slow;
    p.box_type = iter % 3 == 0 ? BoxType::Poly : BoxType::Quad;
    p.box_thresh = 0.5f;
    const auto want = db_postprocess(widened.data(), h, w, 2 * h, 2 * w, p);
    const auto got = db_postprocess(half.data(), h, w, 2 * h, 2 * w, p);
    CHECK(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].score == want[i].score && got[i].points.size() == want[i].points.size());
      for (std::size_t k = 0; k < got[i].points.size(); ++k)
        CHECK(got[i].points[k].x == want[i].points[k].x &&
              got[i].points[k].y == want[i].points[k].y);
    }
  }
}

TEST_CASE("db_postprocess: a binary16 map's threshold is its widening's, for every kind of value") {
  // Negative values, -0, subnormals and the patterns next to the threshold itself: the bit-pattern
  // threshold of a binary16 map must mark exactly the pixels the widened values mark.
  Lcg next{4242};
  for (const float thresh : {0.3f, 0.5f, 0.f, 0.2998047f}) {
    const std::uint16_t at = largest_half_not_above(thresh);
    const std::uint16_t kinds[] = {0x8000, static_cast<std::uint16_t>(0x8000 | 0x3c00),
                                   0x0000, 0x0001,
                                   0x03ff, static_cast<std::uint16_t>(at == 0 ? 0 : at - 1),
                                   at,     static_cast<std::uint16_t>(at + 1),
                                   0x3bff};
    for (int iter = 0; iter < 20; ++iter) {
      const int h = 10 + static_cast<int>(next() % 40), w = 10 + static_cast<int>(next() % 60);
      std::vector<std::uint16_t> half(static_cast<std::size_t>(h) * w);
      for (auto& v : half) v = kinds[next() % (sizeof(kinds) / sizeof(kinds[0]))];
      // and a few solid blocks above the threshold, so that there are regions to report
      for (int b = 0; b < 3; ++b) {
        const int y0 = static_cast<int>(next() % h), x0 = static_cast<int>(next() % w);
        for (int y = y0; y < std::min(h, y0 + 6); ++y)
          for (int x = x0; x < std::min(w, x0 + 20); ++x)
            half[static_cast<std::size_t>(y) * w + x] = 0x3b00;
      }
      std::vector<float> widened(half.size());
      half_to_float(half.data(), half.size(), widened.data());
      DBParams p;
      p.thresh = thresh;
      p.box_thresh = 0.f;
      p.min_size = 1;
      p.use_dilation = iter % 2 == 0;
      p.score_mode = iter % 4 < 2 ? ScoreMode::Fast : ScoreMode::Slow;
      const auto want = db_postprocess(widened.data(), h, w, h, w, p);
      const auto got = db_postprocess(half.data(), h, w, h, w, p);
      CHECK(!want.empty());
      CHECK(got.size() == want.size());
      for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
        CHECK(got[i].score == want[i].score && got[i].points.size() == want[i].points.size());
        for (std::size_t k = 0; k < std::min(got[i].points.size(), want[i].points.size()); ++k)
          CHECK(got[i].points[k].x == want[i].points[k].x &&
                got[i].points[k].y == want[i].points[k].y);
      }
    }
  }
}

TEST_CASE("contours: the scan skips exactly the bytes of a run") {
  // Rows of runs of every length around the 8- and 64-byte steps; the skip must stop at or before
  // the first different byte, within a word of it, and never read past end.
  Lcg next{99};
  for (int iter = 0; iter < 3000; ++iter) {
    const int end = 1 + static_cast<int>(next() % 300);
    const auto run = static_cast<std::int8_t>(iter % 3 == 2 ? 2 : iter % 2);
    std::vector<std::int8_t> row(static_cast<std::size_t>(end), run);  // exactly end bytes
    const int from = static_cast<int>(next() % end);
    int differs = end;
    if (iter % 5 != 0) {
      differs = from + static_cast<int>(next() % (end - from));
      row[differs] = static_cast<std::int8_t>(run == 0 ? 1 : 0);
      for (int x = differs + 1; x < end; ++x)
        if (next() % 2) row[x] = static_cast<std::int8_t>(next() % 3);
    }
    const int x = geom::skip_run(row.data(), from, end, run);
    CHECK(x >= from && x <= differs);
    CHECK(differs == end ? x + 8 > end : (x + 8 > end || x + 8 > differs));
  }
}

TEST_CASE("db_postprocess: a binary16 map with one NaN or inf anywhere is refused") {
  Lcg next{31};
  for (int iter = 0; iter < 200; ++iter) {
    const int h = 1 + static_cast<int>(next() % 9), w = 1 + static_cast<int>(next() % 140);
    std::vector<std::uint16_t> half(static_cast<std::size_t>(h) * w, 0x3400);
    DBParams p;
    CHECK(db_postprocess(half.data(), h, w, h, w, p).size() <= 1);
    const std::uint16_t bad[] = {0x7c00, 0xfc00, 0x7e00, 0x7c01, 0xffff};
    const std::size_t at = iter % 4 == 0 ? half.size() - 1 : next() % half.size();
    half[at] = bad[next() % 5];
    CHECK_THROWS(db_postprocess(half.data(), h, w, h, w, p));
  }
}
