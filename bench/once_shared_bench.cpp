// OnceShared's read paths against the other ways to share a pointer that is set once and read by many threads.
// SPDX-License-Identifier: MIT
//
// In one binary, so that every ratio comes from the same run on the same
// machine. These peers share a pointer rather than compute an int, so they
// are defined here rather than in peers.hpp.
//
// Peers (benchmark name shared/<id>/threads:<n>, for n = 1 and 2):
//   atomic_raw_pointer      std::atomic<Config*>::load(acquire): the floor, and
//                           the baseline every ratio divides by
//   OnceShared_get          OnceShared<Config>::get()
//   OnceShared_load         OnceShared<Config>::load(): an owning copy, dropped
//                           at once (increment and decrement of the count)
//   atomic_shared_ptr_load  std::atomic<std::shared_ptr<Config>>::load(), where
//                           the standard library has it (__cpp_lib_atomic_shared_ptr)
//   mutex_shared_ptr_copy   a std::shared_ptr<Config> copied under a std::mutex
//
// Method. Every peer's object has static storage duration and is set before
// timing starts; with 2 threads both read the same object, as the threads of
// a service read its one configuration. One iteration is one read, whose
// result goes to benchmark::DoNotOptimize: the value must be materialized, and
// the asm statement's "memory" clobber makes the compiler assume that every
// object may have changed, so the next iteration reads again (nothing is
// hoisted out of the loop). The owning peers also drop their copy inside the
// iteration, as a caller that takes a reference for a moment does.
//
// After the run, a summary prints each peer's time per read and its ratio to
// atomic_raw_pointer at the same thread count. Times are wall-clock time per
// read: with 2 threads, the run's duration divided by the reads both threads
// made, so contention on a shared reference count or lock shows up there.
#include <benchmark/benchmark.h>

#include "common.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <once/once_shared.hpp>

namespace {

struct Config {
  int port = 8080;
  int workers = 4;
};

std::atomic<Config*> raw_pointer{nullptr};
constinit once::OnceShared<Config> once_shared;
#if defined(__cpp_lib_atomic_shared_ptr)
std::atomic<std::shared_ptr<Config>> atomic_shared;
#endif
std::mutex guard;
std::shared_ptr<Config> guarded;

std::shared_ptr<Config> config;  // the object every peer points to

void set_up() {
  config = std::make_shared<Config>();
  raw_pointer.store(config.get(), std::memory_order_release);
  once_shared.store(config);
#if defined(__cpp_lib_atomic_shared_ptr)
  atomic_shared.store(config);
#endif
  const std::lock_guard<std::mutex> lock(guard);
  guarded = config;
}

void read_atomic_raw_pointer(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(raw_pointer.load(std::memory_order_acquire));
  state.SetLabel("baseline");  // for scripts/bench_report.py's ratio column
}

void read_once_shared_get(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(once_shared.get());
}

void read_once_shared_load(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(once_shared.load());
}

#if defined(__cpp_lib_atomic_shared_ptr)
void read_atomic_shared_ptr_load(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(atomic_shared.load(std::memory_order_acquire));
}
#endif

void read_mutex_shared_ptr_copy(benchmark::State& state) {
  for (auto _ : state) {
    std::shared_ptr<Config> copy;
    {
      const std::lock_guard<std::mutex> lock(guard);
      copy = guarded;
    }
    benchmark::DoNotOptimize(copy);
  }
}

constexpr const char* kBaseline = "atomic_raw_pointer";

void register_all() {
  const std::vector<std::pair<const char*, void (*)(benchmark::State&)>> peers = {
    {kBaseline, read_atomic_raw_pointer},
    {"OnceShared_get", read_once_shared_get},
    {"OnceShared_load", read_once_shared_load},
#if defined(__cpp_lib_atomic_shared_ptr)
    {"atomic_shared_ptr_load", read_atomic_shared_ptr_load},
#endif
    {"mutex_shared_ptr_copy", read_mutex_shared_ptr_copy},
  };
  for (const auto& [id, function] : peers) {
    benchmark::RegisterBenchmark((std::string("shared/") + id).c_str(), function)->Threads(1)->Threads(2);
  }
}

/// The console output, then a summary of the ratios. With repetitions it
/// uses each benchmark's median, else the mean of its runs.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  RatioReporter() : ConsoleReporter(OO_None) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      // "shared/<id>" without the prefix
      std::string id = run.run_name.function_name.substr(run.run_name.function_name.find('/') + 1);
      Times& times = times_[{id, run.threads}];
      const double ns = run.GetAdjustedRealTime() * nanoseconds_per(run.time_unit);
      if (run.run_type == Run::RT_Aggregate) {
        if (run.aggregate_name == "median") times.median = ns;
      } else {
        times.sum += ns;
        ++times.count;
      }
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::FILE* out = stdout;
    std::fprintf(out, "\nOnceShared read paths: wall time per read, and ratio to std::atomic<T*>::load(acquire)\n");
    std::fprintf(out, "%-26s %22s %22s\n", "", "1 thread", "2 threads");
    std::vector<std::string> order;
    for (const auto& [key, times] : times_) {
      static_cast<void>(times);
      if (std::find(order.begin(), order.end(), key.first) == order.end()) order.push_back(key.first);
    }
    std::sort(order.begin(), order.end(), [](const std::string& a, const std::string& b) {
      return (a == kBaseline) != (b == kBaseline) ? a == kBaseline : a < b;
    });
    for (const std::string& id : order) {
      std::fprintf(out, "%-26s", id.c_str());
      for (std::int64_t threads : {1, 2}) {
        const double ns = time_of(id, threads);
        const double baseline = time_of(kBaseline, threads);
        if (ns > 0 && baseline > 0) {
          std::fprintf(out, " %10.2f ns %8.1fx", ns, ns / baseline);
        } else {
          std::fprintf(out, " %22s", "-");
        }
      }
      std::fprintf(out, "\n");
    }
#if !defined(__cpp_lib_atomic_shared_ptr)
    std::fprintf(out, "(this standard library has no std::atomic<std::shared_ptr<T>>)\n");
#endif
    std::fflush(out);
  }

 private:
  struct Times {
    double median = 0;
    double sum = 0;
    int count = 0;
  };

  static double nanoseconds_per(benchmark::TimeUnit unit) {
    switch (unit) {
      case benchmark::kNanosecond:
        return 1;
      case benchmark::kMicrosecond:
        return 1e3;
      case benchmark::kMillisecond:
        return 1e6;
      case benchmark::kSecond:
        return 1e9;
    }
    return 1;
  }

  double time_of(const std::string& id, std::int64_t threads) const {
    const auto it = times_.find({id, threads});
    if (it == times_.end()) return 0;
    if (it->second.median > 0) return it->second.median;
    return it->second.count > 0 ? it->second.sum / it->second.count : 0;
  }

  std::map<std::pair<std::string, std::int64_t>, Times> times_;
};

}  // namespace

int main(int argc, char** argv) {
  set_up();
  register_all();
  RatioReporter reporter;
  return bench::run_benchmarks(argc, argv, &reporter);
}
