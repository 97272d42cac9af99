// once: initialize-once primitives for C++20.
// SPDX-License-Identifier: MIT
//
// Sizes: sizeof and alignof of every type of the library next to what a C++
// programmer would otherwise write, recorded as Google Benchmark counters
// (bytes, align) so that they land in the same JSON as the timings, from the
// same compiler and standard library. Nothing is timed: each entry is one
// empty iteration.
//
//   size/<id>     label: the type as spelled in C++
//
// The report puts the Rust figures next to them (they are not measured here).

#include <benchmark/benchmark.h>

#include "common.hpp"

#ifdef ONCE_BENCH_HAS_ABSL
#include <absl/base/call_once.h>
#endif
#ifdef ONCE_BENCH_HAS_BOOST
#include <boost/thread/once.hpp>
#endif

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>

#include <once/lazy_cell.hpp>
#include <once/lazy_lock.hpp>
#include <once/once_cell.hpp>
#include <once/once_lock.hpp>
#if __has_include(<once/once_shared.hpp>)
#include <once/once_shared.hpp>
#define ONCE_BENCH_HAS_ONCE_SHARED 1
#endif
#if __has_include(<once/set_once.hpp>)
#include <once/set_once.hpp>
#define ONCE_BENCH_HAS_SET_ONCE 1
#endif

namespace {

constexpr auto kCaptureless = [] { return 42; };
using Captureless = std::remove_const_t<decltype(kCaptureless)>;

// The hand-rolled alternatives, as one would write them.
struct OptionalAndOnceFlag {
  std::optional<int> value;
  std::once_flag flag;
};
struct MutexAndOptional {
  std::mutex mutex;
  std::optional<int> value;
};
struct AtomicBoolMutexInt {
  std::atomic<bool> ready{false};
  std::mutex mutex;
  int value = 0;
};

void register_size(const char* id, const char* spelling, std::size_t size, std::size_t align, bool ours) {
  benchmark::RegisterBenchmark((std::string("size/") + id).c_str(), [=](benchmark::State& state) {
    for (auto _ : state) {
    }
    state.counters["bytes"] = static_cast<double>(size);
    state.counters["align"] = static_cast<double>(align);
    state.counters["once"] = ours ? 1.0 : 0.0;
    state.SetLabel(spelling);
  })->Iterations(1);
}

template <class T>
void ours(const char* id, const char* spelling) {
  register_size(id, spelling, sizeof(T), alignof(T), true);
}

template <class T>
void peer(const char* id, const char* spelling) {
  register_size(id, spelling, sizeof(T), alignof(T), false);
}

void register_all() {
  ours<once::OnceCell<int>>("OnceCell_int", "once::OnceCell<int>");
  ours<once::OnceLock<int>>("OnceLock_int", "once::OnceLock<int>");
  ours<once::LazyCell<int, Captureless>>("LazyCell_int_captureless", "once::LazyCell<int, captureless lambda>");
  ours<once::LazyLock<int, Captureless>>("LazyLock_int_captureless", "once::LazyLock<int, captureless lambda>");
  ours<once::LazyLock<int>>("LazyLock_int_fnptr", "once::LazyLock<int> (F = int(*)())");
  ours<once::OnceLock<std::uint64_t>>("OnceLock_uint64", "once::OnceLock<std::uint64_t>");
  ours<once::OnceLock<std::string>>("OnceLock_string", "once::OnceLock<std::string>");
#ifdef ONCE_BENCH_HAS_ONCE_SHARED
  ours<once::OnceShared<int>>("OnceShared_int", "once::OnceShared<int>");
#endif
#ifdef ONCE_BENCH_HAS_SET_ONCE
  ours<once::SetOnce<int>>("SetOnce_int", "once::SetOnce<int>");
  ours<once::SetOnce<void>>("SetOnce_void", "once::SetOnce<void>");
#endif

  peer<std::once_flag>("std_once_flag", "std::once_flag");
  peer<OptionalAndOnceFlag>("optional_int_once_flag", "std::optional<int> + std::once_flag");
#ifdef ONCE_BENCH_HAS_ABSL
  peer<absl::once_flag>("absl_once_flag", "absl::once_flag");
#endif
#ifdef ONCE_BENCH_HAS_BOOST
  peer<boost::once_flag>("boost_once_flag", "boost::once_flag");
#endif
  peer<AtomicBoolMutexInt>("atomic_bool_mutex_int", "std::atomic<bool> + std::mutex + int");
  peer<MutexAndOptional>("mutex_optional_int", "std::mutex + std::optional<int>");
  peer<std::optional<int>>("optional_int", "std::optional<int> (not thread-safe)");
#ifdef ONCE_BENCH_HAS_ONCE_SHARED
  peer<std::shared_ptr<int>>("shared_ptr_int", "std::shared_ptr<int>");
  peer<std::atomic<std::shared_ptr<int>>>("atomic_shared_ptr_int", "std::atomic<std::shared_ptr<int>>");
#endif
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  return bench::run_benchmarks(argc, argv);
}
