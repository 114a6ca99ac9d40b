// Invariant checks for the fuzz targets: a broken invariant is a finding, so
// it aborts (libFuzzer then saves the input as a crash-* file).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* condition,
                              std::string_view detail = {}) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s %.*s\n", file, line, condition,
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace fuzz

// FUZZ_CHECK(condition) or FUZZ_CHECK(condition, detail-string_view).
#define FUZZ_CHECK(condition, ...)                                                     \
  do {                                                                                 \
    if (!(condition)) ::fuzz::Fail(__FILE__, __LINE__, #condition __VA_OPT__(, ) __VA_ARGS__); \
  } while (false)
