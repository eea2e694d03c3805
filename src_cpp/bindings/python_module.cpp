// The only file that knows about Python: turns the trtocr core into trt_ocr._core.
// Pattern for every entry point: validate + take buffer pointers with the GIL held,
// release the GIL for the work, build numpy results (owned via capsules) with it held again.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <limits>
#include <string>
#include <vector>

#include "trtocr/ctc.hpp"
#include "trtocr/db_postprocess.hpp"
#include "trtocr/det_preprocess.hpp"

namespace py = pybind11;
using namespace trtocr;

namespace {

template <typename T>
using CArray = py::array_t<T, py::array::c_style>;

// Moves a std::vector into a numpy array without copying its data.
template <typename T>
py::array_t<T> vector_to_numpy(std::vector<T>&& values, std::vector<py::ssize_t> shape) {
  auto* owned = new std::vector<T>(std::move(values));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(shape, owned->data(), free_when_done);
}

// Checks dtype/contiguity without converting: a silent copy on the hot path is a bug.
template <typename T>
CArray<T> as_c_array(const py::handle& obj, const char* name, int ndim) {
  if (!py::isinstance<py::array>(obj))
    throw py::value_error(std::string(name) + ": expected a numpy array");
  auto arr = py::reinterpret_borrow<py::array>(obj);
  if (!arr.dtype().is(py::dtype::of<T>()))
    throw py::value_error(std::string(name) + ": expected dtype " +
                          std::string(py::str(py::dtype::of<T>())) + ", got " +
                          std::string(py::str(arr.dtype())));
  if (ndim >= 0 && arr.ndim() != ndim)
    throw py::value_error(std::string(name) + ": expected " + std::to_string(ndim) +
                          " dimensions, got " + std::to_string(arr.ndim()));
  if (!(arr.flags() & py::array::c_style))
    throw py::value_error(std::string(name) + ": array must be C-contiguous");
  return py::reinterpret_borrow<CArray<T>>(arr);
}

// A detector output [H, W], [1, H, W] or [1, 1, H, W] (a batch of one), without copying.
CArray<float> as_prob_map(const py::handle& obj, int& h, int& w) {
  if (!py::isinstance<py::array>(obj)) throw py::value_error("prob: expected a numpy array");
  const auto nd = py::reinterpret_borrow<py::array>(obj).ndim();
  if (nd < 2 || nd > 4)
    throw py::value_error("prob: expected shape [H, W], [1, H, W] or [1, 1, H, W], got " +
                          std::to_string(nd) + " dimensions");
  auto arr = as_c_array<float>(obj, "prob", static_cast<int>(nd));
  for (py::ssize_t i = 0; i + 2 < nd; ++i)
    if (arr.shape(i) != 1)
      throw py::value_error("prob: leading dimensions must be 1 (one image per call)");
  const py::ssize_t hh = arr.shape(nd - 2), ww = arr.shape(nd - 1);
  if (hh <= 0 || ww <= 0) throw py::value_error("prob: the map is empty");
  if (hh > std::numeric_limits<int>::max() / 2 || ww > std::numeric_limits<int>::max() / 2)
    throw py::value_error("prob: the map is too large");
  h = static_cast<int>(hh);
  w = static_cast<int>(ww);
  return arr;
}

// A Python integer (or numpy integer) in [lo, hi]: out of range, however large, is a ValueError;
// a non-integer is a TypeError.
int as_int(const py::handle& obj, const char* name, long long lo, long long hi) {
  if (!PyIndex_Check(obj.ptr()) || PyBool_Check(obj.ptr()))
    throw py::type_error(std::string(name) + ": expected an int");
  const auto index = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
  if (!index) throw py::error_already_set();
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
  if (overflow != 0 || v < lo || v > hi)
    throw py::value_error(std::string(name) + " must be in [" + std::to_string(lo) + ", " +
                          std::to_string(hi) + "], got " + std::string(py::str(obj)));
  return static_cast<int>(v);
}

LimitType parse_limit_type(const std::string& s) {
  if (s == "max") return LimitType::Max;
  if (s == "min") return LimitType::Min;
  throw py::value_error("limit_type must be 'max' or 'min', got '" + s + "'");
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "trt-ocr C++ core: pre/post-processing around the PP-OCR networks";
#ifdef TRTOCR_VERSION
  m.attr("__version__") = TRTOCR_VERSION;
#endif

  py::class_<CTCDecoder>(m, "CTCDecoder")
      .def(py::init([](std::vector<std::string> characters) {
             return CTCDecoder(std::move(characters));
           }),
           py::arg("characters"))
      .def_property_readonly("num_classes", &CTCDecoder::num_classes)
      .def(
          "decode",
          [](const CTCDecoder& self, const py::handle& probs_obj, bool return_steps) {
            auto probs = as_c_array<float>(probs_obj, "probs", 3);
            const auto n = static_cast<std::size_t>(probs.shape(0));
            const auto t = static_cast<std::size_t>(probs.shape(1));
            const auto c = static_cast<std::size_t>(probs.shape(2));
            const float* data = probs.data();
            std::vector<DecodedText> decoded;
            {
              py::gil_scoped_release release;
              decoded = self.decode(data, n, t, c, return_steps);
            }
            py::list out;
            for (auto& d : decoded) {
              if (return_steps)
                out.append(py::make_tuple(d.text, d.score,
                                          vector_to_numpy(std::move(d.steps),
                                                          {static_cast<py::ssize_t>(d.steps.size())})));
              else
                out.append(py::make_tuple(d.text, d.score));
            }
            return out;
          },
          py::arg("probs"), py::arg("return_steps") = false);

  m.def(
      "decide_orientation",
      [](const py::handle& probs_obj, int label_180, float thresh) {
        auto probs = as_c_array<float>(probs_obj, "probs", 2);
        const auto n = static_cast<std::size_t>(probs.shape(0));
        const auto k = static_cast<std::size_t>(probs.shape(1));
        const float* data = probs.data();
        std::vector<OrientationDecision> d;
        {
          py::gil_scoped_release release;
          d = decide_orientation(data, n, k, label_180, thresh);
        }
        std::vector<std::int32_t> labels(n);
        std::vector<float> scores(n);
        std::vector<bool> flips(n);
        for (std::size_t i = 0; i < n; ++i) {
          labels[i] = d[i].label;
          scores[i] = d[i].score;
          flips[i] = d[i].flip;
        }
        py::array_t<bool> flip_arr(static_cast<py::ssize_t>(n));
        for (std::size_t i = 0; i < n; ++i) flip_arr.mutable_at(i) = flips[i];
        return py::make_tuple(vector_to_numpy(std::move(labels), {static_cast<py::ssize_t>(n)}),
                              vector_to_numpy(std::move(scores), {static_cast<py::ssize_t>(n)}),
                              flip_arr);
      },
      py::arg("probs"), py::arg("label_180") = 1, py::arg("thresh") = 0.9f);

  m.def(
      "db_postprocess",
      [](const py::handle& prob_obj, const py::handle& src_h, const py::handle& src_w, float thresh,
         float box_thresh, const py::handle& max_candidates, float unclip_ratio, bool use_dilation,
         const std::string& score_mode, const std::string& box_type,
         const py::handle& min_size) -> py::tuple {
        constexpr long long kIntMax = std::numeric_limits<int>::max();
        int h = 0, w = 0;
        auto prob = as_prob_map(prob_obj, h, w);
        DBParams p;
        p.thresh = thresh;
        p.box_thresh = box_thresh;
        p.max_candidates = as_int(max_candidates, "max_candidates", 0, kIntMax);
        p.unclip_ratio = unclip_ratio;
        p.use_dilation = use_dilation;
        p.min_size = as_int(min_size, "min_size", 0, 1000000);
        if (score_mode == "fast")
          p.score_mode = ScoreMode::Fast;
        else if (score_mode == "slow")
          p.score_mode = ScoreMode::Slow;
        else
          throw py::value_error("score_mode must be 'fast' or 'slow', got '" + score_mode + "'");
        if (box_type == "quad")
          p.box_type = BoxType::Quad;
        else if (box_type == "poly")
          p.box_type = BoxType::Poly;
        else
          throw py::value_error("box_type must be 'quad' or 'poly', got '" + box_type + "'");
        const int sh = as_int(src_h, "src_h", 1, kIntMax);
        const int sw = as_int(src_w, "src_w", 1, kIntMax);
        const float* data = prob.data();
        std::vector<TextRegion> regions;
        {
          py::gil_scoped_release release;
          regions = db_postprocess(data, h, w, sh, sw, p);
        }
        const auto n = static_cast<py::ssize_t>(regions.size());
        std::vector<float> scores(regions.size());
        for (std::size_t i = 0; i < regions.size(); ++i) scores[i] = regions[i].score;
        auto score_arr = vector_to_numpy(std::move(scores), {n});
        if (p.box_type == BoxType::Quad) {
          std::vector<float> flat(regions.size() * 8);
          for (std::size_t i = 0; i < regions.size(); ++i)
            for (std::size_t k = 0; k < 4; ++k) {
              flat[i * 8 + k * 2] = regions[i].points[k].x;
              flat[i * 8 + k * 2 + 1] = regions[i].points[k].y;
            }
          return py::make_tuple(vector_to_numpy(std::move(flat), {n, 4, 2}), score_arr);
        }
        py::list polys;
        for (auto& r : regions) {
          const auto k = static_cast<py::ssize_t>(r.points.size());
          std::vector<float> flat(r.points.size() * 2);
          for (std::size_t i = 0; i < r.points.size(); ++i) {
            flat[i * 2] = r.points[i].x;
            flat[i * 2 + 1] = r.points[i].y;
          }
          polys.append(vector_to_numpy(std::move(flat), {k, 2}));
        }
        return py::make_tuple(polys, score_arr);
      },
      py::arg("prob"), py::arg("src_h"), py::arg("src_w"), py::kw_only(), py::arg("thresh") = 0.3f,
      py::arg("box_thresh") = 0.6f, py::arg("max_candidates") = 1000,
      py::arg("unclip_ratio") = 1.5f, py::arg("use_dilation") = false,
      py::arg("score_mode") = "fast", py::arg("box_type") = "quad", py::arg("min_size") = 3,
      "DB post-processing (PP-OCR semantics): probability map -> (boxes, scores) in the source "
      "image's coordinates. prob: float32 C-contiguous [H, W], [1, H, W] or [1, 1, H, W]. "
      "Ranges: thresh [0, 1), box_thresh [0, 1], unclip_ratio (0, 100], max_candidates >= 0, "
      "min_size [0, 1e6], src sizes [1, 2**31 - 1]. Raises ValueError on bad input, including "
      "NaN/inf in prob.");

  m.def(
      "reading_order",
      [](const py::handle& boxes_obj, float y_tolerance) {
        auto boxes = as_c_array<float>(boxes_obj, "boxes", 3);
        if (boxes.shape(1) != 4 || boxes.shape(2) != 2)
          throw py::value_error("boxes: expected shape [N, 4, 2]");
        const auto n = static_cast<std::size_t>(boxes.shape(0));
        std::vector<Quad> quads(n);
        const float* d = boxes.data();
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t k = 0; k < 4; ++k)
            quads[i][k] = {d[i * 8 + k * 2], d[i * 8 + k * 2 + 1]};
        std::vector<std::size_t> order;
        {
          py::gil_scoped_release release;
          order = reading_order(quads, y_tolerance);
        }
        std::vector<std::int64_t> out(order.begin(), order.end());
        return vector_to_numpy(std::move(out), {static_cast<py::ssize_t>(n)});
      },
      py::arg("boxes"), py::arg("y_tolerance") = 10.0f,
      "PaddleOCR's sorted_boxes order: indices sorting boxes top-to-bottom, left-to-right, with "
      "boxes whose top-left y differ by less than y_tolerance treated as one line.");
}
