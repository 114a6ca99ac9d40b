// The benchmark workload, shared by both sides so they store and read
// identical bytes: the PRNG, the key bytes, the payload bytes and the
// random index streams. Mirrors /work/shared/reference/kv-anchors.md, except
// that keys are the project's encoding of a uint64 (8 bytes big-endian, no
// `00 08` length prefix).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "mulberry32.h"

namespace kvbench {

inline constexpr std::size_t kPayloadSize = 1024;
inline constexpr std::string_view kCategory = "c";
// Rows per range scan, and rows per key group (one prefix scan's worth).
inline constexpr std::uint64_t kScanRows = 1000;

using benchrng::Mulberry32;

inline void StoreBigEndian(std::uint8_t* out, std::uint64_t value) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<std::uint8_t>(value);
    value >>= 8;
  }
}

// Key bytes of row i in the flat dataset: MakeKey(std::uint64_t{i}).
inline std::array<std::uint8_t, 8> FlatKey(std::uint64_t row) {
  std::array<std::uint8_t, 8> key{};
  StoreBigEndian(key.data(), row);
  return key;
}

// Group of row i in the grouped dataset: kScanRows consecutive rows share it.
inline std::uint64_t GroupOf(std::uint64_t row) { return row / kScanRows; }

// Key bytes of row i in the grouped dataset: MakeKey(uint64 group, uint64 i).
inline std::array<std::uint8_t, 16> GroupedKey(std::uint64_t row) {
  std::array<std::uint8_t, 16> key{};
  StoreBigEndian(key.data(), GroupOf(row));
  StoreBigEndian(key.data() + 8, row);
  return key;
}

// The exclusive upper bound of a prefix, computed like persistency::PrefixRange:
// drop trailing 0xFF bytes, then increment the last byte. `size` is 0 when
// the prefix is all 0xFF (no upper bound).
struct PrefixStop {
  std::array<std::uint8_t, 8> bytes{};
  std::size_t size = 0;
  std::span<const std::uint8_t> view() const { return {bytes.data(), size}; }
};

inline PrefixStop PrefixStopOf(const std::array<std::uint8_t, 8>& prefix) {
  PrefixStop stop;
  stop.bytes = prefix;
  stop.size = prefix.size();
  while (stop.size > 0 && stop.bytes[stop.size - 1] == 0xFF) --stop.size;
  if (stop.size > 0) ++stop.bytes[stop.size - 1];
  return stop;
}

// 1 KiB payloads cut from a fixed-seed random pool at a per-row offset, so
// rows differ without holding 100 MB of payloads in memory.
class PayloadPool {
 public:
  explicit PayloadPool(std::uint32_t seed, std::size_t pool_size = std::size_t{1} << 20)
      : pool_(pool_size + kPayloadSize) {
    Mulberry32 prng(seed);
    for (std::uint8_t& byte : pool_) byte = static_cast<std::uint8_t>(prng.Next() >> 24);
  }

  std::span<const std::uint8_t> For(std::uint64_t row) const {
    // splitmix64's finalizer spreads consecutive rows over the pool.
    std::uint64_t z = row + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    std::size_t offset = static_cast<std::size_t>(z % (pool_.size() - kPayloadSize + 1));
    return {pool_.data() + offset, kPayloadSize};
  }

 private:
  std::vector<std::uint8_t> pool_;
};

// `count` draws in [0, bound) from a fixed seed.
inline std::vector<std::uint64_t> RandomIndices(std::uint32_t seed, std::size_t count,
                                                std::uint64_t bound) {
  Mulberry32 prng(seed);
  std::vector<std::uint64_t> out(count);
  for (std::uint64_t& value : out) value = prng.Below(bound);
  return out;
}

// A cheap fingerprint of what a phase read. Both sides feed it the same way,
// so equal digests mean both returned the same rows; folding 8 bytes per row
// keeps it far below the cost of reading a row.
struct Digest {
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;
  std::uint64_t hash = 0;

  void Add(std::span<const std::uint8_t> key, std::span<const std::uint8_t> payload) {
    ++rows;
    bytes += key.size() + payload.size();
    std::uint64_t head = 0;
    std::size_t n = std::min<std::size_t>(payload.size(), 8);
    for (std::size_t i = 0; i < n; ++i) head = (head << 8) | payload[i];
    hash = (hash ^ head) * 0x100000001B3ull + key.size();
  }

  friend bool operator==(const Digest&, const Digest&) = default;
};

}  // namespace kvbench
