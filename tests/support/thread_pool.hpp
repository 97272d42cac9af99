// A small thread pool for the tests: an executor that resumes coroutines on its own threads.
// SPDX-License-Identifier: MIT
#pragma once

#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace test {

class ThreadPool {
 public:
  /// The executor the library is given: `executor(handle)` queues `handle`
  /// to be resumed on one of the pool's threads. One pointer, cheap to copy.
  class Executor {
   public:
    explicit Executor(ThreadPool& pool) noexcept : pool_(&pool) {}
    void operator()(std::coroutine_handle<> handle) const { pool_->post(handle); }

   private:
    ThreadPool* pool_;
  };

  explicit ThreadPool(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
  }

  /// Runs everything still queued, then joins the threads.
  ~ThreadPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& thread : threads_) thread.join();
  }

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  Executor executor() noexcept { return Executor(*this); }

  void post(std::coroutine_handle<> handle) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(handle);
      ++posted_;
    }
    ready_.notify_one();
  }

  /// Whether the calling thread is one of this pool's.
  bool on_pool_thread() const noexcept { return current_pool == this; }

  /// How many handles were posted so far.
  std::size_t posted() const {
    std::lock_guard lock(mutex_);
    return posted_;
  }

 private:
  void run() {
    current_pool = this;
    std::unique_lock lock(mutex_);
    for (;;) {
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to run
      const std::coroutine_handle<> handle = queue_.front();
      queue_.pop_front();
      lock.unlock();
      handle.resume();
      lock.lock();
    }
  }

  static inline thread_local const ThreadPool* current_pool = nullptr;

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::coroutine_handle<>> queue_;
  std::size_t posted_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace test
