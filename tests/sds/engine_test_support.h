// Shared helpers for the engine suites (reliability_test.cc, repair_test.cc,
// persistence_test.cc): hand-built peer messages, event filters, seeding of
// persisted state, and an in-process bus that passes byte messages between
// several ReliabilityManagers.
//
// Time is always explicit: every helper takes the `now_ms` it passes on.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sds/bloom_filter.h"
#include "sds/bytes.h"
#include "sds/channel.h"
#include "sds/channel_records.h"
#include "sds/config.h"
#include "sds/dialect.h"
#include "sds/error.h"
#include "sds/event.h"
#include "sds/in_memory_persistence.h"
#include "sds/message.h"
#include "sds/persistence.h"
#include "sds/reliability_manager.h"
#include "sds/rolling_bloom_filter.h"
#include "sds/string_hash.h"

namespace sds::engine_test {

inline constexpr std::string_view kTestChannel = "testChannel";

// ---- bytes and messages ------------------------------------------------------

inline Bytes ToBytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

// prefix followed by n ("m" 7 -> "m7").
inline std::string Numbered(std::string_view prefix, long long n) {
  std::string id(prefix);
  id += std::to_string(n);
  return id;
}

inline HistoryEntry Entry(std::string id, std::string sender = {}, std::string_view hint = {}) {
  return HistoryEntry{std::move(id), ToBytes(hint), std::move(sender)};
}

// Causal-history entries with only ids (what nim-sds's toCausalHistory makes).
inline std::vector<HistoryEntry> History(std::initializer_list<std::string_view> ids) {
  std::vector<HistoryEntry> entries;
  for (std::string_view id : ids) entries.push_back(Entry(std::string(id)));
  return entries;
}

// `entries`: a HistoryList or a std::vector<HistoryEntry>.
inline std::vector<MessageId> IdsOf(const auto& entries) {
  std::vector<MessageId> ids;
  for (const auto& entry : entries) ids.emplace_back(entry.message_id);
  return ids;
}

// A message as a peer would have built it.
inline Message PeerMessage(std::string id, std::uint64_t lamport, std::vector<HistoryEntry> history,
                           Bytes content, std::string channel = std::string(kTestChannel),
                           std::string sender = "peer") {
  Message message;
  message.message_id = std::move(id);
  message.channel_id = std::move(channel);
  message.sender_id = std::move(sender);
  message.lamport_timestamp = lamport;
  message.causal_history = HistoryList(history);
  message.content = std::move(content);
  return message;
}

// nim-dialect bytes of `message`; throws (a test failure) when it does not encode.
inline Bytes Serialize(const Message& message) {
  Result<Bytes> bytes = Encode(message, Dialect::kNim);
  if (!bytes) throw std::runtime_error("encode failed: " + bytes.error().ToString());
  return std::move(*bytes);
}

inline Message Deserialize(ByteView bytes) {
  Result<DecodedMessage> decoded = DecodeAny(bytes);
  if (!decoded) throw std::runtime_error("decode failed: " + decoded.error().ToString());
  return std::move(decoded->message);
}

// The filter a peer that has seen `ids` would attach (nim-sds defaults).
inline BloomFilter PeerBloom(const std::vector<std::string>& ids) {
  Result<RollingBloomFilter> bloom = RollingBloomFilter::Create(10000, 0.001, StringHash::kFarm);
  if (!bloom) throw std::runtime_error("bloom: " + bloom.error().ToString());
  for (const std::string& id : ids) bloom->Add(id);
  return bloom->filter();
}

// ---- manager access ----------------------------------------------------------

inline const Channel& MustFind(const ReliabilityManager& rm,
                               std::string_view channel = kTestChannel) {
  const Channel* found = rm.FindChannel(std::string(channel));
  if (found == nullptr) throw std::runtime_error("no channel " + std::string(channel));
  return *found;
}

inline Bytes MustWrap(ReliabilityManager& rm, std::string_view content, std::string_view id,
                      std::int64_t now_ms, std::string_view channel = kTestChannel) {
  Bytes payload = ToBytes(content);
  Result<Bytes> bytes = rm.Wrap(std::string(channel), payload, std::string(id), now_ms);
  if (!bytes) throw std::runtime_error("wrap " + std::string(id) + ": " + bytes.error().ToString());
  return std::move(*bytes);
}

inline UnwrapResult MustUnwrap(ReliabilityManager& rm, ByteView bytes, std::int64_t now_ms) {
  Result<UnwrapResult> result = rm.Unwrap(bytes, now_ms);
  if (!result) throw std::runtime_error("unwrap: " + result.error().ToString());
  return std::move(*result);
}

inline UnwrapResult MustUnwrap(ReliabilityManager& rm, const Message& message, std::int64_t now_ms) {
  return MustUnwrap(rm, Serialize(message), now_ms);
}

inline void MustMarkMet(ReliabilityManager& rm, std::vector<MessageId> ids, std::int64_t now_ms,
                        std::string_view channel = kTestChannel) {
  Status status = rm.MarkDependenciesMet(std::string(channel), ids, now_ms);
  if (!status) throw std::runtime_error("markDependenciesMet: " + status.error().ToString());
}

inline bool Contains(const std::vector<MessageId>& ids, std::string_view id) {
  return std::ranges::find(ids, id) != ids.end();
}

// ---- events --------------------------------------------------------------------

inline std::vector<Event> OfKind(const std::vector<Event>& events, EventKind kind) {
  std::vector<Event> found;
  for (const Event& event : events) {
    if (event.kind == kind) found.push_back(event);
  }
  return found;
}

inline std::vector<MessageId> IdsOfKind(const std::vector<Event>& events, EventKind kind) {
  std::vector<MessageId> ids;
  for (const Event& event : events) {
    if (event.kind == kind) ids.push_back(event.message_id);
  }
  return ids;
}

inline std::size_t CountKind(const std::vector<Event>& events, EventKind kind) {
  return static_cast<std::size_t>(std::ranges::count(events, kind, &Event::kind));
}

// ---- persisted state -----------------------------------------------------------

// Writes records straight into any Persistence, as if an earlier session had
// committed them; a manager created afterwards loads them.
inline void Seed(Persistence& store, std::string_view channel, const ChannelDelta& delta) {
  Status committed = store.Commit(std::string(channel), delta);
  if (!committed) throw std::runtime_error("seed: " + committed.error().ToString());
}

// What the store holds for `channel` (counts as one load call).
inline ChannelSnapshot Stored(Persistence& store, std::string_view channel = kTestChannel) {
  Result<ChannelSnapshot> snapshot = store.LoadChannel(std::string(channel));
  if (!snapshot) throw std::runtime_error("load: " + snapshot.error().ToString());
  return std::move(*snapshot);
}

inline std::vector<MessageId> LogIdsOf(const ChannelSnapshot& snapshot) {
  std::vector<MessageId> ids;
  for (const LoggedMessage& logged : snapshot.log) ids.push_back(logged.message.message_id);
  return ids;
}

inline std::vector<MessageId> OutgoingIdsOf(const ChannelSnapshot& snapshot) {
  std::vector<MessageId> ids;
  for (const OutgoingEntry& entry : snapshot.outgoing) ids.push_back(entry.message.message_id);
  return ids;
}

inline std::vector<MessageId> IncomingIdsOf(const ChannelSnapshot& snapshot) {
  std::vector<MessageId> ids;
  for (const IncomingEntry& entry : snapshot.incoming) ids.push_back(entry.message.message_id);
  return ids;
}

inline std::vector<MessageId> OutgoingRepairIdsOf(const ChannelSnapshot& snapshot) {
  std::vector<MessageId> ids;
  for (const OutgoingRepairEntry& entry : snapshot.outgoing_repair) {
    ids.push_back(entry.entry.message_id);
  }
  return ids;
}

// ---- in-process bus --------------------------------------------------------------

// Several participants on one channel. Every byte message put on the wire
// reaches every other participant (unless dropped for some), and the bytes
// carried by their events (resends, repair responses, sync messages) go back
// on the wire, until nothing is left in flight.
class Bus {
 public:
  struct WireRecord {
    ParticipantId from;
    MessageId message_id;
    EventKind cause;  // kDelivered for an application broadcast
    bool sync = false;
  };

