#include "report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

namespace kvbench {
namespace {

std::string VariantLabel(const std::string& variant) {
  if (variant == "job") return "Job";
  if (variant == "job-tx") return "Job, flush per tx";
  if (variant == "job64") return "Job, 64 in flight";
  if (variant == "store") return "SqliteStore";
  return variant;
}

std::vector<double> Rates(const PhaseResult& phase, const VariantTimes& times) {
  std::vector<double> rates;
  for (double seconds : times.seconds) rates.push_back(seconds > 0 ? phase.units / seconds : 0);
  return rates;
}

const VariantTimes* RawTimes(const PhaseResult& phase) {
  for (const VariantTimes& times : phase.variants) {
    if (times.variant == kRawVariant) return &times;
  }
  return nullptr;
}

std::vector<double> PairedRatios(const std::vector<double>& ours, const std::vector<double>& raw) {
  std::vector<double> ratios;
  for (std::size_t i = 0; i < std::min(ours.size(), raw.size()); ++i) {
    if (raw[i] > 0) ratios.push_back(ours[i] / raw[i]);
  }
  return ratios;
}

// 1234567.8 → "1,234,568"; small rates keep one decimal.
std::string Rate(double value) {
  if (value < 100) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", value);
    return buffer;
  }
  std::string digits = std::to_string(static_cast<long long>(std::llround(value)));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Fixed(double value, int decimals) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

std::string JsonArray(const std::vector<double>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += JsonNumber(values[i]);
  }
  return out + "]";
}

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
      continue;
    }
    out += c;
  }
  return out + "\"";
}

void PadRight(std::ostream& out, const std::string& text, std::size_t width) {
  out << text << std::string(width > text.size() ? width - text.size() : 0, ' ');
}

void PadLeft(std::ostream& out, const std::string& text, std::size_t width) {
  out << std::string(width > text.size() ? width - text.size() : 0, ' ') << text;
}

}  // namespace

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

void PrintTable(std::ostream& out, const RunInfo& info, const std::vector<PhaseResult>& phases) {
  out << "\nkv_native_bench: " << info.rows << " rows x 1 KiB, median of " << info.reps
      << " rep(s) per phase, SQLite " << info.sqlite_version << "\n";
  out << "ours/raw is a rate ratio: > 1 means ours is faster. The last column is the range of\n"
         "the per-repetition ratios (ours and raw ran back to back in each repetition).\n\n";
  const std::size_t widths[] = {36, 9, 12, 12, 9, 14};
  const char* headers[] = {"phase", "unit", "ours", "raw", "ours/raw", "per-rep"};
  for (int i = 0; i < 6; ++i) {
    out << (i == 0 ? "| " : " | ");
    if (i < 2) PadRight(out, headers[i], widths[i]); else PadLeft(out, headers[i], widths[i]);
  }
  out << " |\n";
  for (int i = 0; i < 6; ++i) {
    out << '|' << std::string(widths[i] + 2, '-');
  }
  out << "|\n";
  for (const PhaseResult& phase : phases) {
    const VariantTimes* raw = RawTimes(phase);
    if (raw == nullptr) continue;
    std::vector<double> raw_rates = Rates(phase, *raw);
    double raw_median = Median(raw_rates);
    for (const VariantTimes& times : phase.variants) {
      if (times.variant == kRawVariant) continue;
      std::vector<double> rates = Rates(phase, times);
      double median = Median(rates);
      std::vector<double> paired = PairedRatios(rates, raw_rates);
      std::string spread = paired.empty() ? "" : Fixed(*std::min_element(paired.begin(), paired.end()), 2);
      if (paired.size() > 1) spread += " .. " + Fixed(*std::max_element(paired.begin(), paired.end()), 2);
      std::string cells[] = {phase.title + " (" + VariantLabel(times.variant) + ")",
                             phase.unit,
                             Rate(median),
                             Rate(raw_median),
                             raw_median > 0 ? Fixed(median / raw_median, 2) : "-",
                             spread};
      for (int i = 0; i < 6; ++i) {
        out << "| ";
        if (i < 2) PadRight(out, cells[i], widths[i]);
        else PadLeft(out, cells[i], widths[i]);
        out << ' ';
      }
      out << "|\n";
    }
  }
  out << "\nfiles: " << info.dir << " (removed at exit)\n";
}

std::string ToJson(const RunInfo& info, const std::vector<PhaseResult>& phases) {
  std::ostringstream out;
  out << "{\"bench\":\"kv_native_bench\",\"rows\":" << info.rows << ",\"reps\":" << info.reps
      << ",\"payload_bytes\":1024,\"sqlite\":" << JsonString(info.sqlite_version)
      << ",\"phases\":[";
  bool first_phase = true;
  for (const PhaseResult& phase : phases) {
    const VariantTimes* raw = RawTimes(phase);
    std::vector<double> raw_rates = raw != nullptr ? Rates(phase, *raw) : std::vector<double>();
    double raw_median = Median(raw_rates);
    if (!first_phase) out << ',';
    first_phase = false;
    out << "{\"phase\":" << JsonString(phase.id) << ",\"title\":" << JsonString(phase.title)
        << ",\"unit\":" << JsonString(phase.unit) << ",\"units_per_run\":"
        << JsonNumber(phase.units) << ",\"variants\":{";
    bool first_variant = true;
    for (const VariantTimes& times : phase.variants) {
      std::vector<double> rates = Rates(phase, times);
      double median = Median(rates);
      if (!first_variant) out << ',';
      first_variant = false;
      out << JsonString(times.variant) << ":{\"seconds\":" << JsonArray(times.seconds)
          << ",\"rates\":" << JsonArray(rates) << ",\"rate_median\":" << JsonNumber(median);
      if (times.variant != kRawVariant && raw_median > 0) {
        out << ",\"ratio_vs_raw\":" << JsonNumber(median / raw_median)
            << ",\"paired_ratios\":" << JsonArray(PairedRatios(rates, raw_rates));
      }
      out << '}';
    }
    out << "}}";
  }
  out << "]}";
  return out.str();
}

}  // namespace kvbench
