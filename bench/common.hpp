// What every benchmark binary does around its benchmarks: threads, the build's context, helpers for the loops.
// SPDX-License-Identifier: MIT
//
// Runs the benchmarks in a process that has threads, records what built the
// binary for the report, and gives the loops consume() and cpu_relax().
#pragma once

#include <benchmark/benchmark.h>

#include <string>
#include <thread>

/// Forces inlining where a benchmark must measure the code as a caller's
/// inlined copy of it, not as a call.
#define ONCE_BENCH_INLINE [[gnu::always_inline]] inline

namespace bench {

/// Uses `value` (in a register) and tells the compiler that memory may have
/// changed, so the next read must be done again from scratch. No instruction.
ONCE_BENCH_INLINE void consume(int value) noexcept { __asm__ __volatile__("" : : "r"(value) : "memory"); }

/// The CPU's spin-wait hint, for the benchmarks' own spin loops.
ONCE_BENCH_INLINE void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/// Benchmarks of thread-safe code must run in a process that has threads.
/// glibc and libstdc++ take shortcuts while a process has only ever had one
/// thread (both consult __libc_single_threaded): pthread mutexes lock and
/// unlock without atomic instructions, and std::shared_ptr counts references
/// with plain increments. Measured on the reference machine, a mutex lock and
/// unlock costs 4 ns before the first thread starts and 11 ns after. A
/// program that needs thread-safe initialization has threads.
inline void leave_single_threaded_mode() {
  std::thread([] {}).join();
}

/// Records what built this binary in the JSON's context, for the report.
inline void add_build_context() {
#if defined(__clang__)
  benchmark::AddCustomContext("once_compiler", "clang " __clang_version__);
#elif defined(__GNUC__)
  benchmark::AddCustomContext("once_compiler", "GCC " __VERSION__);
#endif
#if defined(_LIBCPP_VERSION)
  benchmark::AddCustomContext("once_stdlib", "libc++ " + std::to_string(_LIBCPP_VERSION));
#elif defined(_GLIBCXX_RELEASE)
  benchmark::AddCustomContext("once_stdlib", "libstdc++ " + std::to_string(_GLIBCXX_RELEASE));
#endif
#ifdef ONCE_BENCH_BUILD_TYPE
  benchmark::AddCustomContext("once_build_type", ONCE_BENCH_BUILD_TYPE);
#endif
#if defined(__OPTIMIZE__) && defined(NDEBUG)
  benchmark::AddCustomContext("once_optimized", "yes");
#else
  benchmark::AddCustomContext("once_optimized", "no");
#endif
}

/// The body of every benchmark binary's main(), once its benchmarks are
/// registered: a display `reporter` may replace the default console one.
inline int run_benchmarks(int argc, char** argv, benchmark::BenchmarkReporter* reporter = nullptr) {
  leave_single_threaded_mode();
  add_build_context();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks(reporter);
  benchmark::Shutdown();
  return 0;
}

}  // namespace bench
