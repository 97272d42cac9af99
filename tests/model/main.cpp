// The model checker's runner: explores the scenarios named on the command
// line (all of them by default) and prints, per scenario, the bound, the
// number of schedules explored and the random schedules run after them.
//
//   model_test [--list] [--bound N] [--random N] [--seed S] [name...]
//
// A name selects the scenario of that name, or every scenario in the group
// it names (`once_state` selects once_state.*).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "model.hpp"
#include "run.hpp"

int main(int argc, char** argv) {
  model::Options options;
  options.seed = 20261130;
  std::vector<std::string> names;
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "model_test: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--list") {
      list = true;
    } else if (arg == "--bound") {
      options.bound = std::atoi(value());
    } else if (arg == "--random") {
      options.random_runs = std::atoi(value());
    } else if (arg == "--seed") {
      options.seed = std::strtoull(value(), nullptr, 10);
    } else {
      names.push_back(arg);
    }
  }

  auto matches = [](const std::string& name, const model::Scenario& scenario) {
    return scenario.name == name || scenario.name.rfind(name + ".", 0) == 0;
  };
  std::vector<const model::Scenario*> selected;
  for (const model::Scenario& scenario : model::scenarios()) {
    bool wanted = names.empty();
    for (const std::string& name : names) wanted = wanted || matches(name, scenario);
    if (wanted) selected.push_back(&scenario);
  }
  for (const std::string& name : names) {
    bool known = false;
    for (const model::Scenario& scenario : model::scenarios()) known = known || matches(name, scenario);
    if (!known) {
      std::fprintf(stderr, "model_test: no scenario named %s (see --list)\n", name.c_str());
      return 2;
    }
  }
  if (list) {
    for (const model::Scenario* scenario : selected) {
      std::printf("%-34s bound %d, %d random: %s\n", scenario->name.c_str(), scenario->bound, scenario->random_runs,
                  scenario->description.c_str());
    }
    return 0;
  }

  std::printf("random schedules use seed %llu\n", static_cast<unsigned long long>(options.seed));
  int failures = 0;
  for (const model::Scenario* scenario : selected) {
    std::fflush(stdout);
    const model::Outcome outcome = model::explore(*scenario, options);
    if (!outcome.passed) {
      ++failures;
      continue;
    }
    const std::string extent = outcome.complete ? "all schedules (needs bound " + std::to_string(outcome.bound) + ")"
                                                : "every schedule to bound " + std::to_string(outcome.bound);
    std::printf("ok   %-34s %9llu schedules: %-31s + %4d random, %6.1f s\n", scenario->name.c_str(),
                static_cast<unsigned long long>(outcome.schedules), extent.c_str(), outcome.random, outcome.seconds);
  }
  std::fflush(stdout);
  return failures == 0 ? 0 : 1;
}
