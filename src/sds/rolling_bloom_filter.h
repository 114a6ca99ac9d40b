// The rolling bloom filter of a channel, with nim-sds's sizes and rolling
// rule (sds/rolling_bloom_filter.nim), so that the filters we put on the wire
// have the same parameters as nim-sds's:
//
//   - Create(capacity, error_rate): capacity <= 0 => 10000; error_rate
//     outside (0, 1) (or NaN) => 0.001. min_capacity = int(capacity * 80 / 100),
//     max_capacity = int(capacity * 120 / 100) (computed in double, truncated:
//     8000 / 12000 by default). The filter starts as BloomFilter::Create(
//     capacity, error_rate).
//   - Add(id): insert into the filter, append to the id list; when the list
//     then holds more than max_capacity ids, Clean().
//   - Clean(): when the list holds more than max_capacity ids, replace the
//     filter with a new one of capacity max_capacity (same error rate: the
//     wire then says capacity 12000 / m_bits 180000 by default, and keeps
//     saying so) holding only the newest min_capacity ids, and drop the
//     older ids.
//
// Rolled filters keep the nim-sds size (max_capacity) by default. With
// RollSize::kKeepCapacity they keep the starting capacity instead: js-waku
// only accepts filters of its one fixed size (it never rolls), so a spec
// channel must keep sending exactly that size.
//
// Cost: Add is O(k) amortised: a clean costs O(min_capacity * k) and happens
// at most once per (max_capacity - min_capacity) adds (0.4 * capacity).
//
// A channel hashes with one StringHash for its whole life (kFarm for nim-sds
// peers, kJsWaku for js-waku peers), so it is fixed at creation here; a
// received filter is looked up with BloomFilter::Contains and its own hash.
//
// Differences from nim-sds, on inputs nim-sds mishandles: a NaN error rate is
// replaced by 0.001 (nim-sds keeps it); parameters BloomFilter::Create
// refuses (a capacity whose rolled-over filter would exceed
// BloomFilter::kMaxBits) make Create fail with kInvalidArgument instead of
// falling back to the defaults.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "sds/bloom_filter.h"
#include "sds/error.h"
#include "sds/string_hash.h"

namespace sds {

// The capacity a rolled-over filter is built for.
enum class RollSize {
  kGrowToMax,     // max_capacity, like nim-sds
  kKeepCapacity,  // the starting capacity, so the wire size never changes
};

class RollingBloomFilter {
 public:
  static constexpr std::int64_t kDefaultCapacity = 10000;
  static constexpr double kDefaultErrorRate = 0.001;
  static constexpr int kCapacityFlexPercent = 20;

  static Result<RollingBloomFilter> Create(std::int64_t capacity = kDefaultCapacity,
                                           double error_rate = kDefaultErrorRate,
                                           StringHash hash = StringHash::kFarm,
                                           RollSize roll_size = RollSize::kGrowToMax);

  // Inserts `id` and remembers it; cleans when over max_capacity ids.
  void Add(std::string_view id);

  // The roll-over described above; does nothing at or below max_capacity.
  void Clean();

  bool Contains(std::string_view id) const { return filter_.Contains(id, hash_); }

  // The current filter (what goes on the wire).
  const BloomFilter& filter() const { return filter_; }

  // The ids the filter was built from, oldest first.
  const std::deque<std::string>& ids() const { return ids_; }
  std::size_t size() const { return ids_.size(); }

  // Forgets every id: back to an empty filter sized as at creation.
  void Clear();

  // The capacity after defaulting (10000 by default; not changed by rolling,
  // unlike filter().capacity()).
  std::int64_t capacity() const { return capacity_; }
  std::int64_t min_capacity() const { return min_capacity_; }
  std::int64_t max_capacity() const { return max_capacity_; }
  double error_rate() const { return error_rate_; }
  StringHash hash() const { return hash_; }

  friend bool operator==(const RollingBloomFilter&, const RollingBloomFilter&) = default;

 private:
  RollingBloomFilter(BloomFilter filter, std::int64_t capacity, std::int64_t min_capacity,
                     std::int64_t max_capacity, double error_rate, StringHash hash,
                     RollSize roll_size);
  std::int64_t RolledCapacity() const;

  BloomFilter filter_;
  std::deque<std::string> ids_;
  std::int64_t capacity_;
  std::int64_t min_capacity_;
  std::int64_t max_capacity_;
  double error_rate_;
  StringHash hash_;
  RollSize roll_size_;
};

}  // namespace sds
