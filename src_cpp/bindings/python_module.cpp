// The only file that knows about Python: turns the trtocr core into trt_ocr._core.
// Pattern for every entry point: validate + take buffer pointers with the GIL held,
// release the GIL for the work, build numpy results (owned via capsules) with it held again.
// Errors: the core throws std::invalid_argument for every value it rejects, which pybind11
// turns into ValueError; this file only adds the checks of Python objects (dtype, shape,
// layout, int overflow) that the core cannot see.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "trtocr/crop.hpp"
#include "trtocr/ctc.hpp"
#include "trtocr/db_postprocess.hpp"
#include "trtocr/det_preprocess.hpp"
#include "trtocr/detection.hpp"
#include "trtocr/thread_pool.hpp"

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

// numpy's dtype objects are usually its singletons, but an array that went through pickle
// (multiprocessing, Ray, joblib) carries an equal copy: compare by value when identity fails.
bool has_dtype(const py::array& arr, const py::dtype& want) {
  const py::dtype got = arr.dtype();
  return got.is(want) || PyObject_RichCompareBool(got.ptr(), want.ptr(), Py_EQ) == 1;
}

// Checks dtype/contiguity without converting: a silent copy on the hot path is a bug.
template <typename T>
CArray<T> as_c_array(const py::handle& obj, const char* name, int ndim) {
  if (!py::isinstance<py::array>(obj))
    throw py::value_error(std::string(name) + ": expected a numpy array");
  auto arr = py::reinterpret_borrow<py::array>(obj);
  if (!has_dtype(arr, py::dtype::of<T>()))
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

// A detector output [H, W], [1, H, W] or [1, 1, H, W] (a batch of one), float32 or float16
// (a graph-I/O detector's), without copying.
py::array as_prob_map(const py::handle& obj, int& h, int& w) {
  if (!py::isinstance<py::array>(obj)) throw py::value_error("prob: expected a numpy array");
  auto arr = py::reinterpret_borrow<py::array>(obj);
  const auto nd = arr.ndim();
  if (nd < 2 || nd > 4)
    throw py::value_error("prob: expected shape [H, W], [1, H, W] or [1, 1, H, W], got " +
                          std::to_string(nd) + " dimensions");
  if (!has_dtype(arr, py::dtype::of<float>()) && !has_dtype(arr, py::dtype("float16")))
    throw py::value_error("prob: expected dtype float32 or float16, got " +
                          std::string(py::str(arr.dtype())));
  if (!(arr.flags() & py::array::c_style))
    throw py::value_error("prob: array must be C-contiguous");
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

// A Python integer (or numpy integer) as a C int: one that does not fit, however large, is a
// ValueError; a non-integer is a TypeError. What values make sense is the core's to check.
int as_int(const py::handle& obj, const char* name) {
  if (!PyIndex_Check(obj.ptr()) || PyBool_Check(obj.ptr()))
    throw py::type_error(std::string(name) + ": expected an int");
  const auto index = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
  if (!index) throw py::error_already_set();
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
  if (overflow != 0 || v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
    throw py::value_error(std::string(name) + " must fit in a 32-bit int, got " +
                          std::string(py::str(obj)));
  return static_cast<int>(v);
}

// ---- images, boxes and output buffers (det_preprocess, crop_*) ----

// An uninitialised numpy array whose memory (new[]) is owned by a capsule; filled later with the
// GIL released.
template <typename T>
std::pair<py::array_t<T>, T*> owned_array(std::vector<py::ssize_t> shape) {
  std::size_t n = 1;
  for (auto d : shape) n *= static_cast<std::size_t>(d);
  T* data = new T[n > 0 ? n : 1];
  py::capsule free_when_done(data, [](void* p) { delete[] static_cast<T*>(p); });
  return {py::array_t<T>(shape, data, free_when_done), data};
}

// Accepts uint8 [H, W, C] (or [H, W] when allow_2d) whose pixels are packed (strides (s, C, 1))
// with a positive row stride s >= W * C: C-contiguous images and row-sliced views
// (image[y0:y1, x0:x1]) need no copy. Anything else is refused with a hint, never copied.
ImageView image_view(const py::handle& obj, bool allow_2d, int need_channels) {
  if (!py::isinstance<py::array>(obj)) throw py::value_error("image: expected a numpy array");
  auto arr = py::reinterpret_borrow<py::array>(obj);
  if (!has_dtype(arr, py::dtype::of<std::uint8_t>()))
    throw py::value_error("image: expected dtype uint8, got " + std::string(py::str(arr.dtype())));
  const bool is_2d = arr.ndim() == 2;
  if (!(arr.ndim() == 3 || (allow_2d && is_2d)))
    throw py::value_error(std::string("image: expected shape [H, W, ") +
                          (need_channels ? std::to_string(need_channels) : "C") + "]" +
                          (allow_2d ? " or [H, W]" : "") + ", got " + std::to_string(arr.ndim()) +
                          " dimensions");
  ImageView v;
  v.height = static_cast<int>(arr.shape(0));
  v.width = static_cast<int>(arr.shape(1));
  v.channels = is_2d ? 1 : static_cast<int>(arr.shape(2));
  if (arr.shape(0) <= 0 || arr.shape(1) <= 0 || arr.shape(0) > (1 << 30) ||
      arr.shape(1) > (1 << 30))
    throw py::value_error("image: empty or absurdly large image (" + std::to_string(arr.shape(0)) +
                          "x" + std::to_string(arr.shape(1)) + ")");
  if (need_channels && v.channels != need_channels)
    throw py::value_error("image: expected " + std::to_string(need_channels) + " channels, got " +
                          std::to_string(v.channels));
  if (v.channels < 1 || v.channels > 4)
    throw py::value_error("image: expected 1 to 4 channels, got " + std::to_string(v.channels));
  const bool packed =
      is_2d ? arr.strides(1) == 1 : (arr.strides(2) == 1 && arr.strides(1) == v.channels);
  v.row_stride = arr.strides(0);
  if (!packed || v.row_stride < static_cast<py::ssize_t>(v.width) * v.channels)
    throw py::value_error(
        "image: pixels must be packed with positive row strides (a C-contiguous array or a "
        "row/column slice of one); use np.ascontiguousarray(image)");
  v.data = static_cast<const std::uint8_t*>(arr.data());
  return v;
}

// boxes: [N, 4, 2] of any real dtype (a copy to float32 is negligible next to the crops).
std::vector<Quad> quads_from(const py::handle& obj) {
  auto any = py::array::ensure(obj);
  if (!any) throw py::value_error("boxes: expected an array-like of shape [N, 4, 2]");
  const char kind = any.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u')
    throw py::value_error("boxes: expected a real numeric dtype, got " +
                          std::string(py::str(any.dtype())));
  if (any.ndim() != 3 || any.shape(1) != 4 || any.shape(2) != 2)
    throw py::value_error("boxes: expected shape [N, 4, 2], got " +
                          std::string(py::str(py::tuple(py::cast(
                              std::vector<py::ssize_t>(any.shape(), any.shape() + any.ndim()))))));
  auto arr = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(any);
  const auto n = static_cast<std::size_t>(arr.shape(0));
  std::vector<Quad> quads(n);
  const float* p = arr.data();
  for (std::size_t i = 0; i < n; ++i)
    for (int k = 0; k < 4; ++k) quads[i][k] = Point{p[i * 8 + 2 * k], p[i * 8 + 2 * k + 1]};
  return quads;
}

// flip180: None or N booleans (anything numpy turns into a bool array of that length).
std::vector<char> flags_from(const py::handle& obj, std::size_t n) {
  std::vector<char> flags(n, 0);
  if (obj.is_none()) return flags;
  auto arr = py::array_t<bool, py::array::c_style | py::array::forcecast>::ensure(obj);
  if (!arr || arr.ndim() != 1 || static_cast<std::size_t>(arr.shape(0)) != n)
    throw py::value_error("flip180: expected None or " + std::to_string(n) +
                          " booleans, one per box");
  const bool* p = arr.data();
  for (std::size_t i = 0; i < n; ++i) flags[i] = p[i] ? 1 : 0;
  return flags;
}

// store_index: N non-negative integers, one per box (entries of a CropStore).
std::vector<std::size_t> store_indices_from(const py::handle& obj, std::size_t n) {
  auto arr = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(obj);
  if (!arr || arr.ndim() != 1 || static_cast<std::size_t>(arr.shape(0)) != n)
    throw py::value_error("store_index: expected " + std::to_string(n) + " integers, one per box");
  std::vector<std::size_t> out(n);
  const std::int64_t* p = arr.data();
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] < 0) throw py::value_error("store_index: indices must be non-negative");
    out[i] = static_cast<std::size_t>(p[i]);
  }
  return out;
}

