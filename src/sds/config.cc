#include "sds/config.h"

#include <algorithm>
#include <array>
#include <string>

#include "sds/nim_codec.h"
#include "sds/spec_codec.h"

namespace sds {

static_assert(kMaxHistoryEntries <= kMaxNimHistoryEntries && kMaxHistoryEntries <= kMaxSpecHistoryEntries,
              "a configured history must fit the wire limits of both dialects");

namespace {

Status Require(bool ok, const char* what) {
  if (ok) return {};
  return MakeError(ErrorKind::kInvalidArgument, std::string("invalid config: ") + what);
}

// Every time setting, for the common upper bound.
std::array<std::int64_t, 7> Times(const Config& config) {
  return {config.resend_interval_ms,      config.sync_message_interval_ms,
          config.buffer_sweep_interval_ms, config.repair_t_min_ms,
          config.repair_t_max_ms,          config.repair_sweep_interval_ms,
          config.incoming_buffer_timeout_ms};
}

}  // namespace

Status ValidateTime(std::int64_t now_ms) {
  if (now_ms >= 0 && now_ms <= kMaxTimeMs) return {};
  return MakeError(ErrorKind::kInvalidArgument,
                   "time " + std::to_string(now_ms) + " ms is outside 0.." + std::to_string(kMaxTimeMs));
}

Status ValidateConfig(const Config& config) {
  const std::pair<bool, const char*> checks[] = {
      {config.bloom_filter_capacity >= 1, "bloomFilterCapacity must be at least 1"},
      {config.bloom_filter_error_rate > 0 && config.bloom_filter_error_rate < 1,
       "bloomFilterErrorRate must be in (0, 1)"},
      {config.max_message_history >= 1, "maxMessageHistory must be at least 1"},
      {config.max_causal_history <= kMaxHistoryEntries, "maxCausalHistory must be at most 10000"},
      {config.max_repair_requests <= kMaxHistoryEntries, "maxRepairRequests must be at most 10000"},
      {std::ranges::all_of(Times(config), [](std::int64_t ms) { return ms <= kMaxTimeMs; }),
       "times must be at most 9007199254740991 ms"},
      {config.resend_interval_ms > 0, "resendIntervalMs must be positive"},
      {config.max_resend_attempts >= 0, "maxResendAttempts must not be negative"},
      {config.sync_message_interval_ms > 0, "syncMessageIntervalMs must be positive"},
      {config.buffer_sweep_interval_ms > 0, "bufferSweepIntervalMs must be positive"},
      {config.repair_t_min_ms >= 0, "repairTMinMs must not be negative"},
      {config.repair_t_max_ms >= config.repair_t_min_ms, "repairTMaxMs must be at least repairTMinMs"},
      {config.repair_sweep_interval_ms > 0, "repairSweepIntervalMs must be positive"},
      {config.possible_acks_threshold >= 1, "possibleAcksThreshold must be at least 1"},
      {config.incoming_buffer_timeout_ms >= 0, "incomingBufferTimeoutMs must not be negative"},
      {config.max_incoming_buffer >= 1 && config.max_outgoing_buffer >= 1 &&
           config.max_repair_buffer >= 1,
       "buffer caps must be at least 1"},
      {config.dialect != Dialect::kSpec ||
           (config.bloom_filter_capacity == static_cast<std::int64_t>(kSpecBloomCapacity) &&
            config.bloom_filter_error_rate == kSpecBloomErrorRate),
       "the spec dialect needs bloomFilterCapacity 10000 and bloomFilterErrorRate 0.001, the "
       "fixed filter of @waku/sds"},
  };
  for (const auto& [ok, what] : checks) {
    if (Status status = Require(ok, what); !status) return status;
  }
  return {};
}

}  // namespace sds
