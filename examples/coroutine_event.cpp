// Coroutines on a thread pool wait for a value that a producer thread sets
// once: a session token here, fetched slowly. One consumer gives up before
// the token arrives, through a std::stop_source.
//
// SetOnce<T> is the hand-off: consumers `co_await token.async_wait(executor)`
// and are resumed on the pool (not on the producer's thread) once the token
// is set; the cancelled one is resumed on the pool too, with nullptr, as soon
// as stop is requested. Nothing is allocated for waiting: each waiter's list
// node lives in its own coroutine frame.
//
// The task type and the pool below are the smallest that do the job; a real
// program would use its framework's (asio, libunifex, folly, ...).
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstdio>
#include <deque>
#include <exception>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <version>

#if defined(__cpp_lib_jthread)
#include <stop_token>
#endif

#include <once/set_once.hpp>

// ---- A fire-and-forget coroutine type ----------------------------------------
struct Detached {
  struct promise_type {
    Detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

// ---- A small thread pool -------------------------------------------------------
class ThreadPool {
 public:
  explicit ThreadPool(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this, i] { run(i); });
  }
  ~ThreadPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& thread : threads_) thread.join();
  }

  void post(std::coroutine_handle<> handle) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(handle);
    }
    ready_.notify_one();
  }

  /// What SetOnce::async_wait takes: anything callable with a coroutine handle.
  auto executor() {
    return [this](std::coroutine_handle<> handle) { post(handle); };
  }

  /// `co_await pool.schedule()` moves the coroutine onto the pool.
  auto schedule() {
    struct Hop {
      ThreadPool* pool;
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<> handle) const { pool->post(handle); }
      void await_resume() const noexcept {}
    };
    return Hop{this};
  }

  static int worker_id() { return current_worker; }

 private:
  void run(int id) {
    current_worker = id;
    std::unique_lock lock(mutex_);
    for (;;) {
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      auto handle = queue_.front();
      queue_.pop_front();
      lock.unlock();
      handle.resume();
      lock.lock();
    }
  }

  static inline thread_local int current_worker = -1;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::coroutine_handle<>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// ---- The program ----------------------------------------------------------------
std::mutex print_mutex;

void say(const std::string& line) {
  std::lock_guard lock(print_mutex);
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

std::string on_worker() { return " (on worker " + std::to_string(ThreadPool::worker_id()) + ")"; }

Detached consumer(int id, once::SetOnce<std::string>& token, ThreadPool& pool, std::latch& done) {
  co_await pool.schedule();
  const std::string name = "consumer " + std::to_string(id);
  say(name + ": waiting for the token" + on_worker());
  const std::string& value = co_await token.async_wait(pool.executor());
  say(name + ": got \"" + value + "\"" + on_worker());
  done.count_down();
}

#if defined(__cpp_lib_jthread)
Detached impatient_consumer(int id, once::SetOnce<std::string>& token, ThreadPool& pool, std::stop_token stop,
                            std::latch& done) {
  co_await pool.schedule();
  const std::string name = "consumer " + std::to_string(id);
  say(name + ": waiting for the token, but may give up" + on_worker());
  if (const std::string* value = co_await token.async_wait(pool.executor(), std::move(stop))) {
    say(name + ": got \"" + *value + "\"" + on_worker());
  } else {
    say(name + ": cancelled before the token came, resumed with nullptr" + on_worker());
  }
  done.count_down();
}
#endif

int main() {
  using namespace std::chrono_literals;
  constexpr int kConsumers = 3;

#if defined(__cpp_lib_jthread)
  constexpr int kTasks = kConsumers + 1;
#else
  constexpr int kTasks = kConsumers;
#endif
  // Declared before the pool, so they outlive the coroutines running on it.
  once::SetOnce<std::string> token;
  std::latch done(kTasks);
  ThreadPool pool(2);
#if defined(__cpp_lib_jthread)
  std::stop_source give_up;
  impatient_consumer(kConsumers, token, pool, give_up.get_token(), done);
#else
  say("(this standard library has no <stop_token>: the cancellable consumer is left out)");
#endif
  for (int id = 0; id < kConsumers; ++id) consumer(id, token, pool, done);

  std::thread producer([&] {
    std::this_thread::sleep_for(50ms);  // a slow fetch
    say("producer: token fetched, setting it");
    token.set("tok-4f2a");
    say("producer: set() returned; the consumers run on the pool, not on this thread");
  });

#if defined(__cpp_lib_jthread)
  std::this_thread::sleep_for(10ms);
  say("main: consumer " + std::to_string(kConsumers) + "'s user gave up: request_stop()");
  give_up.request_stop();
#endif

  producer.join();
  done.wait();
  say(std::string("main: every consumer finished; a second set() returns ") + (token.set("other") ? "true" : "false"));
  return token.get() != nullptr && *token.get() == "tok-4f2a" ? 0 : 1;
}