Normalization normalization_from(const std::array<float, 3>& mean,
                                 const std::array<float, 3>& std) {
  Normalization n;
  n.mean = mean;
  n.std = std;
  return n;
}

// The result tensor: a fresh capsule-owned array, or a view of the caller's out buffer (float32,
// C-contiguous, writeable, at least prod(shape) elements) so buffers can be reused across calls.
template <typename T>
std::pair<py::array_t<T>, T*> result_tensor(const py::handle& out_obj,
                                            std::vector<py::ssize_t> shape) {
  std::size_t need = 1;
  for (auto d : shape) need *= static_cast<std::size_t>(d);
  if (out_obj.is_none()) {
    // numpy's allocator (which asks for huge pages on large arrays) makes a fresh multi-MB
    // tensor much cheaper to fault in than a plain new[].
    py::array_t<T> fresh(shape);
    return {fresh, fresh.mutable_data()};
  }
  auto out = as_c_array<T>(out_obj, "out", -1);
  if (!out.writeable()) throw py::value_error("out: array is read-only");
  if (static_cast<std::size_t>(out.size()) < need)
    throw py::value_error("out: needs at least " + std::to_string(need) + " " +
                          std::string(py::str(py::dtype::of<T>())) + " elements, has " +
                          std::to_string(out.size()));
  T* data = out.mutable_data();
  return {py::array_t<T>(shape, data, out), data};
}

