// Turning per-repetition timings into the printed table and the JSON record.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace kvbench {

inline constexpr const char* kRawVariant = "raw";

struct VariantTimes {
  std::string variant;           // "job", "job-tx", "job64", "store" or kRawVariant
  std::vector<double> seconds;   // one per repetition, in repetition order
};

struct PhaseResult {
  std::string id;     // e.g. "put_tx100"
  std::string title;  // e.g. "put tx=100"
  std::string unit;   // "rows/s" or "ops/s"
  double units = 0;   // rows or operations per run
  std::vector<VariantTimes> variants;
};

struct RunInfo {
  std::uint64_t rows = 0;
  int reps = 0;
  std::string sqlite_version;
  std::string dir;
};

double Median(std::vector<double> values);

// The table: one line per (phase, our variant), rates as medians over the
// repetitions, ours/raw as the ratio of the medians, and the spread of the
// per-repetition ratios (each repetition ran ours and raw back to back).
void PrintTable(std::ostream& out, const RunInfo& info, const std::vector<PhaseResult>& phases);

// Everything above plus the raw seconds, as one line of JSON.
std::string ToJson(const RunInfo& info, const std::vector<PhaseResult>& phases);

}  // namespace kvbench
