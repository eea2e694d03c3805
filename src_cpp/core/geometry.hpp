// Private planar-geometry helpers for DB post-processing. Each one reproduces the semantics of
// the OpenCV / Clipper routine PP-OCR calls (named beside it), so our boxes match PP-OCR's.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace trtocr::geom {

struct IPoint {
  std::int64_t x = 0;
  std::int64_t y = 0;
  bool operator==(const IPoint& o) const { return x == o.x && y == o.y; }
  bool operator!=(const IPoint& o) const { return !(*this == o); }
};

struct DPoint {
  double x = 0.0;
  double y = 0.0;
};

// All contours of one bitmap, stored flat: contour i is points[offsets[i] .. offsets[i + 1]).
struct ContourSet {
  std::vector<IPoint> points;
  std::vector<std::size_t> offsets{0};

  std::size_t size() const { return offsets.size() - 1; }
  const IPoint* begin(std::size_t i) const { return points.data() + offsets[i]; }
  std::size_t count(std::size_t i) const { return offsets[i + 1] - offsets[i]; }
  void clear() {
    points.clear();
    offsets.assign(1, 0);
  }
};

// cv::findContours(RETR_LIST, CHAIN_APPROX_SIMPLE): Suzuki-Abe border following, outer borders
// (8-connected foreground) and hole borders (4-connected background), in OpenCV's output order
// (the reverse of discovery order).
// labels: (h + 2) x (w + 2) row-major, a one-pixel 0 frame around the bitmap, foreground 1,
// background 0. It is used as scratch (border pixels get marked). Points are bitmap coordinates.
void find_contours(std::vector<std::int8_t>& labels, int h, int w, ContourSet& out);

// find_contours' scan over a run of equal bytes: steps x (< end) over bytes equal to run, whole
// words at a time (64 bytes with AVX-512, then 8); returns where a word holding a different byte
// starts, or where fewer than 8 bytes are left before end. Reads only row[x, end).
int skip_run(const std::int8_t* row, int x, int end, std::int8_t run);

// Convex hull (Andrew's monotone chain) without collinear points; hull is overwritten. Used by
// min_area_rect_exact, where the vertex order does not matter.
void convex_hull(const IPoint* pts, std::size_t n, std::vector<IPoint>& hull);

// A rotated rectangle: corners go around it; width/height are its side lengths.
struct RotatedBox {
  std::array<DPoint, 4> corners;
  double width = 0.0;
  double height = 0.0;
  double short_side() const { return width < height ? width : height; }
};
struct MinAreaScratch {
  std::vector<const IPoint*> sorted;
  std::vector<int> stack;
  std::vector<IPoint> hull;
  std::vector<int> index;
  std::vector<float> floats;
  std::vector<IPoint> exact_hull;
};
// cv2.boxPoints(cv2.minAreaRect(pts)) as OpenCV 5 computes it: its hull (start vertex and
// direction included), its float32 rotating calipers, angle range [-90, 0) and corner formula.
// PP-OCR floors/truncates these float corners, so reproducing their rounding noise is what puts
// our boxes on exactly PP-OCR's pixels.
RotatedBox min_area_rect(const IPoint* pts, std::size_t n, MinAreaScratch& scratch);
// The same rectangle computed exactly in double (any corner order).
RotatedBox min_area_rect_exact(const IPoint* pts, std::size_t n, std::vector<IPoint>& hull);

// The minimum-area rectangle around a floating-point polygon (any vertex order): its convex hull
// is rotated onto each distinct edge direction (angle modulo 90 degrees, smallest first) and the
// first smallest bounding box wins. Corners in mini_box_order; fewer than 3 distinct points give
// their axis-aligned bounding box (top-left, top-right, bottom-right, bottom-left).
std::array<DPoint, 4> min_area_quad(const DPoint* pts, std::size_t n);

// PP-OCR's get_mini_boxes corner order applied to a rectangle's corners (sort by x, then pick
// top/bottom of each side by y): [top-left, top-right, bottom-right, bottom-left].
std::array<DPoint, 4> mini_box_order(const std::array<DPoint, 4>& corners);

// pyclipper.PyclipperOffset(JT_ROUND, ET_CLOSEDPOLYGON).Execute(delta) before its final union:
// the raw offset ring (Clipper 6 DoOffset/DoRound with the default 0.25 arc tolerance), after
// Clipper's duplicate stripping and orientation fix. Empty when the path is degenerate.
void offset_round_raw(const std::vector<IPoint>& path, double delta, std::vector<IPoint>& out);

// Shoelace area (absolute) and perimeter of a closed polygon.
double polygon_area(const DPoint* pts, std::size_t n);
double polygon_perimeter(const DPoint* pts, std::size_t n);

// cv::arcLength(closed) and cv::approxPolyDP(closed) (Douglas-Peucker seeded by a farthest pair).
double arc_length_closed(const IPoint* pts, std::size_t n);
void approx_poly_dp_closed(const IPoint* pts, std::size_t n, double epsilon,
                           std::vector<IPoint>& out);

// cv::fillPoly(mask, [pts], 1) with LINE_8, shift 0: Bresenham edges + even-odd scanline fill.
// mask is mh x mw, zeroed by the caller; pixels outside it are clipped.
void fill_poly(std::uint8_t* mask, int mh, int mw, const IPoint* pts, std::size_t n);

}  // namespace trtocr::geom