// CTCDecoder results as Python: (text, score) or (text, score, int32 steps) per line.
py::list decoded_list(std::vector<DecodedText>& decoded, bool return_steps) {
  py::list out;
  for (auto& d : decoded) {
    if (return_steps)
      out.append(py::make_tuple(
          d.text, d.score,
          vector_to_numpy(std::move(d.steps), {static_cast<py::ssize_t>(d.steps.size())})));
    else
      out.append(py::make_tuple(d.text, d.score));
  }
  return out;
}

// decide_orientation results as Python: (int32 labels, float32 scores, bool flips).
py::tuple orientation_tuple(const std::vector<OrientationDecision>& d) {
  const std::size_t n = d.size();
  std::vector<std::int32_t> labels(n);
  std::vector<float> scores(n);
  py::array_t<bool> flip_arr(static_cast<py::ssize_t>(n));
  for (std::size_t i = 0; i < n; ++i) {
    labels[i] = d[i].label;
    scores[i] = d[i].score;
    flip_arr.mutable_at(i) = d[i].flip;
  }
  return py::make_tuple(vector_to_numpy(std::move(labels), {static_cast<py::ssize_t>(n)}),
                        vector_to_numpy(std::move(scores), {static_cast<py::ssize_t>(n)}),
                        flip_arr);
}

// pool: None or a ThreadPool, held (shared) for the duration of a call.
std::shared_ptr<ThreadPool> pool_from(const py::handle& obj) {
  if (obj.is_none()) return nullptr;
  if (!py::isinstance<ThreadPool>(obj))
    throw py::type_error("pool: expected a ThreadPool or None, got " +
                         std::string(py::str(py::type::of(obj).attr("__name__"))));
  return obj.cast<std::shared_ptr<ThreadPool>>();
}

// ---- DB post-processing and the detection stage ----

// The core's defaults are the keyword defaults.
const DBParams kDB{};
const DetInputParams kDetInput{};

// The keyword parameters of DB post-processing; their ranges are the core's to check.
DBParams db_params(float thresh, float box_thresh, const py::handle& max_candidates,
                   float unclip_ratio, bool use_dilation, const std::string& score_mode,
                   const std::string& box_type, const py::handle& min_size) {
  DBParams p;
  p.thresh = thresh;
  p.box_thresh = box_thresh;
  p.max_candidates = as_int(max_candidates, "max_candidates");
  p.unclip_ratio = unclip_ratio;
  p.use_dilation = use_dilation;
  p.score_mode = score_mode_from(score_mode);
  p.box_type = box_type_from(box_type);
  p.min_size = as_int(min_size, "min_size");
  return p;
}

// n boxes as numpy: float32 [n, 4, 2] for quads, a list of [K, 2] arrays for polygons.
// points(i) gives box i's points.
template <typename Points>
py::object boxes_to_numpy(std::size_t n, BoxType type, Points points) {
  if (type == BoxType::Quad) {
    std::vector<float> flat(n * 8);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < 4; ++k) {
        flat[i * 8 + k * 2] = points(i)[k].x;
        flat[i * 8 + k * 2 + 1] = points(i)[k].y;
      }
    return vector_to_numpy(std::move(flat), {static_cast<py::ssize_t>(n), 4, 2});
  }
  py::list polys;
  for (std::size_t i = 0; i < n; ++i) {
    const std::vector<Point>& pts = points(i);
    std::vector<float> flat(pts.size() * 2);
    for (std::size_t k = 0; k < pts.size(); ++k) {
      flat[k * 2] = pts[k].x;
      flat[k * 2 + 1] = pts[k].y;
    }
    polys.append(vector_to_numpy(std::move(flat), {static_cast<py::ssize_t>(pts.size()), 2}));
  }
  return polys;
}

// Prepares detector inputs with fixed parameters (checked once, at construction) into a tensor
// buffer it reuses: a call's tensor is valid until the next call. Calls are serialised.
class DetectionPreprocessor {
 public:
  DetectionPreprocessor(const DetInputParams& params, bool uint8, std::shared_ptr<ThreadPool> pool)
      : params_(params), uint8_(uint8), pool_(std::move(pool)) {
    validate(params_);
  }

  DetMapping plan(int height, int width) const { return plan_detection(height, width, params_); }

  // source_size: None (image is the source) or the (height, width) of the source image is a
  // reduced decode of; the core checks that the plan allows it.
  static std::pair<int, int> source_dims(const ImageView& img, const py::handle& source_size) {
    if (source_size.is_none()) return {img.height, img.width};
    if (!py::isinstance<py::sequence>(source_size) || py::isinstance<py::str>(source_size) ||
        py::len(source_size) != 2)
      throw py::type_error("source_size: expected None or (height, width)");
    const auto hw = py::reinterpret_borrow<py::sequence>(source_size);
    return {as_int(hw[0], "source_size[0]"), as_int(hw[1], "source_size[1]")};
  }

