#include "geometry.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

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

// One OpenCV LineIterator (8-connected, left to right) pass, plotting pixels inside the mask.
void draw_line(std::uint8_t* mask, int mh, int mw, IPoint a, IPoint b) {
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

}  // namespace

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

void convex_hull(const IPoint* pts, std::size_t n, std::vector<IPoint>& hull) {
  hull.assign(pts, pts + n);
  std::sort(hull.begin(), hull.end(),
            [](const IPoint& a, const IPoint& b) { return a.x < b.x || (a.x == b.x && a.y < b.y); });
  hull.erase(std::unique(hull.begin(), hull.end()), hull.end());
  const std::size_t m = hull.size();
  if (m < 3) return;
  // Andrew's monotone chain, written into a second buffer then swapped in.
  std::vector<IPoint> h(2 * m);
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
}

RotatedBox min_area_rect(const IPoint* pts, std::size_t n, std::vector<IPoint>& hull) {
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
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) len += std::hypot(p[i].x - p[j].x, p[i].y - p[j].y);
  return len;
}

double arc_length_closed(const IPoint* p, std::size_t n) {
  if (n < 2) return 0.0;
  double len = 0.0;
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    const double dx = static_cast<double>(p[i].x - p[j].x);
    const double dy = static_cast<double>(p[i].y - p[j].y);
    len += std::sqrt(dx * dx + dy * dy);
  }
  return len;
}

void approx_poly_dp_closed(const IPoint* src, std::size_t n, double epsilon,
                           std::vector<IPoint>& out) {
  out.clear();
  if (n == 0) return;
  const double eps2 = epsilon * epsilon;
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
      keep_chord = best * best <= eps2 * (dx * dx + dy * dy);
    }
    if (keep_chord) {
      kept.push_back(a);
    } else {
      stack.push_back({split, r.b});
      stack.push_back({r.a, split});
    }
  }
  // Final pass (as OpenCV): drop points lying almost on the line through their neighbours.
  const std::size_t m = kept.size();
  if (m <= 2) {
    out = kept;
    return;
  }
  std::vector<bool> drop(m, false);
  std::size_t remaining = m;
  std::size_t prev = m - 1;
  for (std::size_t i = 0; i < m && remaining > 2; ++i) {
    const IPoint& p0 = kept[prev];
    const IPoint& p1 = kept[i];
    const IPoint& p2 = kept[(i + 1) % m];
    const double dx = static_cast<double>(p2.x - p0.x);
    const double dy = static_cast<double>(p2.y - p0.y);
    const double d = std::fabs(static_cast<double>(p1.x - p0.x) * dy -
                               static_cast<double>(p1.y - p0.y) * dx);
    const double inner = static_cast<double>(p1.x - p0.x) * static_cast<double>(p2.x - p1.x) +
                         static_cast<double>(p1.y - p0.y) * static_cast<double>(p2.y - p1.y);
    if (d * d <= 0.5 * eps2 * (dx * dx + dy * dy) && dx != 0 && dy != 0 && inner >= 0) {
      drop[i] = true;
      --remaining;
    } else {
      prev = i;
    }
  }
  for (std::size_t i = 0; i < m; ++i)
    if (!drop[i]) out.push_back(kept[i]);
}

void fill_poly(std::uint8_t* mask, int mh, int mw, const IPoint* pts, std::size_t n) {
  if (n == 0 || mh <= 0 || mw <= 0) return;
  for (std::size_t i = 0; i < n; ++i) draw_line(mask, mh, mw, pts[i == 0 ? n - 1 : i - 1], pts[i]);

  // Even-odd scanline fill in 16.16 fixed point, spans [floor(x_left), floor(x_right)].
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
      // Arithmetic shift floors negative coordinates, as OpenCV's does.
      std::int64_t x1 = xs[i] >> kShift;
      std::int64_t x2 = xs[i + 1] >> kShift;
      if (x1 >= mw || x2 < 0) continue;
      x1 = std::max<std::int64_t>(x1, 0);
      x2 = std::min<std::int64_t>(x2, mw - 1);
      for (std::int64_t x = x1; x <= x2; ++x) row[x] = 1;
    }
  }
}

}  // namespace trtocr::geom
