#include "sds/rolling_bloom_filter.h"

#include <utility>

namespace sds {
namespace {

// nim-sds: (capacity.float * percent.float / 100.0).int
std::int64_t PercentOf(std::int64_t capacity, int percent) {
  return static_cast<std::int64_t>(static_cast<double>(capacity) * static_cast<double>(percent) /
                                   100.0);
}

}  // namespace

RollingBloomFilter::RollingBloomFilter(BloomFilter filter, std::int64_t capacity,
                                       std::int64_t min_capacity, std::int64_t max_capacity,
                                       double error_rate, StringHash hash, RollSize roll_size)
    : filter_(std::move(filter)),
      capacity_(capacity),
      min_capacity_(min_capacity),
      max_capacity_(max_capacity),
      error_rate_(error_rate),
      hash_(hash),
      roll_size_(roll_size) {}

Result<RollingBloomFilter> RollingBloomFilter::Create(std::int64_t capacity, double error_rate,
                                                      StringHash hash, RollSize roll_size) {
  const std::int64_t target_capacity = capacity <= 0 ? kDefaultCapacity : capacity;
  // Written so that NaN also falls back to the default.
  const double target_error =
      (error_rate > 0.0 && error_rate < 1.0) ? error_rate : kDefaultErrorRate;

  auto filter = BloomFilter::Create(static_cast<std::uint64_t>(target_capacity), target_error);
  if (!filter) return std::unexpected(std::move(filter.error()));

  const std::int64_t min_capacity = PercentOf(target_capacity, 100 - kCapacityFlexPercent);
  const std::int64_t max_capacity = PercentOf(target_capacity, 100 + kCapacityFlexPercent);
  // Clean() builds a filter of max_capacity: make sure it can, so that
  // rolling never fails later.
  auto rolled = BloomFilter::ComputeSizing(static_cast<std::uint64_t>(max_capacity), target_error);
  if (!rolled) return std::unexpected(std::move(rolled.error()));

  return RollingBloomFilter(std::move(*filter), target_capacity, min_capacity, max_capacity,
                            target_error, hash, roll_size);
}

void RollingBloomFilter::Add(std::string_view id) {
  filter_.Insert(id, hash_);
  ids_.emplace_back(id);
  if (static_cast<std::int64_t>(ids_.size()) > max_capacity_) Clean();
}

void RollingBloomFilter::Clean() {
  if (static_cast<std::int64_t>(ids_.size()) <= max_capacity_) return;
  // Cannot fail: Create checked this sizing.
  auto fresh = BloomFilter::Create(static_cast<std::uint64_t>(RolledCapacity()), error_rate_);
  if (!fresh) return;
  while (static_cast<std::int64_t>(ids_.size()) > min_capacity_) ids_.pop_front();
  for (const std::string& id : ids_) fresh->Insert(id, hash_);
  filter_ = std::move(*fresh);
}

std::int64_t RollingBloomFilter::RolledCapacity() const {
  return roll_size_ == RollSize::kKeepCapacity ? capacity_ : max_capacity_;
}

void RollingBloomFilter::Clear() {
  ids_.clear();
  // Cannot fail: Create built a filter of this size.
  auto fresh = BloomFilter::Create(static_cast<std::uint64_t>(capacity_), error_rate_);
  if (fresh) filter_ = std::move(*fresh);
}

}  // namespace sds
