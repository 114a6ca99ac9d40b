// kv_native_bench: the persistency layer against the raw SQLite C API on the
// same workload, in one process, phase by phase. See bench/README.md.
//
// Every phase runs each variant once per repetition, back to back, in an
// order that alternates between repetitions (ours first, then raw first),
// and reports medians. Puts start from an empty file; reads reopen the file
// so the SQLite page cache starts cold (the OS cache stays warm).
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "report.h"
#include "sides.h"
#include "workload.h"

namespace kvbench {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kSingleCommitRows = 2000;
constexpr std::size_t kGets = 10'000;
constexpr std::size_t kScans = 100;
constexpr std::size_t kPrefixScans = 100;
constexpr int kCounts = 10;
constexpr std::size_t kPipelinedWindow = 64;

constexpr std::uint32_t kPayloadSeed = 1;
constexpr std::uint32_t kGetSeed = 2;
constexpr std::uint32_t kScanSeed = 3;
constexpr std::uint32_t kPrefixSeed = 4;

struct Options {
  std::uint64_t rows = 100'000;
  int reps = 3;
  std::string json_path;
  fs::path parent_dir;
};

void PrintUsage(std::ostream& out) {
  out << "usage: kv_native_bench [--rows N] [--reps N] [--quick] [--json PATH] [--dir PATH]\n"
         "  --rows N     rows per dataset (default 100000, at least 1000)\n"
         "  --reps N     repetitions per phase; medians are reported (default 3)\n"
         "  --quick      smoke run: --rows 10000 --reps 1\n"
         "  --json PATH  also write the results as JSON to PATH\n"
         "  --dir PATH   where to create the scratch directory (default: the system temp dir)\n";
}

std::uint64_t ParseCount(std::string_view flag, const char* text) {
  std::uint64_t value = 0;
  std::string_view view(text);
  auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), value);
  if (error != std::errc() || end != view.data() + view.size() || value == 0) {
    throw std::invalid_argument(std::string(flag) + " needs a positive integer, got '" +
                                std::string(view) + "'");
  }
  return value;
}

Options ParseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) throw std::invalid_argument(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "--rows") {
      options.rows = ParseCount(arg, value());
    } else if (arg == "--reps") {
      options.reps = static_cast<int>(std::min<std::uint64_t>(ParseCount(arg, value()), 1000));
    } else if (arg == "--quick") {
      options.rows = 10'000;
      options.reps = 1;
    } else if (arg == "--json") {
      options.json_path = value();
    } else if (arg == "--dir") {
      options.parent_dir = value();
    } else if (arg == "-h" || arg == "--help") {
      PrintUsage(std::cout);
      std::exit(0);
    } else {
      throw std::invalid_argument("unknown argument '" + std::string(arg) + "'");
    }
  }
  if (options.rows < kScanRows) {
    throw std::invalid_argument("--rows must be at least " + std::to_string(kScanRows));
  }
  if (options.rows > 0xFFFFFFFFull) throw std::invalid_argument("--rows is too large");
  return options;
}

