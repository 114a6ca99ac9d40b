// The SDS message model, independent of the wire dialect.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sds/bloom_filter.h"
#include "sds/bytes.h"
#include "sds/history_list.h"

namespace sds {

using ChannelId = std::string;

struct Message {
  MessageId message_id;
  ChannelId channel_id;
  ParticipantId sender_id;  // empty when unknown
  // Absent only for ephemeral messages.
  std::optional<std::uint64_t> lamport_timestamp;
  HistoryList causal_history;
  // The sender's filter of the ids it has seen; absent when the sender sent
  // none or sent one that failed validation.
  std::optional<BloomFilter> bloom_filter;
  std::vector<HistoryEntry> repair_request;
  // Empty for sync messages.
  Bytes content;

  friend bool operator==(const Message&, const Message&) = default;
};

}  // namespace sds
