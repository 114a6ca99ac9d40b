// The per-channel records the engine keeps and persists. Stored messages
// carry no bloom filter: a resend or repair attaches the current one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "sds/message.h"

namespace sds {

// A delivered (or own) message in the local log; `seq` orders the log.
struct LoggedMessage {
  std::uint64_t seq = 0;
  Message message;
  friend bool operator==(const LoggedMessage&, const LoggedMessage&) = default;
};

// An own message not yet acknowledged.
struct OutgoingEntry {
  std::uint64_t seq = 0;
  Message message;
  std::int64_t send_time_ms = 0;
  std::uint32_t resend_attempts = 0;
  std::uint32_t possible_acks = 0;
  friend bool operator==(const OutgoingEntry&, const OutgoingEntry&) = default;
};

// A received message waiting for its dependencies.
struct IncomingEntry {
  Message message;
  std::vector<MessageId> missing;  // sorted
  std::int64_t received_at_ms = 0;
  friend bool operator==(const IncomingEntry&, const IncomingEntry&) = default;
};

// SDS-R: a missing message this participant will ask for at `t_req_ms`.
struct OutgoingRepairEntry {
  HistoryEntry entry;
  std::int64_t t_req_ms = 0;
  friend bool operator==(const OutgoingRepairEntry&, const OutgoingRepairEntry&) = default;
};

// SDS-R: a message a peer asked for, rebroadcast at `t_resp_ms`.
struct IncomingRepairEntry {
  HistoryEntry entry;
  std::int64_t t_resp_ms = 0;
  friend bool operator==(const IncomingRepairEntry&, const IncomingRepairEntry&) = default;
};

// Everything persisted for one channel.
struct ChannelSnapshot {
  std::uint64_t lamport = 0;
  std::vector<LoggedMessage> log;  // by seq
  std::vector<OutgoingEntry> outgoing;  // by seq
  std::vector<IncomingEntry> incoming;
  std::vector<OutgoingRepairEntry> outgoing_repair;
  std::vector<IncomingRepairEntry> incoming_repair;
  std::vector<MessageId> met;  // ids passed to MarkDependenciesMet

  bool empty() const {
    return lamport == 0 && log.empty() && outgoing.empty() && incoming.empty() &&
           outgoing_repair.empty() && incoming_repair.empty() && met.empty();
  }
  friend bool operator==(const ChannelSnapshot&, const ChannelSnapshot&) = default;
};

// What one engine step changed in a channel. A mapped nullopt erases the
// record. Merging keeps the latest change per record.
struct ChannelDelta {
  std::optional<std::uint64_t> lamport;
  std::map<MessageId, std::optional<LoggedMessage>> log;
  std::map<MessageId, std::optional<OutgoingEntry>> outgoing;
  std::map<MessageId, std::optional<IncomingEntry>> incoming;
  std::map<MessageId, std::optional<OutgoingRepairEntry>> outgoing_repair;
  std::map<MessageId, std::optional<IncomingRepairEntry>> incoming_repair;
  std::map<MessageId, bool> met;  // false erases

  bool empty() const {
    return !lamport && log.empty() && outgoing.empty() && incoming.empty() &&
           outgoing_repair.empty() && incoming_repair.empty() && met.empty();
  }
  // Folds a later delta into this one.
  void MergeFrom(ChannelDelta&& newer);
};

}  // namespace sds
