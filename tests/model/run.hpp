// The explorer's interface, for the runner (main.cpp).
#pragma once

#include <cstdint>

#include "model.hpp"

namespace model {

struct Options {
  int bound = -1;        // -1: the scenario's own
  int random_runs = -1;  // -1: the scenario's own
  std::uint64_t seed = 0;
};

struct Outcome {
  bool passed = true;
  int bound = 0;                // the largest bound explored in full
  bool complete = false;        // no schedule needed more preemptions: all were explored
  std::uint64_t schedules = 0;  // schedules explored at that bound
  int random = 0;               // random schedules run after it
  double seconds = 0;
};

/// Explores every schedule of `scenario` within its preemption bound, then its
/// random schedules; prints the first failing schedule, if any.
Outcome explore(const Scenario& scenario, const Options& options);

}  // namespace model
