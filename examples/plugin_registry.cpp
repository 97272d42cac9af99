// A process-wide registry that is built on first use, by whichever thread
// gets there first, while every other thread waits for it and then reads it
// with one load and one compare.
//
// `constinit` guarantees the LazyLock itself is initialized at compile time:
// no static initialization order problems, no start-up cost, and the first
// access from any thread (even from another global's constructor) is safe.
#include <atomic>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <once/lazy_lock.hpp>

namespace {

struct Codec {
  std::string name;
  bool lossless;
};

class CodecRegistry {
 public:
  // Stands for something slow: scanning a plugin directory, parsing files...
  static CodecRegistry discover() {
    ++discoveries;
    CodecRegistry registry;
    registry.add("png", {"PNG", true});
    registry.add("jpg", {"JPEG", false});
    registry.add("jpeg", {"JPEG", false});
    registry.add("webp", {"WebP", false});
    registry.add("flac", {"FLAC", true});
    return registry;
  }

  const Codec* find(std::string_view extension) const {
    auto it = by_extension_.find(extension);
    return it == by_extension_.end() ? nullptr : &it->second;
  }

  static inline std::atomic<int> discoveries{0};

 private:
  void add(std::string extension, Codec codec) { by_extension_.emplace(std::move(extension), std::move(codec)); }

  std::map<std::string, Codec, std::less<>> by_extension_;
};

// The whole declaration: the type is deduced from the lambda.
constinit once::LazyLock codecs = [] { return CodecRegistry::discover(); };

std::string_view extension_of(std::string_view file) {
  const auto dot = file.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : file.substr(dot + 1);
}

}  // namespace

int main() {
  const std::vector<std::string> files = {"photo.jpg", "scan.png", "song.flac", "notes.txt", "banner.webp"};

  std::vector<std::string> lines(files.size());
  std::vector<std::thread> workers;
  for (std::size_t i = 0; i < files.size(); ++i) {
    workers.emplace_back([&, i] {
      // The first dereference runs discover(); concurrent ones sleep until it is done.
      const Codec* codec = codecs->find(extension_of(files[i]));
      lines[i] = files[i] + ": " +
                 (codec != nullptr ? codec->name + (codec->lossless ? " (lossless)" : " (lossy)") : "unknown");
    });
  }
  for (auto& worker : workers) worker.join();

  for (const auto& line : lines) std::printf("%s\n", line.c_str());
  std::printf("registry discovered %d time(s)\n", CodecRegistry::discoveries.load());
  return CodecRegistry::discoveries.load() == 1 ? 0 : 1;
}
