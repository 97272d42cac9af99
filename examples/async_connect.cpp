// An asynchronous initializer: the first client to need a connection opens
// it, with a `connect` that suspends; the other clients wait without
// blocking a thread; if the opener fails or is cancelled, the next client
// takes over. This is tokio's OnceCell::get_or_init, with any task type:
//
//     if (auto claim = co_await connection.claim()) claim.set(co_await connect(...));
//     co_return *connection.get();
//
// The story below, on one thread:
//   * clients 1, 2 and 3 ask for the connection; 1 claims it, 2 and 3 queue;
//   * 1's connect fails: the exception goes to client 1, and the claim to
//     client 2 alone (client 3 stays asleep: no thundering herd);
//   * client 2 is cancelled mid-connect (its task is destroyed, as task
//     libraries cancel): the claim passes to client 3;
//   * client 3's connect succeeds: every waiter gets the connection.
//
// Task<T> below is a minimal lazy task (the shape of cppcoro's or
// libcoro's); `Network` stands in for an event loop's sockets.
#include <coroutine>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <once/set_once.hpp>

// ---- A lazy task: starts when awaited (or start()ed), resumes its awaiter --------
template <class T>
class Task {
  using Stored = std::conditional_t<std::is_reference_v<T>, std::remove_reference_t<T>*, T>;

 public:
  struct promise_type {
    std::optional<Stored> value;
    std::exception_ptr exception;
    std::coroutine_handle<> continuation = std::noop_coroutine();

    Task get_return_object() noexcept { return Task(std::coroutine_handle<promise_type>::from_promise(*this)); }
    std::suspend_always initial_suspend() noexcept { return {}; }
    auto final_suspend() noexcept {
      struct ResumeAwaiter {
        bool await_ready() noexcept { return false; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> self) noexcept {
          return self.promise().continuation;
        }
        void await_resume() noexcept {}
      };
      return ResumeAwaiter{};
    }
    void return_value(T result) {
      if constexpr (std::is_reference_v<T>) {
        value = &result;
      } else {
        value.emplace(std::move(result));
      }
    }
    void unhandled_exception() noexcept { exception = std::current_exception(); }
  };

  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&&) = delete;
  ~Task() {
    if (handle_) handle_.destroy();  // destroying a suspended task cancels it
  }

  // co_await task: runs it, and resumes the awaiter when it ends.
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiter) noexcept {
    handle_.promise().continuation = awaiter;
    return handle_;
  }
  T await_resume() { return result(); }

  // For the root tasks that main() drives.
  void start() { handle_.resume(); }
  bool done() const noexcept { return handle_.done(); }
  T result() {
    auto& promise = handle_.promise();
    if (promise.exception) std::rethrow_exception(promise.exception);
    if constexpr (std::is_reference_v<T>) {
      return **promise.value;
    } else {
      return std::move(*promise.value);
    }
  }

 private:
  explicit Task(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}
  std::coroutine_handle<promise_type> handle_;
};

// ---- The "network": each connect attempt suspends until its reply comes ----------
struct Connection {
  std::string peer;
  int attempt;
};

class Network {
 public:
  // The reply to attempt `attempt`: true = connected, false = refused.
  once::SetOnce<bool>& reply(int attempt) { return replies_[attempt]; }
  int attempts() const { return static_cast<int>(replies_.size()); }

 private:
  std::map<int, once::SetOnce<bool>> replies_;  // map: the cells never move
};

Task<Connection> connect(Network& network, int attempt) {
  std::printf("  attempt %d: connecting...\n", attempt);
  const bool accepted = co_await network.reply(attempt);  // suspends until the reply
  if (!accepted) throw std::runtime_error("connection refused");
  co_return Connection{"db.example:5432", attempt};
}

// ---- The asynchronous initializer ---------------------------------------------------
once::SetOnce<Connection> connection;

Task<Connection&> get_connection(Network& network, int client) {
  if (auto claim = co_await connection.claim()) claim.set(co_await connect(network, client));
  co_return *connection.get();
}

// A client that only waits: never opens the connection itself.
Task<Connection&> wait_for_connection() { co_return co_await connection; }

int main() {
  Network network;
  std::optional<Task<Connection&>> client1(get_connection(network, 1));
  std::optional<Task<Connection&>> client2(get_connection(network, 2));
  Task<Connection&> client3 = get_connection(network, 3);
  Task<Connection&> watcher = wait_for_connection();

  std::puts("clients 1, 2, 3 and a watcher start:");
  client1->start();  // claims, starts attempt 1, suspends on its reply
  client2->start();  // queues for the claim
  client3.start();   // queues behind client 2
  watcher.start();   // waits for the value only
  bool ok = network.attempts() == 1;

  std::puts("attempt 1 is refused:");
  network.reply(1).set(false);  // client 1 throws; the claim goes to client 2, which starts attempt 2
  try {
    client1->result();
    ok = false;
  } catch (const std::runtime_error& error) {
    std::printf("  client 1 failed: %s\n", error.what());
  }
  ok = ok && network.attempts() == 2 && !connection.has_value();

  std::puts("client 2 is cancelled while attempt 2 is in flight:");
  client2.reset();  // destroys its frame: the claim passes to client 3, which starts attempt 3
  ok = ok && network.attempts() == 3 && !connection.has_value();

  std::puts("attempt 3 is accepted:");
  network.reply(3).set(true);  // client 3 publishes; the watcher resumes
  ok = ok && client3.done() && watcher.done();
  Connection& c3 = client3.result();
  Connection& seen = watcher.result();
  std::printf("  client 3 has %s (attempt %d); the watcher sees the same object: %s\n", c3.peer.c_str(), c3.attempt,
              &c3 == &seen ? "yes" : "no");
  ok = ok && &c3 == &seen && c3.attempt == 3 && connection.get() == &c3;

  // A latecomer does not suspend at all, and never connects.
  Task<Connection&> late = get_connection(network, 4);
  late.start();
  ok = ok && late.done() && &late.result() == &c3 && network.attempts() == 3;

  std::puts(ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
