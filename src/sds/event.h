// Events: every effect of the engine the application has to act on or may
// want to show. The engine queues them; the caller drains them.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "sds/bytes.h"
#include "sds/message.h"

namespace sds {

enum class EventKind {
  kDelivered,             // a message is ready, its dependencies delivered first
  kAcknowledged,          // an own message was acknowledged by a peer
  kPossiblyAcknowledged,  // an own message was seen in a peer's bloom filter
  kResend,                // re-broadcast `bytes`: an own message is still unacknowledged
  kExpired,               // an own message ran out of resend attempts
  kMissing,               // a received message waits for `entries`
  kIrretrievablyLost,     // `entries` did not arrive in time; the waiting message was dropped
  kRepairReady,           // broadcast `bytes`: a repair response for a peer
  kSyncReady,             // broadcast `bytes`: a sync message
  kBufferFull,            // a per-channel buffer hit its cap; `message_id` was not kept
};

std::string_view EventKindName(EventKind kind);

struct Event {
  EventKind kind = EventKind::kDelivered;
  ChannelId channel_id;
  MessageId message_id;
  ParticipantId sender_id;       // kDelivered
  std::uint64_t lamport = 0;     // kDelivered
  Bytes content;                 // kDelivered
  std::uint64_t seq = 0;         // kDelivered: the message's LoggedMessage::seq
  std::vector<HistoryEntry> entries;  // kMissing, kIrretrievablyLost
  Bytes bytes;                   // kResend, kRepairReady, kSyncReady
  int count = 0;                 // kPossiblyAcknowledged: hits so far; kResend: attempt

  friend bool operator==(const Event&, const Event&) = default;
};

}  // namespace sds
