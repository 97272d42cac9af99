// A service's configuration, published once and read by worker threads on
// every request.
//
// The first thread that needs the configuration parses it; threads that
// arrive meanwhile sleep until it is there; from then on every read is one
// atomic load, with no reference count touched (get_or_init, like get(), only
// reads the slot once it is set). Work that must outlive the service takes
// an owning reference with load().
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <once/once_shared.hpp>

struct Config {
  std::string name;
  int max_batch = 1;
  std::vector<std::string> backends;
};

// "key=value" lines. A real service would read a file or ask a config server.
Config parse_config(const std::string& text) {
  Config config;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const auto equals = line.find('=');
    if (equals == std::string::npos) continue;
    const std::string key = line.substr(0, equals);
    const std::string value = line.substr(equals + 1);
    if (key == "name") config.name = value;
    if (key == "max_batch") config.max_batch = std::stoi(value);
    if (key == "backend") config.backends.push_back(value);
  }
  return config;
}

class Service {
 public:
  explicit Service(std::string config_text) : config_text_(std::move(config_text)) {}

  const Config& config() {
    return config_.get_or_init([this] {
      parses_.fetch_add(1, std::memory_order_relaxed);
      return std::make_shared<const Config>(parse_config(config_text_));
    });
  }

  /// Publishes a ready-made configuration (a test, a command-line override).
  /// Refused once the service has one: the first configuration stays.
  bool override_config(std::shared_ptr<const Config> config) { return config_.store(std::move(config)); }

  /// An owning reference, for work the service does not wait for.
  std::shared_ptr<const Config> config_snapshot() {
    config();
    return config_.load();
  }

  /// Picks the backend for a request: the hot path.
  std::size_t route(int request) {
    const Config& c = config();
    return static_cast<std::size_t>(request) % c.backends.size();
  }

  int parses() const { return parses_.load(std::memory_order_relaxed); }

 private:
  std::string config_text_;
  once::OnceShared<const Config> config_;
  std::atomic<int> parses_{0};
};

int main() {
  constexpr int kWorkers = 4;
  constexpr int kRequestsPerWorker = 100000;
  std::shared_ptr<const Config> snapshot;
  bool ok = true;
  {
    Service service(
        "name=checkout\n"
        "max_batch=32\n"
        "backend=10.0.0.1:9000\n"
        "backend=10.0.0.2:9000\n"
        "backend=10.0.0.3:9000\n");

    // Workers start at once and race for the first read.
    std::vector<std::vector<long>> per_backend(kWorkers);
    std::vector<std::thread> workers;
    workers.reserve(kWorkers);
    for (int w = 0; w < kWorkers; ++w) {
      workers.emplace_back([&, w] {
        auto& counts = per_backend[static_cast<std::size_t>(w)];
        counts.assign(service.config().backends.size(), 0);
        for (int request = 0; request < kRequestsPerWorker; ++request) ++counts[service.route(request)];
      });
    }
    for (auto& worker : workers) worker.join();

    const Config& config = service.config();
    std::printf("service %s: %d workers, %d requests, configuration parsed %d time(s)\n", config.name.c_str(), kWorkers,
                kWorkers * kRequestsPerWorker, service.parses());
    long total = 0;
    for (std::size_t b = 0; b < config.backends.size(); ++b) {
      long served = 0;
      for (const auto& counts : per_backend) served += counts[b];
      total += served;
      std::printf("  backend %s served %ld\n", config.backends[b].c_str(), served);
    }
    ok = service.parses() == 1 && total == long{kWorkers} * kRequestsPerWorker;

    const bool overridden =
        service.override_config(std::make_shared<const Config>(Config{"staging", 1, {"127.0.0.1:9000"}}));
    std::printf("late override: %s\n", overridden ? "applied" : "refused, the service already has its configuration");
    ok = ok && !overridden;

    snapshot = service.config_snapshot();
  }
  // The service and its slot are gone; the snapshot still owns the configuration.
  std::printf("after shutdown, a snapshot still reads %s with max_batch=%d (%ld owner)\n", snapshot->name.c_str(),
              snapshot->max_batch, snapshot.use_count());
  return ok ? 0 : 1;
}
