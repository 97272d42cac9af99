// Sizes: sizeof and alignof of every type of the library next to what a C++ programmer would otherwise write.
// SPDX-License-Identifier: MIT
//
// Recorded as Google Benchmark counters (bytes, align) so that they land in
// the same JSON as the timings, from the same compiler and standard library.
// Nothing is timed: each entry is one empty iteration. The hand-written
// peers' layouts are those of peers.hpp.
//
//   size/<id>     label: the type as spelled in C++
//
// The report puts the Rust figures next to them (they are not measured here).

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>

#include <once/once_shared.hpp>

#include "common.hpp"
#include "peers.hpp"

namespace {

namespace peers = bench::peers;

constexpr auto kCaptureless = [] { return 42; };
using Captureless = std::remove_const_t<decltype(kCaptureless)>;

/// std::call_once's usual companion: the value kept in an optional.
struct OptionalAndOnceFlag {
  std::optional<int> value;
  std::once_flag flag;
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
  ours<once::OnceShared<int>>("OnceShared_int", "once::OnceShared<int>");
  ours<once::SetOnce<int>>("SetOnce_int", "once::SetOnce<int>");
  ours<once::SetOnce<void>>("SetOnce_void", "once::SetOnce<void>");
  ours<once::OnceFlag>("OnceFlag", "once::OnceFlag");

  peer<std::once_flag>("std_once_flag", "std::once_flag");
  peer<OptionalAndOnceFlag>("optional_int_once_flag", "std::optional<int> + std::once_flag");
#ifdef ONCE_BENCH_HAS_ABSL
  peer<absl::once_flag>("absl_once_flag", "absl::once_flag");
#endif
#ifdef ONCE_BENCH_HAS_BOOST
  peer<boost::once_flag>("boost_once_flag", "boost::once_flag");
#endif
  peer<peers::AtomicBoolDclp::Cell>("atomic_bool_mutex_int", "std::atomic<bool> + std::mutex + int");
  peer<peers::MutexOptional::Cell>("mutex_optional_int", "std::mutex + std::optional<int>");
  peer<std::optional<int>>("optional_int", "std::optional<int> (not thread-safe)");
  peer<std::shared_ptr<int>>("shared_ptr_int", "std::shared_ptr<int>");
  peer<std::atomic<std::shared_ptr<int>>>("atomic_shared_ptr_int", "std::atomic<std::shared_ptr<int>>");
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  return bench::run_benchmarks(argc, argv);
}
