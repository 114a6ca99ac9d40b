// Channel: the protocol state of one channel, with the indexes that keep
// every per-message operation independent of history length. Every mutation
// is recorded in `delta` for the next persistence commit.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>
#include <string_view>
#include <utility>
#include <vector>

#include "sds/channel_records.h"
#include "sds/config.h"
#include "sds/id_map.h"
#include "sds/rolling_bloom_filter.h"

namespace sds {

class Channel {
 public:
  // `record_changes` false skips recording deltas (nothing persists them),
  // which spares a copy of every record a step touches.
  Channel(ChannelId id, const Config& config, RollingBloomFilter bloom, bool record_changes = true);
  // Not copyable: the log's index views ids stored in this channel's log.
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Restores persisted state (the bloom is rebuilt from every id seen).
  void Restore(ChannelSnapshot snapshot);
  ChannelSnapshot Snapshot() const;

  const ChannelId& id() const { return id_; }
  std::uint64_t lamport() const { return lamport_; }
  void set_lamport(std::uint64_t lamport);

  // The local log, oldest first.
  bool IsLogged(std::string_view id) const { return log_index_.contains(id); }
  const LoggedMessage* FindLogged(std::string_view id) const;
  // Appends to the log, evicting the oldest beyond the configured maximum;
  // returns the message's seq. An id already logged keeps its entry (and
  // seq): ids are unique in the log.
  std::uint64_t AppendToLog(Message message);
  // The logged messages with a seq above `after`, oldest (lowest seq) first,
  // at most `limit`. Seqs grow along the log, so this is a binary search
  // plus the copies: O(log n + result).
  std::vector<LoggedMessage> LoggedAfter(std::uint64_t after, std::size_t limit) const;
  // The newest `count` logged messages, oldest first.
  std::vector<const Message*> Recent(std::size_t count) const;
  std::vector<MessageId> LogIds() const;

  // Ids counted as delivered without being logged (MarkDependenciesMet).
  bool IsMet(std::string_view id) const { return met_.contains(id); }
  void AddMet(const MessageId& id);
  bool IsDelivered(std::string_view id) const { return IsLogged(id) || IsMet(id); }

  RollingBloomFilter& bloom() { return bloom_; }
  const RollingBloomFilter& bloom() const { return bloom_; }

  // Own unacknowledged messages, in send order.
  IdMap<OutgoingEntry>& outgoing() { return outgoing_; }
  const IdMap<OutgoingEntry>& outgoing() const { return outgoing_; }
  std::vector<MessageId> OutgoingIds() const;
  // The outgoing ids in send order, each with its hashes, so that testing
  // them against a received bloom filter hashes nothing.
  struct OutgoingRef {
    MessageId id;
    ItemHash farm;
    ItemHash js_waku;
    const ItemHash& HashFor(StringHash hash) const {
      return hash == StringHash::kJsWaku ? js_waku : farm;
    }
  };
  const std::map<std::uint64_t, OutgoingRef>& outgoing_by_seq() const { return outgoing_order_; }
  void PutOutgoing(OutgoingEntry entry);
  void TouchOutgoing(const MessageId& id);  // records a changed entry
  void EraseOutgoing(std::string_view id);

  // Received messages waiting for dependencies.
  const IdMap<IncomingEntry>& incoming() const { return incoming_; }
  bool IsBuffered(std::string_view id) const { return incoming_.contains(id); }
  void Buffer(IncomingEntry entry);
  IncomingEntry Unbuffer(const MessageId& id);
  // Removes `dependency` from every buffered message waiting on it and
  // returns the ids that now wait for nothing.
  std::vector<MessageId> ResolveDependency(const MessageId& dependency);

  // SDS-R buffers, each indexed by time.
  const IdMap<OutgoingRepairEntry>& outgoing_repair() const { return outgoing_repair_; }
  const IdMap<IncomingRepairEntry>& incoming_repair() const { return incoming_repair_; }
  void PutOutgoingRepair(OutgoingRepairEntry entry);
  void EraseOutgoingRepair(const MessageId& id);
  void PutIncomingRepair(IncomingRepairEntry entry);
  void EraseIncomingRepair(const MessageId& id);
  // Outgoing repair entries due at `now_ms`, earliest first, at most `limit`.
  std::vector<OutgoingRepairEntry> DueOutgoingRepairs(std::int64_t now_ms, std::size_t limit) const;
  // Outgoing repair entries whose window (t_req + t_max) has passed.
  std::vector<MessageId> ExpiredOutgoingRepairs(std::int64_t now_ms, std::int64_t t_max_ms) const;
  std::vector<IncomingRepairEntry> DueIncomingRepairs(std::int64_t now_ms) const;

  // Takes the changes recorded since the last call.
  ChannelDelta TakeDelta() { return std::exchange(delta_, {}); }
  ChannelDelta& pending_delta() { return delta_; }

  // Clears the state (storage is the caller's business).
  void Clear();

 private:
  void IndexIncoming(const IncomingEntry& entry);
  template <class Map, class Id, class Value>
  void Record(Map& changes, Id&& id, Value&& value) {
    if (record_changes_) changes.insert_or_assign(std::forward<Id>(id), std::forward<Value>(value));
  }

  ChannelId id_;
  const Config config_;  // a copy: the channel must not depend on its manager's address
  const bool record_changes_;
  std::uint64_t lamport_ = 0;
  std::uint64_t next_seq_ = 1;

  // By seq. A deque keeps every entry in place as the log grows at the back
  // and shrinks at the front, so the index can point into it.
  std::deque<LoggedMessage> log_;
  std::unordered_map<std::string_view, const LoggedMessage*> log_index_;  // keys view log_'s ids
  IdSet met_;
  std::deque<MessageId> met_order_;
  RollingBloomFilter bloom_;

  IdMap<OutgoingEntry> outgoing_;
  void IndexOutgoing(const OutgoingEntry& entry);
  std::map<std::uint64_t, OutgoingRef> outgoing_order_;  // by seq

  IdMap<IncomingEntry> incoming_;
  // dependency id → buffered ids waiting on it
  std::unordered_map<MessageId, std::vector<MessageId>> waiting_on_;

  IdMap<OutgoingRepairEntry> outgoing_repair_;
  std::set<std::pair<std::int64_t, MessageId>> outgoing_repair_by_time_;
  IdMap<IncomingRepairEntry> incoming_repair_;
  std::set<std::pair<std::int64_t, MessageId>> incoming_repair_by_time_;

  ChannelDelta delta_;
};

}  // namespace sds