  py::tuple operator()(const py::handle& image, const py::handle& source_size) {
    return uint8_ ? prepare(image, source_size, buffer_u8_) : prepare(image, source_size, buffer_);
  }

  // The work image alone (whole-image rescale, no detector input): for recognition without
  // detection. Returns (work image or None when not rescaled, scale).
  py::tuple rescale(const py::handle& image, const py::handle& source_size) const {
    const ImageView img = image_view(image, false, 3);
    const auto [src_h, src_w] = source_dims(img, source_size);
    const ImageScale sc = plan_rescale(src_h, src_w, params_.rescale);
    if (!sc.rescaled) {
      if (src_h != img.height || src_w != img.width)
        throw py::value_error("rescale: the image is " + std::to_string(img.height) + "x" +
                              std::to_string(img.width) + " but source_size says " +
                              std::to_string(src_h) + "x" + std::to_string(src_w) +
                              ", and the plan does not shrink it");
      return py::make_tuple(py::none(), sc);
    }
    auto [arr, ptr] = owned_array<std::uint8_t>({sc.work_h, sc.work_w, 3});
    {
      py::gil_scoped_release release;
      rescale_image(img, sc, ptr, pool_.get());
    }
    return py::make_tuple(arr, sc);
  }

 private:
  template <typename T>
  py::tuple prepare(const py::handle& image, const py::handle& source_size,
                    py::array_t<T>& buffer) {
    const ImageView img = image_view(image, false, 3);
    const auto [src_h, src_w] = source_dims(img, source_size);
    const DetMapping m = plan(src_h, src_w);
    const auto need = static_cast<py::ssize_t>(3) * m.input_h * m.input_w;
    // A new buffer rather than a resized one: tensors of earlier calls may still be referenced.
    if (buffer.size() < need) buffer = py::array_t<T>(need);
    T* data = buffer.mutable_data();
    py::array_t<T> tensor({py::ssize_t{1}, py::ssize_t{3}, static_cast<py::ssize_t>(m.input_h),
                           static_cast<py::ssize_t>(m.input_w)},
                          data, buffer);
    py::object work = py::none();
    std::uint8_t* work_data = nullptr;
    if (m.scale.rescaled) {
      auto [arr, ptr] = owned_array<std::uint8_t>({m.scale.work_h, m.scale.work_w, 3});
      work = arr;
      work_data = ptr;
    }
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);
      prepare_detection(img, params_, m, data, work_data, pool_.get());
    }
    return py::make_tuple(tensor, m, work);
  }

  DetInputParams params_;
  bool uint8_ = false;                // the tensor holds uint8 pixels (the network normalises them)
  std::shared_ptr<ThreadPool> pool_;  // null: serial
  py::array_t<float> buffer_{0};
  py::array_t<std::uint8_t> buffer_u8_{0};
  std::mutex mutex_;
};

// DB post-processing with fixed parameters (checked once, at construction).
class DetectionPostprocessor {
 public:
  explicit DetectionPostprocessor(const DBParams& params) : params_(params) { validate(params_); }

  py::tuple operator()(const py::handle& prob_obj, const DetMapping& mapping) const {
    int h = 0, w = 0;
    const py::array prob = as_prob_map(prob_obj, h, w);
    const bool half = prob.itemsize() == 2;
    const void* data = prob.data();
    std::vector<DetectedText> found;
    {
      py::gil_scoped_release release;
      found =
          half ? finish_detection(static_cast<const std::uint16_t*>(data), h, w, mapping, params_)
               : finish_detection(static_cast<const float*>(data), h, w, mapping, params_);
    }
    const auto n = static_cast<py::ssize_t>(found.size());
    std::vector<float> quads(found.size() * 8), scores(found.size());
    for (std::size_t i = 0; i < found.size(); ++i) {
      for (std::size_t k = 0; k < 4; ++k) {
        quads[i * 8 + k * 2] = found[i].quad[k].x;
        quads[i * 8 + k * 2 + 1] = found[i].quad[k].y;
      }
      scores[i] = found[i].score;
    }
    py::object boxes =
        boxes_to_numpy(found.size(), params_.box_type,
                       [&](std::size_t i) -> const std::vector<Point>& { return found[i].box; });
    return py::make_tuple(vector_to_numpy(std::move(quads), {n, 4, 2}), boxes,
                          vector_to_numpy(std::move(scores), {n}));
  }

 private:
  DBParams params_;
};

constexpr std::size_t kMaxBatchElements = std::size_t{1} << 30;  // 4 GiB of float32

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "trt-ocr C++ core: pre/post-processing around the PP-OCR networks";
#ifdef TRTOCR_VERSION
  m.attr("__version__") = TRTOCR_VERSION;