// The scratch directory; removed with everything in it on every exit path.
class ScratchDir {
 public:
  explicit ScratchDir(const fs::path& parent)
      : path_((parent.empty() ? fs::temp_directory_path() : parent) /
              ("sds-kv-bench-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void RemoveDatabase(const fs::path& db) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    fs::remove(fs::path(db.string() + suffix));
  }
}

// A contender: which side, and which of the per-side files it works on.
struct Variant {
  std::string name;  // as in report.h
  std::string file;  // "job", "store" or "raw": Job variants share a file
  std::size_t get_window = 1;
  bool flush_each_tx = false;
};

const Variant kJob{"job", "job"};
const Variant kJobFlushEachTx{"job-tx", "job", 1, true};
const Variant kJobPipelined{"job64", "job", kPipelinedWindow};
const Variant kStore{"store", "store"};
const Variant kRaw{kRawVariant, "raw"};

std::unique_ptr<KvSide> OpenVariant(const Variant& variant, const fs::path& path) {
  if (variant.name == kRawVariant) return OpenRawSide(path);
  if (variant.name == "store") return OpenStoreSide(path);
  return OpenJobSide(path, variant.get_window, variant.flush_each_tx);
}

// Even repetitions run the variants as listed (ours first), odd ones in
// reverse (raw first), so neither side always gets the warmer slot.
std::vector<Variant> OrderFor(int rep, std::vector<Variant> variants) {
  if (rep % 2 == 1) std::reverse(variants.begin(), variants.end());
  return variants;
}

// Writes back every dirty page before a timed run, so no run pays for the
// kernel flushing an earlier run's files (on 2 cores the flusher threads
// otherwise steal CPU and delay the storage thread's wake-ups).
void Settle() { ::sync(); }

template <class F>
double SecondsOf(F&& work) {
  auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class Bench {
 public:
  Bench(const Options& options, const fs::path& dir)
      : options_(options), dir_(dir), pool_(kPayloadSeed) {}

  std::vector<PhaseResult> Run() {
    std::vector<PhaseResult> results;
    const std::vector<Variant> writers = {kJob, kStore, kRaw};
    results.push_back(Put("put_tx1", "put tx=1", 1, std::min(options_.rows, kSingleCommitRows)));
    results.push_back(Put("put_tx100", "put tx=100", 100, options_.rows));
    // Last: its files (one per side) are the flat dataset the reads use.
    results.push_back(Put("put_tx1000", "put tx=1000", 1000, options_.rows));
    BuildGroupedDatasets(writers);

    std::vector<std::uint64_t> get_rows = RandomIndices(kGetSeed, kGets, options_.rows);
    Digest get_expected;
    for (std::uint64_t row : get_rows) get_expected.Add(FlatKey(row), pool_.For(row));
    results.push_back(Read("get", "get", "ops/s", static_cast<double>(kGets),
                           {kJob, kJobPipelined, kStore, kRaw}, false, get_expected,
                           [&](KvSide& side) { return side.Get(get_rows); }));

    std::vector<std::uint64_t> starts =
        RandomIndices(kScanSeed, kScans, options_.rows - kScanRows + 1);
    Digest scan_expected;
    for (std::uint64_t start : starts) {
      for (std::uint64_t row = start; row < start + kScanRows; ++row) {
        scan_expected.Add(FlatKey(row), pool_.For(row));
      }
    }
    results.push_back(Read("scan", "scan 1000", "rows/s",
                           static_cast<double>(kScans * kScanRows), writers, false, scan_expected,
                           [&](KvSide& side) { return side.Scan(starts, kScanRows); }));

    std::vector<std::uint64_t> groups = RandomIndices(kPrefixSeed, kPrefixScans, GroupCount());
    Digest prefix_expected;
    for (std::uint64_t group : groups) {
      for (std::uint64_t row = group * kScanRows; row < (group + 1) * kScanRows; ++row) {
        prefix_expected.Add(GroupedKey(row), pool_.For(row));
      }
    }
    results.push_back(Read("prefix_scan", "prefix scan 1000", "rows/s",
                           static_cast<double>(kPrefixScans * kScanRows), writers, true,
                           prefix_expected,
                           [&](KvSide& side) { return side.ScanPrefix(groups); }));

    Digest count_expected;
    count_expected.rows = options_.rows;
    results.push_back(Read("count", "count (whole category)", "ops/s",
                           static_cast<double>(kCounts), writers, false, count_expected,
                           [&](KvSide& side) { return side.Count(kCounts); }));
    return results;
  }

 private:
  fs::path FlatFile(const Variant& variant) const { return dir_ / (variant.file + ".db"); }
  fs::path GroupedFile(const Variant& variant) const {
    return dir_ / (variant.file + "-grouped.db");
  }
  std::uint64_t GroupCount() const { return options_.rows / kScanRows; }

  PhaseResult Put(const std::string& id, const std::string& title, std::uint64_t tx,
                  std::uint64_t rows) {
    PhaseResult result{id, title, "rows/s", static_cast<double>(rows), {}};
    // Both Job variants write the same rows to the shared Job file.
    const std::vector<Variant> variants = {kJobFlushEachTx, kJob, kStore, kRaw};
    for (const Variant& variant : variants) result.variants.push_back({variant.name, {}});
    for (int rep = 0; rep < options_.reps; ++rep) {
      std::cerr << title << " rep " << rep + 1 << "/" << options_.reps << ":";
      for (const Variant& variant : OrderFor(rep, variants)) {
        fs::path file = FlatFile(variant);
        RemoveDatabase(file);
        std::unique_ptr<KvSide> side = OpenVariant(variant, file);
        Settle();
        double seconds = SecondsOf([&] { side->Put(pool_, rows, tx, KeyShape::kFlat); });
        if (std::uint64_t stored = side->Count(1).rows; stored != rows) {
          throw std::runtime_error(title + " (" + variant.name + ") stored " +
                                   std::to_string(stored) + " rows, expected " +
                                   std::to_string(rows));
        }
        side.reset();
        Record(result, variant, seconds);
      }
      std::cerr << "\n";
    }
    return result;
  }

  // The prefix-scan dataset: rows keyed MakeKey(i / 1000, i), written in
  // 1000-row transactions, untimed. Each side reads its own file.
  void BuildGroupedDatasets(const std::vector<Variant>& writers) {
    std::uint64_t rows = GroupCount() * kScanRows;
    std::cerr << "building the grouped dataset (" << rows << " rows per side):";
    for (const Variant& variant : writers) {
      fs::path file = GroupedFile(variant);
      RemoveDatabase(file);
      double seconds = SecondsOf([&] {
        OpenVariant(variant, file)->Put(pool_, rows, 1000, KeyShape::kGrouped);
      });
      std::cerr << " " << variant.name << " " << Seconds(seconds);
    }
    std::cerr << "\n";
  }

  PhaseResult Read(const std::string& id, const std::string& title, const std::string& unit,
                   double units, const std::vector<Variant>& variants, bool grouped,
                   const Digest& expected, const std::function<Digest(KvSide&)>& work) {
    PhaseResult result{id, title, unit, units, {}};
    for (const Variant& variant : variants) result.variants.push_back({variant.name, {}});
    for (int rep = 0; rep < options_.reps; ++rep) {
      std::cerr << title << " rep " << rep + 1 << "/" << options_.reps << ":";
      for (const Variant& variant : OrderFor(rep, variants)) {
        // A fresh connection per run: the SQLite page cache starts cold.
        std::unique_ptr<KvSide> side =
            OpenVariant(variant, grouped ? GroupedFile(variant) : FlatFile(variant));
        Settle();
        Digest digest;
        double seconds = SecondsOf([&] { digest = work(*side); });
        side.reset();
        if (digest != expected) {
          throw std::runtime_error(title + " (" + variant.name + ") read " +
                                   std::to_string(digest.rows) + " rows / " +
                                   std::to_string(digest.bytes) +
                                   " bytes that differ from the workload (expected " +
                                   std::to_string(expected.rows) + " rows)");
        }
        Record(result, variant, seconds);
      }
      std::cerr << "\n";
    }
    return result;
  }

  static void Record(PhaseResult& result, const Variant& variant, double seconds) {
    for (VariantTimes& times : result.variants) {
      if (times.variant == variant.name) times.seconds.push_back(seconds);
    }
    std::cerr << " " << variant.name << " " << Seconds(seconds);
  }

  static std::string Seconds(double seconds) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3f s", seconds);
    return buffer;
  }

  const Options& options_;
  const fs::path dir_;
  const PayloadPool pool_;
};

int Main(int argc, char** argv) {
  Options options = ParseOptions(argc, argv);
  CheckKeyEncoding();
  if (std::strcmp(sqlite3_libversion(), SQLITE_VERSION) != 0) {
    std::cerr << "warning: sqlite3.h is " << SQLITE_VERSION << " but the linked library is "
              << sqlite3_libversion() << "\n";
  }
  // Opened first, so a bad path fails before the run rather than after it.
  std::ofstream json_file;
  if (!options.json_path.empty()) {
    json_file.open(options.json_path);
    if (!json_file) throw std::runtime_error("cannot write " + options.json_path);
  }
  ScratchDir scratch(options.parent_dir);
  std::cerr << "kv_native_bench: " << options.rows << " rows, " << options.reps
            << " rep(s), files in " << scratch.path() << "\n";

  Bench bench(options, scratch.path());
  std::vector<PhaseResult> results = bench.Run();

  RunInfo info{options.rows, options.reps, sqlite3_libversion(), scratch.path().string()};
  PrintTable(std::cout, info, results);
  std::string json = ToJson(info, results);
  std::cout << "\n" << json << "\n";
  if (json_file.is_open()) {
    json_file << json << "\n";
    json_file.close();
    if (!json_file) throw std::runtime_error("cannot write " + options.json_path);
  }
  return 0;
}

}  // namespace
}  // namespace kvbench

int main(int argc, char** argv) {
  try {
    return kvbench::Main(argc, argv);
  } catch (const std::invalid_argument& error) {
    std::cerr << "kv_native_bench: " << error.what() << "\n";
    kvbench::PrintUsage(std::cerr);
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "kv_native_bench: " << error.what() << "\n";
    return 1;
  }
}
