// mulberry32: the benchmarks' generator. Small, fast, and easy to reproduce
// in JS (bench/kv-browser/workload.mjs), so a side-by-side run feeds every
// system the same bytes.
#pragma once

#include <cstdint>

namespace benchrng {

class Mulberry32 {
 public:
  explicit Mulberry32(std::uint32_t seed) : state_(seed) {}

  std::uint32_t Next() {
    state_ += 0x6D2B79F5u;
    std::uint32_t t = state_;
    t = (t ^ (t >> 15)) * (t | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    return t ^ (t >> 14);
  }

  // A value in [0, bound): floor(Next() / 2^32 * bound), as JS would compute
  // it from the float form; bound must fit in 32 bits.
  std::uint64_t Below(std::uint64_t bound) {
    return (static_cast<std::uint64_t>(Next()) * bound) >> 32;
  }

 private:
  std::uint32_t state_;
};

}  // namespace benchrng