#endif

  py::class_<ThreadPool, std::shared_ptr<ThreadPool>>(
      m, "ThreadPool",
      "Worker threads for the core's data-parallel loops (detector resize rows, crop lines). "
      "threads counts the calling thread: threads - 1 workers are started, and joined when the "
      "pool is garbage-collected. Results never depend on the thread count.")
      .def(py::init([](const py::handle& threads) {
             return std::make_shared<ThreadPool>(as_int(threads, "threads"));
           }),
           py::arg("threads"))
      .def_property_readonly("threads", &ThreadPool::threads);

  py::class_<CTCDecoder>(m, "CTCDecoder")
      .def(py::init([](std::vector<std::string> characters, bool settle_o_zero) {
             return CTCDecoder(std::move(characters), settle_o_zero);
           }),
           py::arg("characters"), py::kw_only(), py::arg("settle_o_zero") = false)
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
            return decoded_list(decoded, return_steps);
          },
          py::arg("probs"), py::arg("return_steps") = false)
      .def(
          "decode_best",
          [](const CTCDecoder& self, const py::handle& best_obj, const py::handle& prob_obj,
             bool return_steps) {
            auto best = as_c_array<std::int32_t>(best_obj, "best", 2);
            auto prob = as_c_array<float>(prob_obj, "best_prob", 2);
            if (best.shape(0) != prob.shape(0) || best.shape(1) != prob.shape(1))
              throw py::value_error("best and best_prob must have the same shape");
            const auto n = static_cast<std::size_t>(best.shape(0));
            const auto t = static_cast<std::size_t>(best.shape(1));
            const std::int32_t* bd = best.data();
            const float* pd = prob.data();
            std::vector<DecodedText> decoded;
            {
              py::gil_scoped_release release;
              decoded = self.decode_best(bd, pd, n, t, return_steps);
            }
            return decoded_list(decoded, return_steps);
          },
          py::arg("best"), py::arg("best_prob"), py::arg("return_steps") = false,
          "decode() from each time step's best class (int32 [N, T]) and its probability "
          "(float32 [N, T]), as a recognizer ending in ArgMax + ReduceMax gives them.");

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
        return orientation_tuple(d);
      },
      py::arg("probs"), py::arg("label_180") = 1, py::arg("thresh") = 0.9f);

  m.def(
      "decide_orientation_best",
      [](const py::handle& labels_obj, const py::handle& scores_obj, int num_labels, int label_180,
         float thresh) {
        auto labels = as_c_array<std::int32_t>(labels_obj, "labels", 1);
        auto scores = as_c_array<float>(scores_obj, "scores", 1);
        if (labels.shape(0) != scores.shape(0))
          throw py::value_error("labels and scores must have the same length");
        if (num_labels < 2) throw py::value_error("decide_orientation: need at least 2 labels");
        const auto n = static_cast<std::size_t>(labels.shape(0));
        const std::int32_t* ld = labels.data();
        const float* sd = scores.data();
        std::vector<OrientationDecision> d;
        {
          py::gil_scoped_release release;
          d = decide_orientation_best(ld, sd, n, static_cast<std::size_t>(num_labels), label_180,
                                      thresh);
        }
        return orientation_tuple(d);
      },
      py::arg("labels"), py::arg("scores"), py::arg("num_labels"), py::arg("label_180") = 1,
      py::arg("thresh") = 0.9f,
      "decide_orientation from each row's best label (int32 [N]) and its score (float32 [N]), "
      "as a classifier ending in ArgMax + ReduceMax gives them.");

  m.def(
      "db_postprocess",
      [](const py::handle& prob_obj, const py::handle& src_h, const py::handle& src_w, float thresh,
         float box_thresh, const py::handle& max_candidates, float unclip_ratio, bool use_dilation,
         const std::string& score_mode, const std::string& box_type,
         const py::handle& min_size) -> py::tuple {
        int h = 0, w = 0;
        const py::array prob = as_prob_map(prob_obj, h, w);
        if (prob.itemsize() != 4)
          throw py::value_error("prob: expected dtype float32, got " +
                                std::string(py::str(prob.dtype())));
        const DBParams p = db_params(thresh, box_thresh, max_candidates, unclip_ratio, use_dilation,
                                     score_mode, box_type, min_size);
        const int sh = as_int(src_h, "src_h");
        const int sw = as_int(src_w, "src_w");
        const auto* data = static_cast<const float*>(prob.data());
        std::vector<TextRegion> regions;
        {
          py::gil_scoped_release release;
          regions = db_postprocess(data, h, w, sh, sw, p);
        }
        std::vector<float> scores(regions.size());
        for (std::size_t i = 0; i < regions.size(); ++i) scores[i] = regions[i].score;
        return py::make_tuple(
            boxes_to_numpy(
                regions.size(), p.box_type,
                [&](std::size_t i) -> const std::vector<Point>& { return regions[i].points; }),
            vector_to_numpy(std::move(scores), {static_cast<py::ssize_t>(regions.size())}));
      },
      py::arg("prob"), py::arg("src_h"), py::arg("src_w"), py::kw_only(),
      py::arg("thresh") = kDB.thresh, py::arg("box_thresh") = kDB.box_thresh,
      py::arg("max_candidates") = kDB.max_candidates, py::arg("unclip_ratio") = kDB.unclip_ratio,
      py::arg("use_dilation") = kDB.use_dilation, py::arg("score_mode") = "fast",
      py::arg("box_type") = "quad", py::arg("min_size") = kDB.min_size,
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
  // ---- the detection stage ----
  py::class_<ImageScale>(m, "ImageScale")
      .def_readonly("src_h", &ImageScale::src_h)
      .def_readonly("src_w", &ImageScale::src_w)
      .def_readonly("work_h", &ImageScale::work_h)
      .def_readonly("work_w", &ImageScale::work_w)
      .def_readonly("rescaled", &ImageScale::rescaled)
      .def(
          "to_source",
          [](const ImageScale& self, const py::handle& points) {
            auto arr =
                py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(points);
            if (!arr || arr.ndim() < 1 || arr.shape(arr.ndim() - 1) != 2)
              throw py::value_error("points: expected an array of shape [..., 2]");
            py::array_t<float> out(std::vector<py::ssize_t>(arr.shape(), arr.shape() + arr.ndim()));
            const float* in = arr.data();
            float* o = out.mutable_data();
            for (py::ssize_t i = 0; i < arr.size(); i += 2) {
              const Point p = self.to_source({in[i], in[i + 1]});
              o[i] = p.x;
              o[i + 1] = p.y;
            }
            return out;
          },
          py::arg("points"));
  py::class_<DetMapping>(m, "DetMapping")
      .def_readonly("scale", &DetMapping::scale)
      .def_readonly("pad", &DetMapping::pad)
      .def_readonly("det_h", &DetMapping::det_h)
      .def_readonly("det_w", &DetMapping::det_w)
      .def_readonly("input_h", &DetMapping::input_h)
      .def_readonly("input_w", &DetMapping::input_w);

  py::class_<DetectionPreprocessor>(m, "DetectionPreprocessor")
      .def(py::init([](int limit_side_len, const std::string& limit_type,
                       const std::array<float, 3>& mean, const std::array<float, 3>& std,
                       int max_side_len, int min_side_len, int min_height, double max_aspect,
                       int max_side_limit, double max_upscale, bool uint8, const py::handle& pool) {
             DetInputParams p;
             p.resize = {limit_side_len, limit_type_from(limit_type), max_side_limit, max_upscale};
             p.norm = normalization_from(mean, std);
             p.rescale = {max_side_len, min_side_len};
             p.letterbox = {min_height, max_aspect};
             return std::make_unique<DetectionPreprocessor>(p, uint8, pool_from(pool));
           }),
           py::kw_only(), py::arg("limit_side_len") = kDetInput.resize.limit_side_len,
           py::arg("limit_type") = "max", py::arg("mean") = kDetInput.norm.mean,
           py::arg("std") = kDetInput.norm.std,
           py::arg("max_side_len") = kDetInput.rescale.max_side_len,
           py::arg("min_side_len") = kDetInput.rescale.min_side_len,
           py::arg("min_height") = kDetInput.letterbox.min_height,
           py::arg("max_aspect") = kDetInput.letterbox.max_aspect,
           py::arg("max_side_limit") = kDetInput.resize.max_side_limit,
           py::arg("max_upscale") = kDetInput.resize.max_upscale, py::arg("uint8") = false,
           py::arg("pool") = py::none())
      .def("plan", &DetectionPreprocessor::plan, py::arg("height"), py::arg("width"))
      .def("__call__", &DetectionPreprocessor::operator(), py::arg("image"),
           py::arg("source_size") = py::none())
      .def("rescale", &DetectionPreprocessor::rescale, py::arg("image"),
           py::arg("source_size") = py::none());

  py::class_<DetectionPostprocessor>(m, "DetectionPostprocessor")
      .def(py::init([](float thresh, float box_thresh, const py::handle& max_candidates,
                       float unclip_ratio, bool use_dilation, const std::string& score_mode,
                       const std::string& box_type, const py::handle& min_size) {
             return DetectionPostprocessor(db_params(thresh, box_thresh, max_candidates,
                                                     unclip_ratio, use_dilation, score_mode,
                                                     box_type, min_size));
           }),
           py::kw_only(), py::arg("thresh") = kDB.thresh, py::arg("box_thresh") = kDB.box_thresh,
           py::arg("max_candidates") = kDB.max_candidates,
           py::arg("unclip_ratio") = kDB.unclip_ratio, py::arg("use_dilation") = kDB.use_dilation,
           py::arg("score_mode") = "fast", py::arg("box_type") = "quad",
           py::arg("min_size") = kDB.min_size)
      .def("__call__", &DetectionPostprocessor::operator(), py::arg("prob"), py::arg("mapping"));

  // ---- detector input ----
  m.def(
      "det_input_shape",
      [](int src_h, int src_w, int limit_side_len, const std::string& limit_type) {
        const DetInputShape s =
            det_input_shape(src_h, src_w, {limit_side_len, limit_type_from(limit_type)});
        return py::make_tuple(s.height, s.width, s.ratio_h, s.ratio_w);
      },
      py::arg("src_h"), py::arg("src_w"), py::arg("limit_side_len") = 960,
      py::arg("limit_type") = "max",
      "Detector input (h, w, ratio_h, ratio_w) for a src_h x src_w image, as PP-OCR's "
      "DetResizeForTest (resize type 0) computes it.");

  m.def(
      "det_preprocess",
      [](const py::handle& image, int limit_side_len, const std::string& limit_type,
         const std::array<float, 3>& mean, const std::array<float, 3>& std,
         const py::handle& out_obj) {
        const ImageView img = image_view(image, false, 3);
        const DetInputShape s =
            det_input_shape(img.height, img.width, {limit_side_len, limit_type_from(limit_type)});
        const Normalization norm = normalization_from(mean, std);
        auto [tensor, data] = result_tensor<float>(out_obj, {1, 3, s.height, s.width});
        {
          py::gil_scoped_release release;
          resize_normalize_chw(img, s.height, s.width, norm, data);
        }
        return py::make_tuple(tensor, s.ratio_h, s.ratio_w);
      },
      py::arg("image"), py::arg("limit_side_len") = 960, py::arg("limit_type") = "max",
      py::arg("mean") = std::array<float, 3>{0.485f, 0.456f, 0.406f},
      py::arg("std") = std::array<float, 3>{0.229f, 0.224f, 0.225f}, py::arg("out") = py::none(),
      "uint8 [H, W, 3] image -> (float32 [1, 3, h, w] detector input, ratio_h, ratio_w): "
      "cv2.resize INTER_LINEAR (bit-exact fixed point) + (x / 255 - mean) / std + CHW.");

  m.def(
      "resize_normalize",
      [](const py::handle& image, int height, int width, const std::array<float, 3>& mean,
         const std::array<float, 3>& std, const py::handle& out_obj) {
        const ImageView img = image_view(image, false, 3);
        const Normalization norm = normalization_from(mean, std);
        if (height <= 0 || width <= 0)  // the core checks the rest; shape must be positive
          throw py::value_error("resize_normalize: output size must be positive");
        auto [tensor, data] = result_tensor<float>(out_obj, {1, 3, height, width});
        {
          py::gil_scoped_release release;
          resize_normalize_chw(img, height, width, norm, data);
        }
        return tensor;
      },
      py::arg("image"), py::arg("height"), py::arg("width"),
      py::arg("mean") = std::array<float, 3>{0.485f, 0.456f, 0.406f},
      py::arg("std") = std::array<float, 3>{0.229f, 0.224f, 0.225f}, py::arg("out") = py::none(),
      "The resize + normalise step of det_preprocess to any height x width (float32 [1, 3, "
      "height, width]).");

  // ---- crops ----
  m.def(
      "crop_sizes",
      [](const py::handle& boxes, double tall_ratio) {
        const std::vector<Quad> quads = quads_from(boxes);
        const auto n = static_cast<py::ssize_t>(quads.size());
        auto [sizes, sp] = owned_array<std::int32_t>({n, 2});
        py::array_t<bool> rotated(n);
        bool* rp = rotated.mutable_data();
        for (py::ssize_t i = 0; i < n; ++i) {
          const CropSize cs = crop_size(quads[i], tall_ratio);
          sp[2 * i] = cs.width;
          sp[2 * i + 1] = cs.height;
          rp[i] = cs.rotated;
        }
        return py::make_tuple(sizes, rotated);
      },
      py::arg("boxes"), py::arg("tall_ratio") = 1.5,
      "boxes [N, 4, 2] -> (int32 [N, 2] crop (width, height) after rotation, bool [N] rotated); "
      "0 x 0 for quads with nothing to crop (non-finite or zero-length sides).");

  py::class_<CropStore>(
      m, "CropStore",
      "The crops of boxes [N, 4, 2] kept as pixels, computed once for several crop_batch calls "
      "(the classifier's and the recognizer's) to read; crops taller than max_height rows are "
      "not kept (the batches compute them as before).")
      .def(py::init([](const py::handle& image, const py::handle& boxes, double tall_ratio,
                       const py::handle& pool_obj) {
             const ImageView img = image_view(image, false, 3);
             const std::shared_ptr<ThreadPool> pool = pool_from(pool_obj);
             const std::vector<Quad> quads = quads_from(boxes);
             py::gil_scoped_release release;
             return std::make_unique<CropStore>(img, quads.data(), quads.size(), tall_ratio,
                                                pool.get());
           }),
           py::arg("image"), py::arg("boxes"), py::kw_only(), py::arg("tall_ratio") = 1.5,
           py::arg("pool") = py::none())
      .def("__len__", &CropStore::size)
      .def_property_readonly_static(
          "max_height", [](const py::object&) { return CropStore::kMaxStoredCropHeight; });

  m.def(
      "crop_batch",
      [](const py::handle& image, const py::handle& boxes, int height, int width,
         const py::handle& flip180, bool keep_ratio, const std::array<float, 3>& mean,
         const std::array<float, 3>& std, double tall_ratio, const py::handle& out_obj, bool uint8,
         const py::handle& pool_obj, const CropStore* store,
         const py::handle& store_index_obj) -> py::tuple {
        const ImageView img = image_view(image, false, 3);
        const std::shared_ptr<ThreadPool> pool = pool_from(pool_obj);
        const std::vector<Quad> quads = quads_from(boxes);
        const std::vector<char> flips = flags_from(flip180, quads.size());
        if ((store == nullptr) != store_index_obj.is_none())
          throw py::value_error("crop_batch: store and store_index go together");
        const std::vector<std::size_t> store_index =
            store ? store_indices_from(store_index_obj, quads.size()) : std::vector<std::size_t>{};
        if (height <= 0 || width <= 0 || height > (1 << 16) || width > (1 << 16))
          throw py::value_error("height and width must be in 1..65536");
        const auto n = static_cast<py::ssize_t>(quads.size());
        if (static_cast<std::size_t>(n) * 3 * height * width > kMaxBatchElements)
          throw py::value_error("crop_batch: the batch would exceed 2^30 float32 elements");
        CropBatchParams params;
        params.height = height;
        params.width = width;
        params.keep_ratio = keep_ratio;
        params.norm = normalization_from(mean, std);
        params.tall_ratio = tall_ratio;
        auto [widths, wp] = owned_array<std::int32_t>({n});
        auto run = [&](auto tag) {
          using T = decltype(tag);
          auto [tensor, data] = result_tensor<T>(out_obj, {n, 3, height, width});
          {
            py::gil_scoped_release release;
            static_assert(sizeof(bool) == sizeof(char), "flags are passed as bool");
            const bool* flip_ptr = reinterpret_cast<const bool*>(flips.data());
            if (store != nullptr)
              crop_batch(img, quads.data(), quads.size(), flip_ptr, params, data, wp, pool.get(),
                         *store, store_index.data());
            else
              crop_batch(img, quads.data(), quads.size(), flip_ptr, params, data, wp, pool.get());
          }
          return py::tuple(py::make_tuple(tensor, widths));
        };
        return uint8 ? run(std::uint8_t{}) : run(float{});
      },
      py::arg("image"), py::arg("boxes"), py::arg("height"), py::arg("width"), py::kw_only(),
      py::arg("flip180") = py::none(), py::arg("keep_ratio") = true,
      py::arg("mean") = std::array<float, 3>{0.5f, 0.5f, 0.5f},
      py::arg("std") = std::array<float, 3>{0.5f, 0.5f, 0.5f}, py::arg("tall_ratio") = 1.5,
      py::arg("out") = py::none(), py::arg("uint8") = false, py::arg("pool") = py::none(),
      py::arg("store") = static_cast<const CropStore*>(nullptr),
      py::arg("store_index") = py::none(),
      "Perspective crops of boxes [N, 4, 2] sampled straight into a float32 [N, 3, height, "
      "width] batch (PP-OCR get_rotate_crop_image + resize_norm_img) -> (batch, int32 [N] "
      "valid widths). uint8=True: the batch holds the uint8 pixels before normalisation, "
      "padded with the pixel nearest to normalised 0, for a network that normalises itself. "
      "store / store_index: a CropStore and each box's entry in it; crops it holds for these "
      "boxes are read instead of computed (same values).");

  m.def(
      "crop_images",
      [](const py::handle& image, const py::handle& boxes, const py::handle& flip180,
         double tall_ratio) {
        const ImageView img = image_view(image, true, 0);
        const bool is_2d = py::reinterpret_borrow<py::array>(image).ndim() == 2;
        const std::vector<Quad> quads = quads_from(boxes);
        const std::vector<char> flips = flags_from(flip180, quads.size());
        constexpr long long kMaxCropPixels = 1LL << 26;
        std::vector<CropSize> sizes(quads.size());
        std::vector<py::array_t<std::uint8_t>> arrays;
        std::vector<std::uint8_t*> ptrs;
        for (std::size_t i = 0; i < quads.size(); ++i) {
          sizes[i] = crop_size(quads[i], tall_ratio);
          const long long px = static_cast<long long>(sizes[i].width) * sizes[i].height;
          if (px > kMaxCropPixels)
            throw py::value_error("crop_images: box " + std::to_string(i) + " would give a " +
                                  std::to_string(sizes[i].height) + "x" +
                                  std::to_string(sizes[i].width) +
                                  " crop, above the limit of 2^26 pixels");
          std::vector<py::ssize_t> shape = {sizes[i].height, sizes[i].width};
          if (!is_2d) shape.push_back(img.channels);
          auto [a, p] = owned_array<std::uint8_t>(shape);
          arrays.push_back(a);
          ptrs.push_back(p);
        }
        {
          py::gil_scoped_release release;
          for (std::size_t i = 0; i < quads.size(); ++i)
            crop_image(img, quads[i], flips[i] != 0, tall_ratio, ptrs[i]);
        }
        py::list out;
        for (auto& a : arrays) out.append(a);
        return out;
      },
      py::arg("image"), py::arg("boxes"), py::arg("flip180") = py::none(),
      py::arg("tall_ratio") = 1.5,
      "Plain uint8 crops as get_rotate_crop_image makes them (same channels as image; "
      "bicubic, replicated border), one per box.");
}