  explicit Bus(std::string channel = std::string(kTestChannel)) : channel_(std::move(channel)) {}

  ReliabilityManager& Add(const ParticipantId& id, Config config = {}) {
    peers_.emplace_back(id, std::make_unique<ReliabilityManager>(id, config));
    ReliabilityManager& rm = *peers_.back().second;
    Status ensured = rm.EnsureChannel(channel_);
    if (!ensured) throw std::runtime_error("ensureChannel: " + ensured.error().ToString());
    delivered_[id];
    return rm;
  }

  ReliabilityManager& Peer(const ParticipantId& id) {
    for (auto& [pid, rm] : peers_) {
      if (pid == id) return *rm;
    }
    throw std::runtime_error("no peer " + id);
  }

  const Channel& ChannelOf(const ParticipantId& id) { return MustFind(Peer(id), channel_); }

  // Wraps and broadcasts an application message; `drop_at` miss it.
  Bytes Broadcast(const ParticipantId& from, std::string_view content, const MessageId& id,
                  std::int64_t now_ms, const std::vector<ParticipantId>& drop_at = {}) {
    Bytes bytes = MustWrap(Peer(from), content, id, now_ms, channel_);
    Send(from, bytes, EventKind::kDelivered, now_ms, drop_at);
    return bytes;
  }

