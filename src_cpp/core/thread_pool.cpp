#include "trtocr/thread_pool.hpp"

#include <algorithm>
#include <string>

#include "trtocr/image.hpp"

namespace trtocr {

ThreadPool::ThreadPool(int threads) {
  require(threads >= 1 && threads <= kMaxThreads, "ThreadPool: threads must be in 1.." +
                                                      std::to_string(kMaxThreads) + ", got " +
                                                      std::to_string(threads));
  workers_.reserve(static_cast<std::size_t>(threads - 1));
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

// Takes chunks of the current job until none is left; the last one to finish signals done_.
void ThreadPool::run_chunks() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (next_ < n_) {
    const std::size_t begin = next_;
    const std::size_t end = std::min(n_, begin + chunk_);
    next_ = end;
    const auto* fn = fn_;
    lock.unlock();
    std::exception_ptr error;
    try {
      (*fn)(begin, end);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    if (error && !error_) error_ = error;
    if (--chunks_left_ == 0) done_.notify_all();
  }
}

void ThreadPool::work() {
  unsigned long seen = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    lock.unlock();
    run_chunks();
    lock.lock();
  }
}

void ThreadPool::parallel_for(std::size_t n, std::size_t min_chunk,
                              const std::function<void(std::size_t, std::size_t)>& fn) {
  if (n == 0) return;
  std::lock_guard<std::mutex> call(call_mutex_);
  const std::size_t t = static_cast<std::size_t>(threads());
  // Twice as many chunks as threads: a thread slowed by the OS hands its share to the others.
  const std::size_t chunk = std::max<std::size_t>({1, min_chunk, (n + 2 * t - 1) / (2 * t)});
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fn_ = &fn;
    n_ = n;
    chunk_ = chunk;
    next_ = 0;
    chunks_left_ = (n + chunk - 1) / chunk;
    error_ = nullptr;
    ++generation_;
  }
  wake_.notify_all();
  run_chunks();
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return chunks_left_ == 0; });
    fn_ = nullptr;
    n_ = next_ = 0;
    error = error_;
    error_ = nullptr;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace trtocr
