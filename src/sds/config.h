// Engine configuration. Defaults are nim-sds's ReliabilityConfig; the fields
// after the SDS-R block are this engine's additions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sds/dialect.h"
#include "sds/error.h"

namespace sds {

inline constexpr std::size_t kMaxContentSize = 1 << 20;  // nim-sds MaxMessageSize
// Entries one message may carry in its causal history or its repair
// requests; both codecs refuse more (kMaxNimHistoryEntries,
// kMaxSpecHistoryEntries), so the config may not ask for more.
inline constexpr std::size_t kMaxHistoryEntries = 10'000;
// The largest time (`now_ms` and every interval in Config): Number.MAX_SAFE_INTEGER,
// so times are exact in JS and the sum of two never overflows int64.
inline constexpr std::int64_t kMaxTimeMs = (std::int64_t{1} << 53) - 1;

struct Config {
  std::int64_t bloom_filter_capacity = 10000;
  double bloom_filter_error_rate = 0.001;
  std::size_t max_message_history = 1000;
  std::size_t max_causal_history = 10;
  std::int64_t resend_interval_ms = 60'000;
  int max_resend_attempts = 5;
  std::int64_t sync_message_interval_ms = 30'000;
  std::int64_t buffer_sweep_interval_ms = 60'000;

  // SDS-R
  std::int64_t repair_t_min_ms = 30'000;
  std::int64_t repair_t_max_ms = 300'000;
  int num_response_groups = 1;
  std::size_t max_repair_requests = 3;
  std::int64_t repair_sweep_interval_ms = 5'000;

  // The wire dialect this manager sends in (it reads both). kSpec also
  // switches the SDS-R hash to SHA-256 and the bloom hash to js-waku's, as
  // @waku/sds computes them, and requires @waku/sds's fixed bloom parameters
  // (capacity 10000, error rate 0.001: its wire filter carries none).
  Dialect dialect = Dialect::kNim;
  // Message ids are the lowercase hex SHA-256 of the content (@waku/sds's
  // rule, ContentMessageId in sds/sha256.h): Wrap and WrapEphemeral derive
  // the id themselves and accept as message_id only "" or that id.
  bool content_addressed_ids = false;
  // Bloom hits on one outgoing message before it counts as acknowledged;
  // each hit below that is reported as possiblyAcknowledged. nim-sds treats
  // the first hit as an ack (1); js-waku waits for 2.
  int possible_acks_threshold = 2;
  // A buffered message still missing dependencies after this long is
  // dropped and reported as irretrievablyLost; 0 disables the timeout.
  std::int64_t incoming_buffer_timeout_ms = 0;
  // Per-channel caps against unbounded growth; hitting one is reported.
  std::size_t max_incoming_buffer = 10'000;
  std::size_t max_outgoing_buffer = 10'000;
  std::size_t max_repair_buffer = 1'000;
};

// InvalidArgument when a value is out of range: capacities and sizes ≥ 1,
// 0 < error rate < 1, intervals > 0, timeouts ≥ 0, t_min ≤ t_max, times ≤
// kMaxTimeMs, maxCausalHistory and maxRepairRequests ≤ kMaxHistoryEntries;
// with the spec dialect, @waku/sds's bloom capacity and error rate. (A bloom
// capacity too large for BloomFilter::kMaxBits is refused when the first
// channel is created, before its filter is allocated.)
Status ValidateConfig(const Config& config);

// InvalidArgument unless 0 ≤ now_ms ≤ kMaxTimeMs.
Status ValidateTime(std::int64_t now_ms);

}  // namespace sds
