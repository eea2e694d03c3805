#include <atomic>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "test_framework.hpp"
#include "trtocr/crop.hpp"
#include "trtocr/det_preprocess.hpp"
#include "trtocr/thread_pool.hpp"

using namespace trtocr;

TEST_CASE("thread pool: every index is visited exactly once, for any size and thread count") {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    CHECK(pool.threads() == threads);
    for (std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{1001}}) {
      for (std::size_t min_chunk : {std::size_t{1}, std::size_t{16}}) {
        std::vector<std::atomic<int>> seen(n);
        pool.parallel_for(n, min_chunk, [&](std::size_t b, std::size_t e) {
          CHECK(b < e && e <= n);
          for (std::size_t i = b; i < e; ++i) seen[i].fetch_add(1);
        });
        for (auto& s : seen) CHECK(s.load() == 1);
      }
    }
    bool called = false;
    pool.parallel_for(0, 1, [&](std::size_t, std::size_t) { called = true; });
    CHECK(!called);
  }
}

TEST_CASE("thread pool: an exception in a range reaches the caller, the pool stays usable") {
  ThreadPool pool(3);
  for (int round = 0; round < 3; ++round) {
    std::atomic<int> done{0}, failed_range{0};
    CHECK_THROWS(pool.parallel_for(100, 1, [&](std::size_t b, std::size_t e) {
      if (b <= 57 && 57 < e) {
        failed_range = static_cast<int>(e - b);
        throw std::invalid_argument("index 57");
      }
      done.fetch_add(static_cast<int>(e - b));
    }));
    CHECK(failed_range.load() > 0 && done.load() + failed_range.load() == 100);  // others ran
    std::atomic<int> sum{0};
    pool.parallel_for(10, 1, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) sum.fetch_add(static_cast<int>(i));
    });
    CHECK(sum.load() == 45);
  }
}

TEST_CASE("thread pool: bad thread counts are refused") {
  CHECK_THROWS(ThreadPool(0));
  CHECK_THROWS(ThreadPool(-3));
  CHECK_THROWS(ThreadPool(ThreadPool::kMaxThreads + 1));
}

TEST_CASE("thread pool: resize and crops give the serial result on any pool") {
  const int h = 157, w = 263;
  std::vector<std::uint8_t> px(static_cast<std::size_t>(h) * w * 3);
  for (std::size_t i = 0; i < px.size(); ++i)
    px[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 13);
  const ImageView img{px.data(), h, w, 3, static_cast<std::ptrdiff_t>(w) * 3};
  const Normalization norm{};
  std::vector<Quad> quads;
  for (int i = 0; i < 9; ++i) {
    const float x = 5.f + 23.f * i, y = 3.f + 13.f * i;
    quads.push_back(Quad{Point{x, y}, Point{x + 40.f + i, y + 2.f}, Point{x + 38.f + i, y + 17.f},
                         Point{x, y + 15.f}});
  }
  CropBatchParams cp;
  cp.width = 200;
  const std::size_t crop_n = quads.size() * 3 * cp.height * cp.width;
  std::vector<float> det_serial(3 * 320 * 480), crop_serial(crop_n);
  resize_normalize_chw(img, 320, 480, norm, det_serial.data());
  crop_batch(img, quads.data(), quads.size(), nullptr, cp, crop_serial.data(), nullptr);
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    std::vector<float> det(det_serial.size()), crop(crop_n);
    resize_normalize_chw(img, 320, 480, norm, det.data(), &pool);
    crop_batch(img, quads.data(), quads.size(), nullptr, cp, crop.data(), nullptr, &pool);
    CHECK(det == det_serial);
    CHECK(crop == crop_serial);
  }
}
