#include "geometry.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <numeric>

#include "cpu_features.hpp"

namespace trtocr::geom {

namespace {

// Freeman chain directions in OpenCV's numbering (y grows downwards): 0 = east, then
// counter-clockwise on screen: 1 = north-east, 2 = north, ... 7 = south-east.
constexpr int kDx[8] = {1, 1, 0, -1, -1, -1, 0, 1};
constexpr int kDy[8] = {0, -1, -1, -1, 0, 1, 1, 1};

// Label values in the padded scratch image (Suzuki-Abe with a single border number, as OpenCV
// uses for RETR_LIST): 0 background, 1 unvisited foreground, 2 traced, -2 traced and its east
// neighbour is background (a hole border must not start there).
constexpr std::int8_t kTraced = 2;
constexpr std::int8_t kTracedRight = -2;

constexpr double kCvPi = 3.1415926535897932384626433832795;

// Follows one border starting at origin. hole selects the start direction (the known background
// neighbour is west of an outer border start and east of a hole border start).
void trace_border(std::int8_t* origin, int ox, int oy, bool hole, const std::ptrdiff_t* delta,
                  std::vector<IPoint>& pts) {
  int s_end = hole ? 0 : 4;
  int s = s_end;
  std::int8_t* last = nullptr;
  // Clockwise search for the neighbour the border arrives from (it closes the loop).
  do {
    s = (s - 1) & 7;
    last = origin + delta[s];
  } while (*last == 0 && s != s_end);

  if (s == s_end) {  // isolated pixel
    *origin = kTracedRight;
    pts.push_back({ox - 1, oy - 1});
    return;
  }

  std::int8_t* cur = origin;
  int prev_s = s ^ 4;
  int px = ox;
  int py = oy;
  for (;;) {
    s_end = s;
    std::int8_t* next = nullptr;
    // Counter-clockwise search for the next border pixel, starting after the one we came from.
    do {
      ++s;
      next = cur + delta[s];
    } while (*next == 0 && s < 15);
    s &= 7;
    // The search passed the east neighbour and found it background: mark as a right border.
    if (static_cast<unsigned>(s - 1) < static_cast<unsigned>(s_end)) {
      *cur = kTracedRight;
    } else if (*cur == 1) {
      *cur = kTraced;
    }
    // CHAIN_APPROX_SIMPLE: keep only the points where the chain direction changes.
    if (s != prev_s) {
      pts.push_back({px - 1, py - 1});
      prev_s = s;
    }
    px += kDx[s];
    py += kDy[s];
    if (next == origin && cur == last) break;
    cur = next;
    s = (s + 4) & 7;
  }
}

inline std::int64_t cross(const IPoint& o, const IPoint& a, const IPoint& b) {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

// Clipper's rounding: half away from zero.
inline std::int64_t clipper_round(double v) {
  return v < 0 ? static_cast<std::int64_t>(v - 0.5) : static_cast<std::int64_t>(v + 0.5);
}

// Clipper's signed area (positive for counter-clockwise in a y-up frame).
double clipper_area(const std::vector<IPoint>& p) {
  const std::size_t n = p.size();
  if (n < 3) return 0.0;
  double a = 0.0;
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    a += (static_cast<double>(p[j].x) + static_cast<double>(p[i].x)) *
         (static_cast<double>(p[j].y) - static_cast<double>(p[i].y));
  }
  return -a * 0.5;
}

DPoint unit_normal(const IPoint& a, const IPoint& b) {
  if (a == b) return {0.0, 0.0};
  double dx = static_cast<double>(b.x - a.x);
  double dy = static_cast<double>(b.y - a.y);
  const double f = 1.0 / std::sqrt(dx * dx + dy * dy);
  dx *= f;
  dy *= f;
  return {dy, -dx};
}

// cv::clipLine: clips segment a-b to [0, w-1] x [0, h-1] (integer Cohen-Sutherland, as OpenCV
// does it, truncating intersections); false when nothing is left.
bool clip_line(std::int64_t w, std::int64_t h, IPoint& a, IPoint& b) {
  if (w <= 0 || h <= 0) return false;
  const std::int64_t right = w - 1, bottom = h - 1;
  auto code = [&](const IPoint& p) {
    return (p.x < 0) + (p.x > right) * 2 + (p.y < 0) * 4 + (p.y > bottom) * 8;
  };
  int c1 = code(a), c2 = code(b);
  if ((c1 & c2) == 0 && (c1 | c2) != 0) {
    if (c1 & 12) {
      const std::int64_t t = c1 < 8 ? 0 : bottom;
      a.x += static_cast<std::int64_t>(static_cast<double>(t - a.y) * (b.x - a.x) / (b.y - a.y));
      a.y = t;
      c1 = (a.x < 0) + (a.x > right) * 2;
    }
    if (c2 & 12) {
      const std::int64_t t = c2 < 8 ? 0 : bottom;
      b.x += static_cast<std::int64_t>(static_cast<double>(t - b.y) * (b.x - a.x) / (b.y - a.y));
      b.y = t;
      c2 = (b.x < 0) + (b.x > right) * 2;
    }
    if ((c1 & c2) == 0 && (c1 | c2) != 0) {
      if (c1) {
        const std::int64_t t = c1 == 1 ? 0 : right;
        a.y += static_cast<std::int64_t>(static_cast<double>(t - a.x) * (b.y - a.y) / (b.x - a.x));
        a.x = t;
        c1 = 0;
      }
      if (c2) {
        const std::int64_t t = c2 == 1 ? 0 : right;
        b.y += static_cast<std::int64_t>(static_cast<double>(t - b.x) * (b.y - a.y) / (b.x - a.x));
        b.x = t;
        c2 = 0;
      }
    }
  }
  return (c1 | c2) == 0;
}

// One OpenCV LineIterator (8-connected, left to right) pass over the clipped segment.
void draw_line(std::uint8_t* mask, int mh, int mw, IPoint a, IPoint b) {
  if (!clip_line(mw, mh, a, b)) return;
  if (b.x < a.x) std::swap(a, b);
  std::int64_t dx = b.x - a.x;
  std::int64_t dy = b.y - a.y;
  const std::int64_t sy = dy < 0 ? -1 : 1;
  dy = dy < 0 ? -dy : dy;
  const bool y_major = dy > dx;
  const std::int64_t major = y_major ? dy : dx;
  const std::int64_t minor = y_major ? dx : dy;
  // Steps along the major axis every time, along the minor one when err was negative.
  const std::int64_t major_x = y_major ? 0 : 1, major_y = y_major ? sy : 0;
  const std::int64_t minor_x = y_major ? 1 : 0, minor_y = y_major ? 0 : sy;
  std::int64_t err = major - (minor + minor);
  const std::int64_t plus = major + major;
  const std::int64_t minus = -(minor + minor);
  std::int64_t x = a.x;
  std::int64_t y = a.y;
  for (std::int64_t i = 0; i <= major; ++i) {
    if (x >= 0 && x < mw && y >= 0 && y < mh) mask[y * mw + x] = 1;
    const bool neg = err < 0;
    err += minus + (neg ? plus : 0);
    x += major_x + (neg ? minor_x : 0);
    y += major_y + (neg ? minor_y : 0);
  }
}

#ifdef TRTOCR_X86_DISPATCH
// The first x from x whose byte differs from run, 64 bytes a step, or the first x whose 64
// bytes would pass end.
__attribute__((target("avx512f,avx512bw"))) int skip_run_avx512(const std::int8_t* row, int x,
                                                                int end, std::int8_t run) {
  const __m512i value = _mm512_set1_epi8(run);
  for (; x + 64 <= end; x += 64) {
    const __mmask64 differ = _mm512_cmpneq_epi8_mask(_mm512_loadu_si512(row + x), value);
    if (differ != 0) return x + static_cast<int>(__builtin_ctzll(differ));
  }
  return x;
}
#endif

}  // namespace

int skip_run(const std::int8_t* row, int x, int end, std::int8_t run) {
#ifdef TRTOCR_X86_DISPATCH
  if (cpu::has_avx512bw()) x = skip_run_avx512(row, x, end, run);
#endif
  const std::uint64_t pattern = 0x0101010101010101ull * static_cast<std::uint8_t>(run);
  std::uint64_t word;
  while (x + 8 <= end) {
    std::memcpy(&word, row + x, 8);
    if (word != pattern) break;
    x += 8;
  }
  return x;
}

void find_contours(std::vector<std::int8_t>& labels, int h, int w, ContourSet& out) {
  const std::ptrdiff_t step = static_cast<std::ptrdiff_t>(w) + 2;
  std::ptrdiff_t delta[16];
  for (int s = 0; s < 16; ++s) delta[s] = kDy[s & 7] * step + kDx[s & 7];

  // Collected in discovery order, emitted reversed (OpenCV prepends each new contour).
  ContourSet found;
  std::int8_t* img = labels.data();
  for (int y = 1; y <= h; ++y) {
    std::int8_t* row = img + y * step;
    int prev = row[0];
    for (int x = 1; x <= w + 1; ++x) {
      // Skip runs of background / untouched foreground a word at a time (rows are mostly one
      // or the other); the frame column keeps reads inside the row.
      if (prev == 0 || prev == 1) {
        x = skip_run(row, x, w + 2, static_cast<std::int8_t>(prev));
        if (x > w + 1) break;
      }
      int p = row[x];
      if (p == prev) continue;
      if (prev == 0 && p == 1) {
        trace_border(row + x, x, y, false, delta, found.points);
        found.offsets.push_back(found.points.size());
      } else if (p == 0 && prev >= 1) {
        trace_border(row + x - 1, x - 1, y, true, delta, found.points);
        found.offsets.push_back(found.points.size());
      }
      prev = row[x];  // tracing may have relabelled this pixel
    }
  }

  out.clear();
  out.points.reserve(found.points.size());
  out.offsets.reserve(found.offsets.size());
  for (std::size_t i = found.size(); i-- > 0;) {
    out.points.insert(out.points.end(), found.begin(i), found.begin(i) + found.count(i));
    out.offsets.push_back(out.points.size());
  }
}

namespace {

inline double cross(const DPoint& o, const DPoint& a, const DPoint& b) {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

// Andrew's monotone chain without collinear points, for integer or floating points: sorted by
// (x, y), duplicates removed, lower chain then upper chain. Returns the number of distinct
// points (with fewer than 3, hull is those points, sorted).
template <typename P>
std::size_t monotone_hull(const P* pts, std::size_t n, std::vector<P>& hull) {
  hull.assign(pts, pts + n);
  std::sort(hull.begin(), hull.end(),
            [](const P& a, const P& b) { return a.x < b.x || (a.x == b.x && a.y < b.y); });
  hull.erase(std::unique(hull.begin(), hull.end(),
                         [](const P& a, const P& b) { return a.x == b.x && a.y == b.y; }),
             hull.end());
  const std::size_t m = hull.size();
  if (m < 3) return m;
  // Written into a second buffer then swapped in.
  std::vector<P> h(2 * m);
  std::size_t k = 0;
  for (std::size_t i = 0; i < m; ++i) {
    while (k >= 2 && cross(h[k - 2], h[k - 1], hull[i]) <= 0) --k;
    h[k++] = hull[i];
  }
  for (std::size_t i = m - 1, t = k + 1; i-- > 0;) {
    while (k >= t && cross(h[k - 2], h[k - 1], hull[i]) <= 0) --k;
    h[k++] = hull[i];
  }
  h.resize(k - 1);
  hull.swap(h);
  return m;
}

}  // namespace

void convex_hull(const IPoint* pts, std::size_t n, std::vector<IPoint>& hull) {
  monotone_hull(pts, n, hull);
}

std::array<DPoint, 4> min_area_quad(const DPoint* pts, std::size_t n) {
  std::vector<DPoint> hull;
  if (monotone_hull(pts, n, hull) < 3) {  // their bounding box
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (const DPoint& p : hull) {
      x0 = std::min(x0, p.x);
      y0 = std::min(y0, p.y);
      x1 = std::max(x1, p.x);
      y1 = std::max(y1, p.y);
    }
    if (hull.empty()) x0 = y0 = x1 = y1 = 0.0;
    return {DPoint{x0, y0}, DPoint{x1, y0}, DPoint{x1, y1}, DPoint{x0, y1}};
  }
  // Three or more collinear points leave a two-point hull: a zero-width rectangle along it.
  const std::size_t m = hull.size();
  // Edge directions modulo 90 degrees (in [0, pi/2), like numpy's mod), each distinct one once.
  constexpr double kQuarter = 1.5707963267948966;
  std::vector<double> angles(m);
  for (std::size_t i = 0; i < m; ++i) {
    const DPoint& a = hull[i];
    const DPoint& b = hull[(i + 1) % m];
    double r = std::fmod(std::atan2(b.y - a.y, b.x - a.x), kQuarter);
    if (r < 0) r += kQuarter;
    angles[i] = r == 0.0 ? 0.0 : r;
  }
  std::sort(angles.begin(), angles.end());
  angles.erase(std::unique(angles.begin(), angles.end()), angles.end());
  double best_area = INFINITY;
  std::array<DPoint, 4> best{};
  for (double a : angles) {
    const double c = std::cos(a), s = std::sin(a);
    // The hull in a frame rotated by -a, where the candidate rectangle is axis-aligned. Each
    // dot product is rounded once after its first term (fma), as the earlier numpy version's
    // matmul computed it on FMA hardware: for squares at 45 degrees the corner order depends on
    // that last bit, and it keeps our boxes identical to that version's.
    double lx = INFINITY, ly = INFINITY, hx = -INFINITY, hy = -INFINITY;
    for (const DPoint& p : hull) {
      const double rx = std::fma(p.y, s, p.x * c);
      const double ry = std::fma(p.y, c, p.x * -s);
      lx = std::min(lx, rx);
      hx = std::max(hx, rx);
      ly = std::min(ly, ry);
      hy = std::max(hy, ry);
    }
    const double area = (hx - lx) * (hy - ly);
    // Equal areas (a right triangle fits two rectangles) go to the smaller angle; the margin
    // keeps last-bit differences of atan2/cos between math libraries from deciding.
    if (area < best_area) {
      best_area = area;
      auto back = [&](double x, double y) {
        return DPoint{std::fma(y, -s, x * c), std::fma(y, c, x * s)};
      };
      best = {back(lx, ly), back(hx, ly), back(hx, hy), back(lx, hy)};
    }
  }
  return mini_box_order(best);
}

namespace {

inline int sign_of(std::int64_t v) { return (v > 0) - (v < 0); }

// One monotone chain of OpenCV's Sklansky hull over the (x, y)-sorted points a[start..end]
// (either direction). nsign / sign2 select which side of the chain is kept. Returns the chain
// length; stack holds sorted-order indices.
int sklansky_chain(const IPoint* const* a, int start, int end, int* stack, int nsign, int sign2) {
  const int incr = end > start ? 1 : -1;
  int pprev = start, pcur = pprev + incr, pnext = pcur + incr;
  int size = 3;
  if (start == end || *a[start] == *a[end]) {
    stack[0] = start;
    return 1;
  }
  stack[0] = pprev;
  stack[1] = pcur;
  stack[2] = pnext;
  end += incr;  // one past the end
  while (pnext != end) {
    const std::int64_t cury = a[pcur]->y;
    const std::int64_t by = a[pnext]->y - cury;
    if (sign_of(by) != nsign) {
      const std::int64_t ax = a[pcur]->x - a[pprev]->x;
      const std::int64_t bx = a[pnext]->x - a[pcur]->x;
      const std::int64_t ay = cury - a[pprev]->y;
      const std::int64_t convexity = ay * bx - ax * by;
      if (sign_of(convexity) == sign2 && (ax != 0 || ay != 0)) {
        pprev = pcur;
        pcur = pnext;
        pnext += incr;
        stack[size++] = pnext;
      } else if (pprev == start) {
        pcur = pnext;
        stack[1] = pcur;
        pnext += incr;
        stack[2] = pnext;
      } else {
        stack[size - 2] = pnext;
        pcur = pprev;
        pprev = stack[size - 4];
        --size;
      }
    } else {
      pnext += incr;
      stack[size - 1] = pnext;
    }
  }
  return size - 1;
}

// cv::convexHull(points, clockwise=false) as OpenCV 4.6+/5 computes it: Sklansky chains over
// the (x, y)-sorted points, then a cyclic shift so that, when the hull's input indices run
// monotonically around, the hull starts at the smallest (ascending) or largest (descending)
// one. minAreaRect's tie-breaking, and so PP-OCR's boxes, depend on that start and direction.
void convex_hull_cv_order(const IPoint* pts, std::size_t n, MinAreaScratch& s) {
  std::vector<IPoint>& hull = s.hull;
  std::vector<int>& idx = s.index;
  hull.clear();
  idx.clear();
  if (n == 0) return;
  s.sorted.resize(n);
  for (std::size_t i = 0; i < n; ++i) s.sorted[i] = pts + i;
  std::sort(s.sorted.begin(), s.sorted.end(), [](const IPoint* a, const IPoint* b) {
    return a->x < b->x || (a->x == b->x && a->y < b->y);
  });
  const int total = static_cast<int>(n);
  int miny = 0, maxy = 0;
  for (int i = 1; i < total; ++i) {
    if (s.sorted[miny]->y > s.sorted[i]->y) miny = i;
    if (s.sorted[maxy]->y < s.sorted[i]->y) maxy = i;
  }
  const IPoint* const* a = s.sorted.data();
  auto emit = [&](int sorted_idx) { idx.push_back(static_cast<int>(a[sorted_idx] - pts)); };
  if (*a[0] == *a[total - 1]) {
    emit(0);
  } else {
    s.stack.assign(n + 2, 0);
    int* stack = s.stack.data();
    // upper part; counter-clockwise output takes the right chain first
    int* tr_stack = stack;
    const int tr_count = sklansky_chain(a, 0, maxy, tr_stack, -1, 1);
    int* tl_stack = stack + tr_count;
    const int tl_count = sklansky_chain(a, total - 1, maxy, tl_stack, -1, -1);
    for (int i = 0; i < tl_count - 1; ++i) emit(tl_stack[i]);
    for (int i = tr_count - 1; i > 0; --i) emit(tr_stack[i]);
    const int stop_idx = tr_count > 2 ? tr_stack[1] : tl_count > 2 ? tl_stack[tl_count - 2] : -1;
    // lower part
    int* bl_stack = stack;
    int bl_count = sklansky_chain(a, 0, miny, bl_stack, 1, -1);
    int* br_stack = stack + bl_count;
    int br_count = sklansky_chain(a, total - 1, miny, br_stack, 1, 1);
    if (stop_idx >= 0) {
      const int check_idx = bl_count > 2              ? bl_stack[1]
                            : bl_count + br_count > 2 ? br_stack[2 - bl_count]
                                                      : -1;
      if (check_idx == stop_idx || (check_idx >= 0 && *a[check_idx] == *a[stop_idx])) {
        // all points on one line: the lower part mirrors the upper one
        bl_count = std::min(bl_count, 2);
        br_count = std::min(br_count, 2);
      }
    }
    for (int i = 0; i < bl_count - 1; ++i) emit(bl_stack[i]);
    for (int i = br_count - 1; i > 0; --i) emit(br_stack[i]);

    const int nout = static_cast<int>(idx.size());
    if (nout >= 3) {
      int min_i = 0, max_i = 0, ascents = 0;
      for (int i = 1; i < nout; ++i) {
        ascents += idx[i - 1] < idx[i];
        if (ascents > 1 && ascents <= i - 2) break;  // neither ascending nor descending
        if (idx[i] < idx[min_i]) min_i = i;
        if (idx[i] > idx[max_i]) max_i = i;
      }
      const int gap = std::abs(max_i - min_i);
      if ((gap == 1 || gap == nout - 1) && (ascents <= 1 || ascents >= nout - 2)) {
        const bool ascending = (max_i + 1) % nout == min_i;
        const int i0 = ascending ? min_i : max_i;
        if (i0 > 0) {
          std::vector<int>& tmp = s.stack;
          tmp.resize(static_cast<std::size_t>(nout));
          int i = 0;
          for (int j = i0; i < nout; ++i) {
            tmp[i] = idx[j];
            const int next = j + 1 < nout ? j + 1 : 0;
            if (i < nout - 1 && ascending != (idx[j] < idx[next])) break;
            j = next;
          }
          if (i == nout) std::copy(tmp.begin(), tmp.begin() + nout, idx.begin());
        }
      }
    }
  }
  hull.reserve(idx.size());
  for (int i : idx) hull.push_back(pts[i]);
}

struct FPoint {
  float x, y;
};

// cv::RotatedRect::points (cv2.boxPoints) of OpenCV 5, in float as it computes them.
void rotated_rect_points(float cx, float cy, float w, float h, float angle_deg,
                         std::array<DPoint, 4>& out) {
  const double rad = static_cast<double>(angle_deg) * kCvPi / 180.0;
  const float b = static_cast<float>(std::cos(rad)) * 0.5f;
  const float a = static_cast<float>(std::sin(rad)) * 0.5f;
  const FPoint p[4] = {{cx - a * h - b * w, cy + b * h - a * w},
                       {cx + a * h - b * w, cy - b * h - a * w},
                       {cx + a * h + b * w, cy - b * h + a * w},
                       {cx - a * h + b * w, cy + b * h + a * w}};
  for (int i = 0; i < 4; ++i) out[i] = {p[i].x, p[i].y};
}

// RotatedRect from minAreaRect's corner/side vectors, with OpenCV's angle in [-90, 0).
void make_rotated_box(float cx, float cy, float w, float h, double angle_rad, RotatedBox& box) {
  double deg = angle_rad * 180.0 / kCvPi;
  if (deg == 90.0) {
    deg = -90.0;  // the same rectangle turned by 180 degrees
  } else {
    while (deg >= 0.0) {
      deg -= 90.0;
      std::swap(w, h);
    }
    while (deg < -90.0) {
      deg += 90.0;
      std::swap(w, h);
    }
  }
  rotated_rect_points(cx, cy, w, h, static_cast<float>(deg), box.corners);
  box.width = w;
  box.height = h;
}

// "v1 is clockwise of v2" in a y-up frame: (v1 turned by -90 degrees) . v2 < 0.
inline bool first_is_right(const FPoint& v1, const FPoint& v2) {
  return v1.y * v2.x + (-v1.x) * v2.y < 0;
}

// OpenCV's rotating calipers (CALIPERS_MINAREARECT) in float32, step for step, because
// PP-OCR truncates and floors the float corners it yields: matching its rounding noise is what
// makes our boxes land on the same pixels. Returns false for a degenerate (collinear) hull.
bool calipers_min_area(const std::vector<IPoint>& hull, std::vector<float>& scratch,
                       RotatedBox& box) {
  const int n = static_cast<int>(hull.size());
  scratch.resize(static_cast<std::size_t>(n) * 5);
  float* inv_len = scratch.data();
  FPoint* vect = reinterpret_cast<FPoint*>(scratch.data() + n);
  FPoint* pts = reinterpret_cast<FPoint*>(scratch.data() + 3 * n);
  for (int i = 0; i < n; ++i)
    pts[i] = {static_cast<float>(hull[i].x), static_cast<float>(hull[i].y)};

  int left = 0, bottom = 0, right = 0, top = 0;
  float left_x = pts[0].x, right_x = pts[0].x, top_y = pts[0].y, bottom_y = pts[0].y;
  for (int i = 0; i < n; ++i) {
    const FPoint p0 = pts[i];
    if (p0.x < left_x) left_x = p0.x, left = i;
    if (p0.x > right_x) right_x = p0.x, right = i;
    if (p0.y > top_y) top_y = p0.y, top = i;
    if (p0.y < bottom_y) bottom_y = p0.y, bottom = i;
    const FPoint p1 = pts[i + 1 < n ? i + 1 : 0];
    const double dx = p1.x - p0.x;
    const double dy = p1.y - p0.y;
    vect[i] = {static_cast<float>(dx), static_cast<float>(dy)};
    inv_len[i] = static_cast<float>(1. / std::sqrt(dx * dx + dy * dy));
  }
  float orientation = 0;
  {
    double ax = vect[n - 1].x, ay = vect[n - 1].y;
    for (int i = 0; i < n; ++i) {
      const double bx = vect[i].x, by = vect[i].y;
      const double convexity = ax * by - ay * bx;
      if (convexity != 0) {
        orientation = convexity > 0 ? 1.f : -1.f;
        break;
      }
      ax = bx;
      ay = by;
    }
  }
  if (orientation == 0) return false;

  float base_a = orientation, base_b = 0;
  int seq[4] = {bottom, right, top, left};
  float min_area = FLT_MAX;
  int best_left = 0, best_bottom = 0;
  float best_a = 0, best_b = 0, best_w = 0, best_h = 0;
  for (int k = 0; k < n; ++k) {
    // The caliper side making the smallest angle with its next hull edge, compared by
    // cross-product sign (OpenCV's fix for cosines that tie in float).
    const FPoint rot[4] = {vect[seq[0]],
                           {vect[seq[1]].y, -vect[seq[1]].x},
                           {-vect[seq[2]].x, -vect[seq[2]].y},
                           {-vect[seq[3]].y, vect[seq[3]].x}};
    int main = 0;
    for (int i = 1; i < 4; ++i)
      if (first_is_right(rot[i], rot[main])) main = i;

    const int pi = seq[main];
    const float lead_x = vect[pi].x * inv_len[pi];
    const float lead_y = vect[pi].y * inv_len[pi];
    switch (main) {
      case 0:
        base_a = lead_x, base_b = lead_y;
        break;
      case 1:
        base_a = lead_y, base_b = -lead_x;
        break;
      case 2:
        base_a = -lead_x, base_b = -lead_y;
        break;
      default:
        base_a = -lead_y, base_b = lead_x;
        break;
    }
    seq[main] = seq[main] + 1 == n ? 0 : seq[main] + 1;

    float dx = pts[seq[1]].x - pts[seq[3]].x;
    float dy = pts[seq[1]].y - pts[seq[3]].y;
    const float width = dx * base_a + dy * base_b;
    dx = pts[seq[2]].x - pts[seq[0]].x;
    dy = pts[seq[2]].y - pts[seq[0]].y;
    const float height = -dx * base_b + dy * base_a;
    const float area = width * height;
    if (area <= min_area) {  // later ties win, as in OpenCV
      min_area = area;
      best_left = seq[3];
      best_a = base_a;
      best_w = width;
      best_b = base_b;
      best_h = height;
      best_bottom = seq[0];
    }
  }
  const float a1 = best_a, b1 = best_b, a2 = -best_b, b2 = best_a;
  const float c1 = a1 * pts[best_left].x + pts[best_left].y * b1;
  const float c2 = a2 * pts[best_bottom].x + pts[best_bottom].y * b2;
  const float idet = 1.f / (a1 * b2 - a2 * b1);
  const FPoint corner{(c1 * b2 - c2 * b1) * idet, (a1 * c2 - a2 * c1) * idet};
  const FPoint v1{a1 * best_w, b1 * best_w};
  const FPoint v2{a2 * best_h, b2 * best_h};
  const float cx = corner.x + (v1.x + v2.x) * 0.5f;
  const float cy = corner.y + (v1.y + v2.y) * 0.5f;
  const float w = static_cast<float>(
      std::sqrt(static_cast<double>(v1.x) * v1.x + static_cast<double>(v1.y) * v1.y));
  const float h = static_cast<float>(
      std::sqrt(static_cast<double>(v2.x) * v2.x + static_cast<double>(v2.y) * v2.y));
  make_rotated_box(cx, cy, w, h, std::atan2(static_cast<double>(v1.y), v1.x), box);
  return true;
}

}  // namespace

RotatedBox min_area_rect(const IPoint* pts, std::size_t n, MinAreaScratch& s) {
  RotatedBox box;
  convex_hull_cv_order(pts, n, s);
  const std::size_t m = s.hull.size();
  if (m == 0) return box;
  if (m == 1) {
    const DPoint p{static_cast<double>(static_cast<float>(s.hull[0].x)),
                   static_cast<double>(static_cast<float>(s.hull[0].y))};
    box.corners = {p, p, p, p};
    return box;
  }
  if (m == 2) {
    const FPoint a{static_cast<float>(s.hull[0].x), static_cast<float>(s.hull[0].y)};
    const FPoint b{static_cast<float>(s.hull[1].x), static_cast<float>(s.hull[1].y)};
    const double dx = static_cast<double>(b.x) - a.x, dy = static_cast<double>(b.y) - a.y;
    const float w = static_cast<float>(std::sqrt(dx * dx + dy * dy));
    make_rotated_box((a.x + b.x) * 0.5f, (a.y + b.y) * 0.5f, w, 0.f, std::atan2(dy, dx), box);
    return box;
  }
  if (calipers_min_area(s.hull, s.floats, box)) return box;
  // Collinear hull (OpenCV would assert): fall back to the exact edge search.
  return min_area_rect_exact(s.hull.data(), s.hull.size(), s.exact_hull);
}

RotatedBox min_area_rect_exact(const IPoint* pts, std::size_t n, std::vector<IPoint>& hull) {
  RotatedBox box;
  convex_hull(pts, n, hull);
  const std::size_t m = hull.size();
  if (m == 0) return box;
  if (m == 1) {
    const DPoint p{static_cast<double>(hull[0].x), static_cast<double>(hull[0].y)};
    box.corners = {p, p, p, p};
    return box;
  }
  if (m == 2) {
    const DPoint a{static_cast<double>(hull[0].x), static_cast<double>(hull[0].y)};
    const DPoint b{static_cast<double>(hull[1].x), static_cast<double>(hull[1].y)};
    box.corners = {a, b, b, a};
    box.width = std::hypot(b.x - a.x, b.y - a.y);
    return box;
  }
  // The minimal rectangle has a side on a hull edge: try each edge (hulls of text blobs are
  // small, so the quadratic scan is cheaper than caliper bookkeeping).
  double best_area = INFINITY;
  std::size_t best_edge = 0;
  double best[4] = {0, 0, 0, 0};  // min/max along the edge, min/max across it (unnormalised)
  for (std::size_t i = 0; i < m; ++i) {
    const IPoint& o = hull[i];
    const IPoint& nx = hull[(i + 1) % m];
    const double ex = static_cast<double>(nx.x - o.x);
    const double ey = static_cast<double>(nx.y - o.y);
    double amin = 0, amax = 0, bmin = 0, bmax = 0;
    for (std::size_t j = 0; j < m; ++j) {
      const double px = static_cast<double>(hull[j].x - o.x);
      const double py = static_cast<double>(hull[j].y - o.y);
      const double a = px * ex + py * ey;
      const double b = ex * py - ey * px;
      amin = std::min(amin, a);
      amax = std::max(amax, a);
      bmin = std::min(bmin, b);
      bmax = std::max(bmax, b);
    }
    const double area = (amax - amin) * (bmax - bmin) / (ex * ex + ey * ey);
    if (area < best_area) {
      best_area = area;
      best_edge = i;
      best[0] = amin;
      best[1] = amax;
      best[2] = bmin;
      best[3] = bmax;
    }
  }
  const IPoint& o = hull[best_edge];
  const IPoint& nx = hull[(best_edge + 1) % m];
  const double ex = static_cast<double>(nx.x - o.x);
  const double ey = static_cast<double>(nx.y - o.y);
  const double len = std::sqrt(ex * ex + ey * ey);
  const double ux = ex / len, uy = ey / len;  // along the edge
  const double vx = -uy, vy = ux;             // across it
  auto corner = [&](double a, double b) {
    a /= len;
    b /= len;
    return DPoint{static_cast<double>(o.x) + ux * a + vx * b,
                  static_cast<double>(o.y) + uy * a + vy * b};
  };
  box.corners = {corner(best[0], best[2]), corner(best[1], best[2]), corner(best[1], best[3]),
                 corner(best[0], best[3])};
  box.width = (best[1] - best[0]) / len;
  box.height = (best[3] - best[2]) / len;
  return box;
}

std::array<DPoint, 4> mini_box_order(const std::array<DPoint, 4>& c) {
  std::array<int, 4> idx{0, 1, 2, 3};
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return c[a].x < c[b].x; });
  const DPoint* p[4] = {&c[idx[0]], &c[idx[1]], &c[idx[2]], &c[idx[3]]};
  const bool left_swap = !(p[1]->y > p[0]->y);
  const bool right_swap = !(p[3]->y > p[2]->y);
  return {*p[left_swap ? 1 : 0], *p[right_swap ? 3 : 2], *p[right_swap ? 2 : 3],
          *p[left_swap ? 0 : 1]};
}

