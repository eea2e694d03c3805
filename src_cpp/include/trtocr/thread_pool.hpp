// A small fork-join pool for the core's data-parallel loops (detector resize rows, crop lines).
// Owned by whoever runs the pipeline (no global pool): every entry point that can split its work
// takes a ThreadPool* and runs serially when it is null or has one thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace trtocr {

class ThreadPool {
 public:
  // threads >= 1 (the calling thread counts as one: threads - 1 workers are started).
  // Throws std::invalid_argument for threads < 1 or above kMaxThreads.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  static constexpr int kMaxThreads = 256;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs fn(begin, end) over disjoint ranges covering [0, n), each at least min_chunk long
  // (except the last), on the workers and the calling thread, and returns when all are done.
  // Which thread runs which range is unspecified: fn must make each index's result independent
  // of the others. The first exception a range throws is rethrown here once every range has
  // finished (the other ranges still run). Calls from several threads are serialised.
  void parallel_for(std::size_t n, std::size_t min_chunk,
                    const std::function<void(std::size_t, std::size_t)>& fn);

 private:
  void work();
  void run_chunks();

  std::vector<std::thread> workers_;
  std::mutex call_mutex_;  // one parallel_for at a time
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  // The current job (guarded by mutex_).
  const std::function<void(std::size_t, std::size_t)>* fn_ = nullptr;
  std::size_t n_ = 0, chunk_ = 0, next_ = 0, chunks_left_ = 0;
  std::exception_ptr error_;
  unsigned long generation_ = 0;
  bool stop_ = false;
};

// parallel_for on pool, or fn(0, n) inline when pool is null or single-threaded.
inline void parallel_for(ThreadPool* pool, std::size_t n, std::size_t min_chunk,
                         const std::function<void(std::size_t, std::size_t)>& fn) {
  if (n == 0) return;
  if (pool == nullptr || pool->threads() == 1 || n <= min_chunk) {
    fn(0, n);
    return;
  }
  pool->parallel_for(n, min_chunk, fn);
}

}  // namespace trtocr
