// ReliabilityManager: the SDS engine for one participant and any number of
// channels. Pure and deterministic: time comes in as `now_ms`, storage is
// the Persistence interface, and effects are queued as Events for the caller
// to drain with TakeEvents().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "sds/channel.h"
#include "sds/config.h"
#include "sds/error.h"
#include "sds/event.h"
#include "sds/message.h"
#include "sds/persistence.h"
#include "sds/repair.h"

namespace sds {

enum class MessageKind { kContent, kSync, kEphemeral };

struct UnwrapResult {
  ChannelId channel_id;
  MessageId message_id;
  MessageKind kind = MessageKind::kContent;
  Dialect dialect = Dialect::kNim;
  bool duplicate = false;
  Bytes content;
  // Dependencies not yet delivered; empty when the message was delivered.
  std::vector<HistoryEntry> missing;
};

class ReliabilityManager {
 public:
  using RetrievalHintProvider = std::function<Bytes(const MessageId&)>;

  // `participant_id` may be empty, which disables SDS-R. `persistence` may be
  // null (nothing is stored); otherwise it must outlive the manager.
  ReliabilityManager(ParticipantId participant_id, Config config = {},
                     Persistence* persistence = nullptr);

  const ParticipantId& participant_id() const { return participant_id_; }
  const Config& config() const { return config_; }

  // Creates the channel, restoring its persisted state.
  Status EnsureChannel(const ChannelId& channel);
  // Drops the channel's state and its storage; OK when absent.
  Status RemoveChannel(const ChannelId& channel);
  // Removes every channel.
  Status Reset();
  bool HasChannel(const ChannelId& channel) const { return channels_.contains(channel); }
  std::size_t channel_count() const { return channels_.size(); }
  const Channel* FindChannel(const ChannelId& channel) const;

  // Every call taking `now_ms` refuses a time outside 0..kMaxTimeMs
  // (kInvalidArgument, nothing changed).
  //
  // Wraps `content` as message `message_id` for `channel`; returns the bytes to
  // broadcast. The message stays in the outgoing buffer until acknowledged.
  // kDuplicateMessageId when the channel logged or still holds that id;
  // kMessageTooLarge over kMaxContentSize; kInvalidArgument (and a
  // kBufferFull event) when the outgoing buffer is at its cap.
  // With config.content_addressed_ids the id is ContentMessageId(content),
  // and `message_id` must be "" or that id (so does WrapEphemeral's).
  Result<Bytes> Wrap(const ChannelId& channel, ByteView content, const MessageId& message_id,
                     std::int64_t now_ms);
  // An ephemeral message: no lamport, history or bloom; never stored or resent.
  Result<Bytes> WrapEphemeral(const ChannelId& channel, ByteView content,
                              const MessageId& message_id);
  // A sync message (empty content carrying causal history, bloom and due
  // repair requests), or nullopt when there is nothing to sync.
  Result<std::optional<Bytes>> WrapSync(const ChannelId& channel, std::int64_t now_ms);

  // Processes received bytes in either dialect. kDeserializationError for
  // bytes that are not an SDS message (see the codecs' limits),
  // kMessageTooLarge for content over kMaxContentSize; either way nothing
  // changes.
  Result<UnwrapResult> Unwrap(ByteView bytes, std::int64_t now_ms);

  // Counts `ids` as delivered (e.g. fetched from a store) and releases the
  // messages waiting only on them.
  Status MarkDependenciesMet(const ChannelId& channel, std::span<const MessageId> ids,
                             std::int64_t now_ms);

  // Runs the periodic work that is due: resend/expiry and incoming-buffer
  // timeouts (buffer sweep), repair responses (repair sweep), sync messages.
  Status Tick(std::int64_t now_ms);

  void SetRetrievalHintProvider(RetrievalHintProvider provider) {
    hint_provider_ = std::move(provider);
  }

  // Events queued since the last call, in the order they happened.
  std::vector<Event> TakeEvents() { return std::exchange(events_, {}); }

 private:
  Result<Channel*> GetOrCreateChannel(const ChannelId& channel);
  StringHash HashFor(Dialect dialect) const;
  RepairHash RepairHashFor(Dialect dialect) const;
  Result<MessageId> OutgoingId(ByteView content, const MessageId& requested) const;
  Result<Bytes> EncodeForChannel(const Channel& channel, const Message& message) const;
  std::uint64_t NextLamport(Channel& channel, std::int64_t now_ms) const;
  HistoryList CausalHistory(const Channel& channel) const;
  std::vector<HistoryEntry> TakeDueRepairRequests(Channel& channel, std::int64_t now_ms);

  void ReviewAcknowledgements(Channel& channel, const Message& message, Dialect dialect);
  void QueueRepairResponses(Channel& channel, const Message& message, std::int64_t now_ms);
  std::vector<HistoryEntry> MissingDependencies(const Channel& channel,
                                                const Message& message) const;
  void RequestRepairs(Channel& channel, const std::vector<HistoryEntry>& missing,
                      std::int64_t now_ms);
  void Deliver(Channel& channel, Message message);
  void DeliverCascade(Channel& channel, std::vector<MessageId> released);
  void ForgetSeen(Channel& channel, const MessageId& id);

  void SweepBuffers(Channel& channel, std::int64_t now_ms);
  // SDS-R: asks again for the dependencies of buffered messages whose
  // earlier request went out unanswered.
  void RequestMissingAgain(Channel& channel, std::int64_t now_ms);
  void SweepRepairs(Channel& channel, std::int64_t now_ms);
  void ProduceSync(Channel& channel, std::int64_t now_ms);
  void Commit(Channel& channel);
  void Emit(Event event) { events_.push_back(std::move(event)); }

  ParticipantId participant_id_;
  Config config_;
  Persistence* persistence_;
  RetrievalHintProvider hint_provider_;
  std::map<ChannelId, std::unique_ptr<Channel>> channels_;
  std::vector<Event> events_;

  struct Schedule {
    std::optional<std::int64_t> buffer_sweep, repair_sweep, sync;
  };
  Schedule schedule_;
};

}  // namespace sds