void offset_round_raw(const std::vector<IPoint>& path, double delta, std::vector<IPoint>& out) {
  out.clear();
  if (path.empty() || !(delta > 0.0) || !std::isfinite(delta)) return;
  // Strip the closing duplicate and consecutive duplicates (ClipperOffset::AddPath).
  std::size_t high = path.size() - 1;
  while (high > 0 && path[0] == path[high]) --high;
  std::vector<IPoint> src;
  src.reserve(high + 1);
  src.push_back(path[0]);
  for (std::size_t i = 1; i <= high; ++i)
    if (src.back() != path[i]) src.push_back(path[i]);
  if (src.size() < 3) return;
  // FixOrientations: offsetting outwards needs Clipper's positive orientation.
  if (!(clipper_area(src) >= 0.0)) std::reverse(src.begin(), src.end());

  constexpr double kPi = 3.141592653589793238;
  constexpr double kArcTolerance = 0.25;
  const double tol = kArcTolerance > delta * kArcTolerance ? delta * kArcTolerance : kArcTolerance;
  double steps = kPi / std::acos(1.0 - tol / delta);
  if (steps > delta * kPi) steps = delta * kPi;
  const double sin_step = std::sin(2.0 * kPi / steps);
  const double cos_step = std::cos(2.0 * kPi / steps);
  const double steps_per_rad = steps / (2.0 * kPi);

  const std::size_t n = src.size();
  std::vector<DPoint> normals(n);
  for (std::size_t j = 0; j + 1 < n; ++j) normals[j] = unit_normal(src[j], src[j + 1]);
  normals[n - 1] = unit_normal(src[n - 1], src[0]);

  auto push = [&](const IPoint& p, const DPoint& nrm) {
    out.push_back({clipper_round(static_cast<double>(p.x) + nrm.x * delta),
                   clipper_round(static_cast<double>(p.y) + nrm.y * delta)});
  };
  std::size_t k = n - 1;
  for (std::size_t j = 0; j < n; ++j) {
    const DPoint& nk = normals[k];
    const DPoint& nj = normals[j];
    double sin_a = nk.x * nj.y - nj.x * nk.y;
    const double cos_a = nk.x * nj.x + nj.y * nk.y;
    if (std::fabs(sin_a * delta) < 1.0) {
      if (cos_a > 0) {  // almost straight: one point, and k deliberately stays (as Clipper)
        push(src[j], nk);
        continue;
      }
    } else if (sin_a > 1.0) {
      sin_a = 1.0;
    } else if (sin_a < -1.0) {
      sin_a = -1.0;
    }
    if (sin_a * delta < 0) {  // concave vertex: go through the vertex itself
      push(src[j], nk);
      out.push_back(src[j]);
      push(src[j], nj);
    } else {  // convex vertex: round join
      const double a = std::atan2(sin_a, cos_a);
      const int arc_steps =
          std::max(static_cast<int>(clipper_round(steps_per_rad * std::fabs(a))), 1);
      double x = nk.x, y = nk.y;
      for (int i = 0; i < arc_steps; ++i) {
        push(src[j], {x, y});
        const double x2 = x;
        x = x * cos_step - sin_step * y;
        y = x2 * sin_step + y * cos_step;
      }
      push(src[j], nj);
    }
    k = j;
  }
}

