// A class with an expensive derived value that is computed on first use, at
// most once, even when many threads ask for it at the same time through a
// const method: a `mutable OnceLock`, as one would use a `mutable std::mutex`.
#include <atomic>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <once/once_lock.hpp>

namespace {

struct WordStats {
  std::size_t words = 0;
  std::string most_common;
};

class Document {
 public:
  explicit Document(std::string text) : text_(std::move(text)) {}

  // Const and thread-safe: the first caller computes, the others wait for it
  // (sleeping, not spinning), and from then on it is one load and a compare.
  const WordStats& stats() const {
    return stats_.get_or_init([this] { return compute_stats(); });
  }

  int computations() const { return computations_.load(); }

 private:
  WordStats compute_stats() const {
    ++computations_;
    std::map<std::string, int> counts;
    WordStats stats;
    std::string word;
    for (char c : text_ + ' ') {
      if (c == ' ') {
        if (!word.empty()) {
          ++stats.words;
          ++counts[word];
        }
        word.clear();
      } else {
        word += c;
      }
    }
    int best = 0;
    for (const auto& [candidate, count] : counts) {
      if (count > best) {
        best = count;
        stats.most_common = candidate;
      }
    }
    return stats;
  }

  std::string text_;
  mutable once::OnceLock<WordStats> stats_;  // mutable: caching is not a logical change
  mutable std::atomic<int> computations_{0};
};

}  // namespace

int main() {
  const Document doc("the cat sat on the mat and the dog sat on the log");

  constexpr int kReaders = 8;
  std::vector<std::thread> readers;
  readers.reserve(kReaders);
  std::atomic<std::size_t> total_words{0};
  for (int i = 0; i < kReaders; ++i) {
    readers.emplace_back([&] { total_words += doc.stats().words; });
  }
  for (auto& reader : readers) reader.join();

  std::printf("words: %zu, most common: \"%s\"\n", doc.stats().words, doc.stats().most_common.c_str());
  std::printf("8 readers saw %zu words in total; computed %d time(s)\n", total_words.load(), doc.computations());
  return doc.computations() == 1 && total_words.load() == 8 * doc.stats().words ? 0 : 1;
}
