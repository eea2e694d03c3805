// The only file that knows about Python: turns the trtocr core into trt_ocr._core.
// Pattern for every entry point: validate + take buffer pointers with the GIL held,
// release the GIL for the work, build numpy results (owned via capsules) with it held again.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "trtocr/ctc.hpp"
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
}