double polygon_area(const DPoint* p, std::size_t n) {
  if (n < 3) return 0.0;
  double a = 0.0;
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) a += p[j].x * p[i].y - p[i].x * p[j].y;
  return std::fabs(a) * 0.5;
}

double polygon_perimeter(const DPoint* p, std::size_t n) {
  if (n < 2) return 0.0;
  double len = 0.0;
  for (std::size_t i = 0, j = n - 1; i < n; j = i++)
    len += std::hypot(p[i].x - p[j].x, p[i].y - p[j].y);
  return len;
}

double arc_length_closed(const IPoint* p, std::size_t n) {
  if (n < 2) return 0.0;
  // float segment lengths summed in double, as cv::arcLength
  double len = 0.0;
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    const float dx = static_cast<float>(p[i].x) - static_cast<float>(p[j].x);
    const float dy = static_cast<float>(p[i].y) - static_cast<float>(p[j].y);
    len += std::sqrt(dx * dx + dy * dy);
  }
  return len;
}

void approx_poly_dp_closed(const IPoint* src, std::size_t n, double epsilon,
                           std::vector<IPoint>& out) {
  out.clear();
  if (n == 0) return;
  // A NaN epsilon fails every comparison below, so no range would ever be kept: treat it as 0.
  const double eps2 = epsilon == epsilon ? epsilon * epsilon : 0.0;
  // Seed: walk to the farthest point three times, so the split uses a (roughly) farthest pair.
  std::size_t start = 0;
  std::size_t far = 0;
  double max_d = 0.0;
  for (int iter = 0; iter < 3; ++iter) {
    start = (start + far) % n;
    far = 0;
    max_d = 0.0;
    for (std::size_t j = 1; j < n; ++j) {
      const IPoint& q = src[(start + j) % n];
      const double dx = static_cast<double>(q.x - src[start].x);
      const double dy = static_cast<double>(q.y - src[start].y);
      const double d = dx * dx + dy * dy;
      if (d > max_d) {
        max_d = d;
        far = j;
      }
    }
  }
  if (max_d <= eps2) {
    out.push_back(src[start]);
    return;
  }
  // Each range [a, b] (indices modulo n, walking forward) is kept as the chord a-b or split at
  // the point farthest from it. A stack keeps the output in contour order.
  struct Range {
    std::size_t a, b;
  };
  std::vector<Range> stack;
  const std::size_t mid = (start + far) % n;
  stack.push_back({mid, start});
  stack.push_back({start, mid});
  std::vector<IPoint> kept;
  while (!stack.empty()) {
    const Range r = stack.back();
    stack.pop_back();
    const IPoint& a = src[r.a];
    const IPoint& b = src[r.b];
    std::size_t pos = (r.a + 1) % n;
    bool keep_chord = true;
    std::size_t split = r.a;
    if (pos != r.b) {
      const double dx = static_cast<double>(b.x - a.x);
      const double dy = static_cast<double>(b.y - a.y);
      double best = 0.0;
      for (; pos != r.b; pos = (pos + 1) % n) {
        const double d = std::fabs(static_cast<double>(src[pos].y - a.y) * dx -
                                   static_cast<double>(src[pos].x - a.x) * dy);
        if (d > best) {
          best = d;
          split = pos;
        }
      }
      // With no point off the chord the split would be r.a itself and never shrink the range.
      keep_chord = best == 0.0 || best * best <= eps2 * (dx * dx + dy * dy);
    }
    if (keep_chord) {
      kept.push_back(a);
    } else {
      stack.push_back({split, r.b});
      stack.push_back({r.a, split});
    }
  }
  // Final pass (as OpenCV, in place): drop points lying almost on the line through their
  // neighbours; a dropped point makes its successor the next chord start.
  std::size_t count = kept.size();
  std::size_t left = count;
  if (count > 2) {
    std::size_t pos = count - 1;
    IPoint start_pt = kept[pos];
    pos = 0;
    std::size_t wpos = pos;
    IPoint pt = kept[pos];
    pos = 1 % count;
    for (std::size_t i = 0; i < count && left > 2; ++i) {
      const IPoint end_pt = kept[pos];
      pos = (pos + 1) % count;
      const double dx = static_cast<double>(end_pt.x - start_pt.x);
      const double dy = static_cast<double>(end_pt.y - start_pt.y);
      const double d = std::fabs(static_cast<double>(pt.x - start_pt.x) * dy -
                                 static_cast<double>(pt.y - start_pt.y) * dx);
      const double inner =
          static_cast<double>(pt.x - start_pt.x) * static_cast<double>(end_pt.x - pt.x) +
          static_cast<double>(pt.y - start_pt.y) * static_cast<double>(end_pt.y - pt.y);
      if (d * d <= 0.5 * eps2 * (dx * dx + dy * dy) && dx != 0 && dy != 0 && inner >= 0) {
        --left;
        kept[wpos] = start_pt = end_pt;
        wpos = (wpos + 1) % count;
        pt = kept[pos];
        pos = (pos + 1) % count;
        ++i;
        continue;
      }
      kept[wpos] = start_pt = pt;
      wpos = (wpos + 1) % count;
      pt = end_pt;
    }
  }
  out.assign(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(left));
}