  // Puts `bytes` on the wire as sent by `from`, then relays whatever follows.
  void Send(const ParticipantId& from, const Bytes& bytes, EventKind cause, std::int64_t now_ms,
            const std::vector<ParticipantId>& drop_at = {}) {
    Record(from, bytes, cause);
    for (auto& [pid, rm] : peers_) {
      if (pid == from || std::ranges::find(drop_at, pid) != drop_at.end()) continue;
      Result<UnwrapResult> result = rm->Unwrap(bytes, now_ms);
      if (!result) ADD_FAILURE() << pid << " could not unwrap: " << result.error().ToString();
    }
    Pump(now_ms);
  }

  void Tick(const ParticipantId& id, std::int64_t now_ms) {
    Peer(id).Tick(now_ms);
    Pump(now_ms);
  }

  void TickAll(std::int64_t now_ms) {
    for (auto& [pid, rm] : peers_) Tick(pid, now_ms);
  }

  // Drains every participant's events; re-broadcasts the bytes they carry.
  void Pump(std::int64_t now_ms) {
    bool again = true;
    while (again) {
      again = false;
      for (auto& [pid, rm] : peers_) {
        std::vector<Event> events = rm->TakeEvents();
        for (Event& event : events) {
          events_[pid].push_back(event);
          if (event.kind == EventKind::kDelivered) delivered_[pid].push_back(event.message_id);
          const bool carries_bytes = event.kind == EventKind::kResend ||
                                     event.kind == EventKind::kRepairReady ||
                                     (event.kind == EventKind::kSyncReady && relay_syncs_);
          if (carries_bytes) {
            Send(pid, event.bytes, event.kind, now_ms);
            again = true;
          }
        }
      }
    }
  }

  const std::vector<MessageId>& Delivered(const ParticipantId& id) { return delivered_[id]; }
  const std::vector<Event>& EventsOf(const ParticipantId& id) { return events_[id]; }
  const std::vector<WireRecord>& Wire() const { return wire_; }
  std::size_t CountOnWire(std::string_view id) const {
    return static_cast<std::size_t>(
        std::ranges::count_if(wire_, [&](const WireRecord& r) { return r.message_id == id; }));
  }
  void set_relay_syncs(bool relay) { relay_syncs_ = relay; }

 private:
  void Record(const ParticipantId& from, const Bytes& bytes, EventKind cause) {
    Message message = Deserialize(bytes);
    wire_.push_back({from, message.message_id, cause, message.content.empty()});
  }

  std::string channel_;
  std::vector<std::pair<ParticipantId, std::unique_ptr<ReliabilityManager>>> peers_;
  std::map<ParticipantId, std::vector<MessageId>> delivered_;
  std::map<ParticipantId, std::vector<Event>> events_;
  std::vector<WireRecord> wire_;
  bool relay_syncs_ = true;
};

}  // namespace sds::engine_test
