// The SDS benchmark workload: fixed-seed payloads and message ids, and the
// engine configurations under test. Header-only so that a wasm build of the
// benchmark can share it and send the very same bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "mulberry32.h"
#include "sds/config.h"

namespace sdsbench {

inline constexpr std::size_t kPayloadBytes = 1024;
// First/last window of the per-phase rates.
inline constexpr std::size_t kWindow = 1000;
// The simulated clock: 2026-01-01T00:00:00Z in ms, plus 1 ms per message.
inline constexpr std::int64_t kStartMs = 1'767'225'600'000;
inline constexpr std::int64_t kStepMs = 1;
inline constexpr std::string_view kChannel = "bench";
inline constexpr std::string_view kSender = "alice";
inline constexpr std::string_view kReceiver = "bob";
inline constexpr std::string_view kBystander = "carol";
inline constexpr std::uint32_t kSenderSeed = 0x5D5A11CEu;
// The messages sent back to alice (by bob or carol).
inline constexpr std::uint32_t kReplierSeed = 0x00B0B0B0u;

using benchrng::Mulberry32;

// Fills `out` with the generator's next words, little-endian, 4 bytes each
// (a trailing partial word takes the low bytes).
inline void FillRandom(Mulberry32& rng, std::span<std::uint8_t> out) {
  std::size_t i = 0;
  while (i < out.size()) {
    std::uint32_t word = rng.Next();
    for (int b = 0; b < 4 && i < out.size(); ++b, ++i) {
      out[i] = static_cast<std::uint8_t>(word >> (8 * b));
    }
  }
}

// A message id shaped like js-waku's (64 lowercase hex chars, the length of
// a SHA-256 digest): 32 random bytes from the generator, hex-encoded.
inline std::string RandomMessageId(Mulberry32& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::array<std::uint8_t, 32> digest{};
  FillRandom(rng, digest);
  std::string id(2 * digest.size(), '0');
  for (std::size_t i = 0; i < digest.size(); ++i) {
    id[2 * i] = kHex[digest[i] >> 4];
    id[2 * i + 1] = kHex[digest[i] & 0xF];
  }
  return id;
}

struct NamedConfig {
  std::string_view name;
  sds::Config config;
};

inline sds::Config WithCausalHistory(std::size_t entries) {
  sds::Config config;
  config.max_causal_history = entries;
  return config;
}

// The configurations the issue asks for. "default" is Config{} (causal
// history 10, like nim-sds), so it equals "history=10": the two rows differ
// only by measurement noise, which is what they are there to show.
inline std::array<NamedConfig, 4> BenchConfigs() {
  return {{
      {"default", sds::Config{}},
      {"history=200", WithCausalHistory(200)},
      {"history=10", WithCausalHistory(10)},
      {"history=2", WithCausalHistory(2)},
  }};
}

}  // namespace sdsbench