void fill_poly(std::uint8_t* mask, int mh, int mw, const IPoint* pts, std::size_t n) {
  if (n == 0 || mh <= 0 || mw <= 0) return;
  for (std::size_t i = 0; i < n; ++i) draw_line(mask, mh, mw, pts[i == 0 ? n - 1 : i - 1], pts[i]);

  // Even-odd scanline fill in 16.16 fixed point, spans [ceil(x_left), floor(x_right)].
  constexpr int kShift = 16;
  struct Edge {
    std::int64_t y0, y1, x, dx;
  };
  Edge edges_small[16];
  std::vector<Edge> edges_big;
  Edge* edges = edges_small;
  if (n > 16) {
    edges_big.resize(n);
    edges = edges_big.data();
  }
  std::size_t ne = 0;
  std::int64_t ymin = INT64_MAX, ymax = INT64_MIN;
  for (std::size_t i = 0; i < n; ++i) {
    const IPoint& p0 = pts[i == 0 ? n - 1 : i - 1];
    const IPoint& p1 = pts[i];
    if (p0.y == p1.y) continue;
    Edge e;
    const std::int64_t dx = ((p1.x - p0.x) * (std::int64_t{1} << kShift)) / (p1.y - p0.y);
    if (p0.y < p1.y) {
      e = {p0.y, p1.y, p0.x * (std::int64_t{1} << kShift), dx};
    } else {
      e = {p1.y, p0.y, p1.x * (std::int64_t{1} << kShift), dx};
    }
    ymin = std::min(ymin, e.y0);
    ymax = std::max(ymax, e.y1);
    edges[ne++] = e;
  }
  if (ne < 2) return;
  std::int64_t xs_small[16];
  std::vector<std::int64_t> xs_big;
  std::int64_t* xs = xs_small;
  if (ne > 16) {
    xs_big.resize(ne);
    xs = xs_big.data();
  }
  const std::int64_t y_begin = std::max<std::int64_t>(ymin, 0);
  const std::int64_t y_end = std::min<std::int64_t>(ymax, mh);
  for (std::int64_t y = y_begin; y < y_end; ++y) {
    std::size_t nx = 0;
    for (std::size_t i = 0; i < ne; ++i)
      if (edges[i].y0 <= y && y < edges[i].y1)
        xs[nx++] = edges[i].x + (y - edges[i].y0) * edges[i].dx;
    std::sort(xs, xs + nx);
    std::uint8_t* row = mask + y * mw;
    for (std::size_t i = 0; i + 1 < nx; i += 2) {
      // Arithmetic shifts round towards -inf for negative coordinates too.
      std::int64_t x1 = (xs[i] + (std::int64_t{1} << kShift) - 1) >> kShift;
      std::int64_t x2 = xs[i + 1] >> kShift;
      if (x1 >= mw || x2 < 0) continue;
      x1 = std::max<std::int64_t>(x1, 0);
      x2 = std::min<std::int64_t>(x2, mw - 1);
      for (std::int64_t x = x1; x <= x2; ++x) row[x] = 1;
    }
  }
}

}  // namespace trtocr::geom
