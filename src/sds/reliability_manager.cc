#include "sds/reliability_manager.h"

#include <algorithm>
#include <queue>
#include <string>

#include "sds/dialect.h"
#include "sds/repair.h"
#include "sds/sha256.h"

namespace sds {
namespace {

Event MakeEvent(EventKind kind, const Channel& channel, MessageId message_id) {
  Event event;
  event.kind = kind;
  event.channel_id = channel.id();
  event.message_id = std::move(message_id);
  return event;
}

std::unexpected<Error> ContentTooLarge(std::size_t size) {
  return MakeError(ErrorKind::kMessageTooLarge, "content is " + std::to_string(size) +
                                                    " bytes; the limit is " +
                                                    std::to_string(kMaxContentSize));
}

Status ValidateOutgoing(const ChannelId& channel, ByteView content, const MessageId& id) {
  if (channel.empty()) return MakeError(ErrorKind::kInvalidArgument, "channel id is empty");
  if (id.empty()) return MakeError(ErrorKind::kInvalidArgument, "message id is empty");
  if (content.empty()) return MakeError(ErrorKind::kInvalidArgument, "content is empty");
  if (content.size() > kMaxContentSize) return ContentTooLarge(content.size());
  return {};
}

// The causal-history entries (with the sender's hints) for the given ids.
std::vector<HistoryEntry> EntriesFor(const Message& message, const std::vector<MessageId>& ids) {
  std::vector<HistoryEntry> entries;
  for (HistoryEntryView entry : message.causal_history) {
    if (std::ranges::binary_search(ids, entry.message_id, std::less<>{})) {
      entries.push_back(entry.ToEntry());
    }
  }
  return entries;
}

}  // namespace

ReliabilityManager::ReliabilityManager(ParticipantId participant_id, Config config,
                                       Persistence* persistence)
    : participant_id_(std::move(participant_id)),
      config_(std::move(config)),
      persistence_(persistence) {}

StringHash ReliabilityManager::HashFor(Dialect dialect) const {
  return dialect == Dialect::kSpec ? StringHash::kJsWaku : StringHash::kFarm;
}

RepairHash ReliabilityManager::RepairHashFor(Dialect dialect) const {
  return dialect == Dialect::kSpec ? RepairHash::Sha256() : RepairHash(StringHash::kFarm);
}

Result<MessageId> ReliabilityManager::OutgoingId(ByteView content,
                                                 const MessageId& requested) const {
  if (!config_.content_addressed_ids) return requested;
  MessageId derived = ContentMessageId(content);
  if (!requested.empty() && requested != derived) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "message id " + requested + " is not the content's id " + derived +
                         " (content-addressed ids)");
  }
  return derived;
}

const Channel* ReliabilityManager::FindChannel(const ChannelId& channel) const {
  auto found = channels_.find(channel);
  return found == channels_.end() ? nullptr : found->second.get();
}

Result<Channel*> ReliabilityManager::GetOrCreateChannel(const ChannelId& id) {
  if (auto found = channels_.find(id); found != channels_.end()) return found->second.get();
  if (id.empty()) return MakeError(ErrorKind::kInvalidArgument, "channel id is empty");
  Result<RollingBloomFilter> bloom = RollingBloomFilter::Create(
      config_.bloom_filter_capacity, config_.bloom_filter_error_rate, HashFor(config_.dialect),
      config_.dialect == Dialect::kSpec ? RollSize::kKeepCapacity : RollSize::kGrowToMax);
  if (!bloom) return std::unexpected(std::move(bloom.error()));
  auto channel = std::make_unique<Channel>(id, config_, std::move(*bloom), persistence_ != nullptr);
  if (persistence_ != nullptr) {
    Result<ChannelSnapshot> snapshot = persistence_->LoadChannel(id);
    if (!snapshot) {
      return MakeError(ErrorKind::kPersistenceError,
                       "loading channel " + id + ": " + snapshot.error().message);
    }
    channel->Restore(std::move(*snapshot));
  }
  Channel* raw = channel.get();
  channels_.emplace(id, std::move(channel));
  return raw;
}

Status ReliabilityManager::EnsureChannel(const ChannelId& channel) {
  Result<Channel*> found = GetOrCreateChannel(channel);
  if (!found) return std::unexpected(std::move(found.error()));
  Commit(**found);  // retries changes a failed commit left pending
  return {};
}

Status ReliabilityManager::RemoveChannel(const ChannelId& channel) {
  if (persistence_ != nullptr) {
    if (Status dropped = persistence_->DropChannel(channel); !dropped) {
      return MakeError(ErrorKind::kPersistenceError,
                       "dropping channel " + channel + ": " + dropped.error().message);
    }
  }
  channels_.erase(channel);
  return {};
}

Status ReliabilityManager::Reset() {
  while (!channels_.empty()) {
    if (Status removed = RemoveChannel(channels_.begin()->first); !removed) return removed;
  }
  schedule_ = {};
  return {};
}

std::uint64_t ReliabilityManager::NextLamport(Channel& channel, std::int64_t now_ms) const {
  // The spec's rule, in milliseconds: max(now, L + 1).
  return std::max<std::uint64_t>(static_cast<std::uint64_t>(std::max<std::int64_t>(now_ms, 0)),
                                 channel.lamport() + 1);
}

HistoryList ReliabilityManager::CausalHistory(const Channel& channel) const {
  const std::vector<const Message*> recent = channel.Recent(config_.max_causal_history);
  HistoryList history;
  if (!recent.empty()) {
    const Message& newest = *recent.back();
    history.Reserve(recent.size(),
                    recent.size() * (newest.message_id.size() + newest.sender_id.size()));
  }
  for (const Message* message : recent) {
    const Bytes hint = hint_provider_ ? hint_provider_(message->message_id) : Bytes();
    history.Append(message->message_id, hint, message->sender_id);
  }
  return history;
}

std::vector<HistoryEntry> ReliabilityManager::TakeDueRepairRequests(Channel& channel,
                                                                    std::int64_t now_ms) {
  std::vector<HistoryEntry> requests;
  for (OutgoingRepairEntry& due : channel.DueOutgoingRepairs(now_ms, config_.max_repair_requests)) {
    channel.EraseOutgoingRepair(due.entry.message_id);
    requests.push_back(std::move(due.entry));
  }
  return requests;
}

Result<Bytes> ReliabilityManager::EncodeForChannel(const Channel& channel,
                                                   const Message& message) const {
  return Encode(message, config_.dialect, &channel.bloom().filter());
}

Result<Bytes> ReliabilityManager::Wrap(const ChannelId& channel_id, ByteView content,
                                       const MessageId& requested_id, std::int64_t now_ms) {
  if (Status time = ValidateTime(now_ms); !time) return std::unexpected(std::move(time.error()));
  Result<MessageId> id = OutgoingId(content, requested_id);
  if (!id) return std::unexpected(std::move(id.error()));
  const MessageId& message_id = *id;
  if (Status valid = ValidateOutgoing(channel_id, content, message_id); !valid) {
    return std::unexpected(std::move(valid.error()));
  }
  Result<Channel*> found = GetOrCreateChannel(channel_id);
  if (!found) return std::unexpected(std::move(found.error()));
  Channel& channel = **found;
  if (channel.IsLogged(message_id) || channel.outgoing().contains(message_id)) {
    return MakeError(ErrorKind::kDuplicateMessageId, "message id already used: " + message_id);
  }
  if (channel.outgoing().size() >= config_.max_outgoing_buffer) {
    Emit(MakeEvent(EventKind::kBufferFull, channel, message_id));
    return MakeError(ErrorKind::kInvalidArgument,
                     "outgoing buffer full (" + std::to_string(config_.max_outgoing_buffer) +
                         " unacknowledged messages)");
  }
  Message message;
  message.message_id = message_id;
  message.channel_id = channel_id;
  message.sender_id = participant_id_;
  message.lamport_timestamp = NextLamport(channel, now_ms);
  message.causal_history = CausalHistory(channel);
  for (const OutgoingRepairEntry& due :
       channel.DueOutgoingRepairs(now_ms, config_.max_repair_requests)) {
    message.repair_request.push_back(due.entry);
  }
  message.content.assign(content.begin(), content.end());
  // The bloom snapshot is taken before this message's own id goes in.
  Result<Bytes> bytes = EncodeForChannel(channel, message);
  if (!bytes) return bytes;

  TakeDueRepairRequests(channel, now_ms);
  channel.set_lamport(*message.lamport_timestamp);
  channel.bloom().Add(message_id);
  channel.PutOutgoing({.message = message, .send_time_ms = now_ms});
  channel.AppendToLog(std::move(message));
  Commit(channel);
  return bytes;
}

Result<Bytes> ReliabilityManager::WrapEphemeral(const ChannelId& channel, ByteView content,
                                                const MessageId& requested_id) {
  Result<MessageId> id = OutgoingId(content, requested_id);
  if (!id) return std::unexpected(std::move(id.error()));
  if (Status valid = ValidateOutgoing(channel, content, *id); !valid) {
    return std::unexpected(std::move(valid.error()));
  }
  Message message;
  message.message_id = std::move(*id);
  message.channel_id = channel;
  message.sender_id = participant_id_;
  message.content.assign(content.begin(), content.end());
  return Encode(message, config_.dialect);
}

Result<std::optional<Bytes>> ReliabilityManager::WrapSync(const ChannelId& channel_id,
                                                          std::int64_t now_ms) {
  if (Status time = ValidateTime(now_ms); !time) return std::unexpected(std::move(time.error()));
  Result<Channel*> found = GetOrCreateChannel(channel_id);
  if (!found) return std::unexpected(std::move(found.error()));
  Channel& channel = **found;
  std::vector<OutgoingRepairEntry> due =
      channel.DueOutgoingRepairs(now_ms, config_.max_repair_requests);
  if (channel.LogIds().empty() && due.empty()) return std::optional<Bytes>();
  const std::uint64_t lamport = NextLamport(channel, now_ms);
  Message message;
  message.lamport_timestamp = lamport;
  message.message_id = "sync-" + participant_id_ + "-" + std::to_string(lamport);
  message.channel_id = channel_id;
  message.sender_id = participant_id_;
  message.causal_history = CausalHistory(channel);
  for (const OutgoingRepairEntry& entry : due) message.repair_request.push_back(entry.entry);
  Result<Bytes> bytes = EncodeForChannel(channel, message);
  if (!bytes) return std::unexpected(std::move(bytes.error()));
  TakeDueRepairRequests(channel, now_ms);
  channel.set_lamport(lamport);
  Commit(channel);
  return std::optional<Bytes>(std::move(*bytes));
}

void ReliabilityManager::ForgetSeen(Channel& channel, const MessageId& id) {
  channel.EraseOutgoingRepair(id);
  channel.EraseIncomingRepair(id);
}

void ReliabilityManager::ReviewAcknowledgements(Channel& channel, const Message& message,
                                                Dialect dialect) {
  if (channel.outgoing().empty()) return;
  for (HistoryEntryView entry : message.causal_history) {
    if (!channel.outgoing().contains(entry.message_id)) continue;
    channel.EraseOutgoing(entry.message_id);
    Emit(MakeEvent(EventKind::kAcknowledged, channel, MessageId(entry.message_id)));
  }
  if (!message.bloom_filter || channel.outgoing().empty()) return;
  const StringHash hash = HashFor(dialect);
  std::vector<MessageId> seen;  // collected first: acknowledging erases from the index
  for (const auto& [seq, ref] : channel.outgoing_by_seq()) {
    if (message.bloom_filter->Contains(ref.HashFor(hash))) seen.push_back(ref.id);
  }
  for (const MessageId& id : seen) {
    OutgoingEntry& entry = channel.outgoing().at(id);
    ++entry.possible_acks;
    if (entry.possible_acks >= static_cast<std::uint32_t>(std::max(config_.possible_acks_threshold, 1))) {
      channel.EraseOutgoing(id);
      Emit(MakeEvent(EventKind::kAcknowledged, channel, id));
    } else {
      channel.TouchOutgoing(id);
      Event event = MakeEvent(EventKind::kPossiblyAcknowledged, channel, id);
      event.count = static_cast<int>(entry.possible_acks);
      Emit(std::move(event));
    }
  }
}

void ReliabilityManager::QueueRepairResponses(Channel& channel, const Message& message,
                                              std::int64_t now_ms) {
  const RepairHash hash = RepairHashFor(config_.dialect);
  for (const HistoryEntry& request : message.repair_request) {
    channel.EraseOutgoingRepair(request.message_id);
    if (participant_id_.empty() || request.sender_id.empty()) continue;
    if (!channel.IsLogged(request.message_id)) continue;
    if (!IsInResponseGroup(participant_id_, request.sender_id, request.message_id,
                           config_.num_response_groups, hash)) {
      continue;
    }
    if (channel.incoming_repair().size() >= config_.max_repair_buffer &&
        !channel.incoming_repair().contains(request.message_id)) {
      Emit(MakeEvent(EventKind::kBufferFull, channel, request.message_id));
      continue;
    }
    std::int64_t delay = ComputeTResp(participant_id_, request.sender_id, request.message_id,
                                      config_.repair_t_max_ms, hash);
    channel.PutIncomingRepair({request, now_ms + delay});
  }
}

std::vector<HistoryEntry> ReliabilityManager::MissingDependencies(const Channel& channel,
                                                                  const Message& message) const {
  std::vector<HistoryEntry> missing;
  for (HistoryEntryView entry : message.causal_history) {
    if (!channel.IsDelivered(entry.message_id)) missing.push_back(entry.ToEntry());
  }
  return missing;
}

void ReliabilityManager::RequestRepairs(Channel& channel, const std::vector<HistoryEntry>& missing,
                                        std::int64_t now_ms) {
  if (participant_id_.empty()) return;
  const RepairHash hash = RepairHashFor(config_.dialect);
  for (const HistoryEntry& entry : missing) {
    if (channel.outgoing_repair().contains(entry.message_id)) continue;
    if (channel.IsBuffered(entry.message_id)) continue;  // held, waiting on its own deps
    if (channel.outgoing_repair().size() >= config_.max_repair_buffer) {
      Emit(MakeEvent(EventKind::kBufferFull, channel, entry.message_id));
      return;
    }
    std::int64_t delay = ComputeTReq(participant_id_, entry.message_id, config_.repair_t_min_ms,
                                     config_.repair_t_max_ms, hash);
    channel.PutOutgoingRepair({entry, now_ms + delay});
  }
}

void ReliabilityManager::RequestMissingAgain(Channel& channel, std::int64_t now_ms) {
  // A repair request goes on the wire once. When its answer is lost and no
  // newer message cites the id, nothing else would ask again, and the
  // messages waiting on it would stay buffered for good.
  if (participant_id_.empty() || channel.incoming().empty()) return;  // nothing to ask for
  std::vector<MessageId> waiting;
  waiting.reserve(channel.incoming().size());
  for (const auto& [id, entry] : channel.incoming()) waiting.push_back(id);
  std::ranges::sort(waiting);  // deterministic order
  for (const MessageId& id : waiting) {
    const IncomingEntry& entry = channel.incoming().at(id);
    RequestRepairs(channel, EntriesFor(entry.message, entry.missing), now_ms);
  }
}

void ReliabilityManager::Deliver(Channel& channel, Message message) {
  channel.set_lamport(std::max(channel.lamport(), message.lamport_timestamp.value_or(0)));
  Event event = MakeEvent(EventKind::kDelivered, channel, message.message_id);
  event.sender_id = message.sender_id;
  event.lamport = message.lamport_timestamp.value_or(0);
  event.content = message.content;
  event.seq = channel.AppendToLog(std::move(message));
  Emit(std::move(event));
}

void ReliabilityManager::DeliverCascade(Channel& channel, std::vector<MessageId> released) {
  // Messages released together are delivered in (lamport, id) order, each
  // before anything it releases in turn.
  using Ready = std::pair<std::uint64_t, MessageId>;
  std::priority_queue<Ready, std::vector<Ready>, std::greater<>> ready;
  auto push = [&](std::vector<MessageId> ids) {
    for (MessageId& id : ids) {
      const IncomingEntry& entry = channel.incoming().at(id);
      ready.emplace(entry.message.lamport_timestamp.value_or(0), std::move(id));
    }
  };
  push(std::move(released));
  while (!ready.empty()) {
    MessageId id = ready.top().second;
    ready.pop();
    IncomingEntry entry = channel.Unbuffer(id);
    Deliver(channel, std::move(entry.message));
    push(channel.ResolveDependency(id));
  }
}

Result<UnwrapResult> ReliabilityManager::Unwrap(ByteView bytes, std::int64_t now_ms) {
  if (Status time = ValidateTime(now_ms); !time) return std::unexpected(std::move(time.error()));
  Result<DecodedMessage> decoded = DecodeAny(bytes);
  if (!decoded) return std::unexpected(std::move(decoded.error()));
  Message& message = decoded->message;
  // The wire allows more (kMaxNimMessageBytes); content is held to the same
  // limit as what this engine sends.
  if (message.content.size() > kMaxContentSize) return ContentTooLarge(message.content.size());
  Result<Channel*> found = GetOrCreateChannel(message.channel_id);
  if (!found) return std::unexpected(std::move(found.error()));
  Channel& channel = **found;

  UnwrapResult result;
  result.channel_id = message.channel_id;
  result.message_id = message.message_id;
  result.dialect = decoded->dialect;
  result.content = message.content;

  if (!message.lamport_timestamp) {
    if (message.content.empty()) {
      return MakeError(ErrorKind::kDeserializationError, "message has neither lamport nor content");
    }
    result.kind = MessageKind::kEphemeral;
    if (!participant_id_.empty() && message.sender_id == participant_id_) {
      result.duplicate = true;  // our own, echoed back
      return result;
    }
    Event event = MakeEvent(EventKind::kDelivered, channel, message.message_id);
    event.sender_id = message.sender_id;
    event.content = message.content;
    Emit(std::move(event));
    return result;
  }
  result.kind = message.content.empty() ? MessageKind::kSync : MessageKind::kContent;
  ForgetSeen(channel, message.message_id);
  // An own sync message echoed back must not acknowledge the messages it
  // cites. (Own content messages are not skipped: one lost in a crash comes
  // back from peers; echoes are caught as duplicates.)
  bool own_sync = result.kind == MessageKind::kSync && !participant_id_.empty() &&
                  message.sender_id == participant_id_;
  if (own_sync || (result.kind == MessageKind::kContent &&
                   (channel.IsDelivered(message.message_id) ||
                    channel.IsBuffered(message.message_id)))) {
    result.duplicate = true;
    Commit(channel);
    return result;
  }
  ReviewAcknowledgements(channel, message, decoded->dialect);
  QueueRepairResponses(channel, message, now_ms);
  result.missing = MissingDependencies(channel, message);

  if (result.kind == MessageKind::kSync) {
    if (!result.missing.empty()) {
      RequestRepairs(channel, result.missing, now_ms);
      Event event = MakeEvent(EventKind::kMissing, channel, message.message_id);
      event.entries = result.missing;
      Emit(std::move(event));
    }
  } else if (result.missing.empty()) {
    channel.bloom().Add(message.message_id);
    MessageId id = message.message_id;
    Deliver(channel, std::move(message));
    DeliverCascade(channel, channel.ResolveDependency(id));
  } else if (channel.incoming().size() >= config_.max_incoming_buffer) {
    Emit(MakeEvent(EventKind::kBufferFull, channel, message.message_id));
  } else {
    channel.bloom().Add(message.message_id);
    std::vector<MessageId> missing_ids;
    for (const HistoryEntry& entry : result.missing) missing_ids.push_back(entry.message_id);
    message.bloom_filter.reset();
    channel.Buffer({std::move(message), std::move(missing_ids), now_ms});
    RequestRepairs(channel, result.missing, now_ms);
    Event event = MakeEvent(EventKind::kMissing, channel, result.message_id);
    event.entries = result.missing;
    Emit(std::move(event));
  }
  Commit(channel);
  return result;
}

Status ReliabilityManager::MarkDependenciesMet(const ChannelId& channel_id,
                                               std::span<const MessageId> ids,
                                               std::int64_t now_ms) {
  if (Status time = ValidateTime(now_ms); !time) return time;
  auto found = channels_.find(channel_id);
  if (found == channels_.end()) {
    return MakeError(ErrorKind::kInvalidArgument, "unknown channel: " + channel_id);
  }
  Channel& channel = *found->second;
  for (const MessageId& id : ids) {
    if (!channel.bloom().Contains(id)) channel.bloom().Add(id);
    channel.AddMet(id);
    ForgetSeen(channel, id);
    DeliverCascade(channel, channel.ResolveDependency(id));
  }
  Commit(channel);
  return {};
}

void ReliabilityManager::SweepBuffers(Channel& channel, std::int64_t now_ms) {
  for (const MessageId& id : channel.OutgoingIds()) {
    OutgoingEntry& entry = channel.outgoing().at(id);
    if (now_ms - entry.send_time_ms <= config_.resend_interval_ms) continue;
    if (entry.resend_attempts >= static_cast<std::uint32_t>(config_.max_resend_attempts)) {
      channel.EraseOutgoing(id);
      Emit(MakeEvent(EventKind::kExpired, channel, id));
      continue;
    }
    ++entry.resend_attempts;
    entry.send_time_ms = now_ms;
    channel.TouchOutgoing(id);
    Result<Bytes> bytes = EncodeForChannel(channel, entry.message);
    if (!bytes) continue;
    Event event = MakeEvent(EventKind::kResend, channel, id);
    event.bytes = std::move(*bytes);
    event.count = static_cast<int>(entry.resend_attempts);
    Emit(std::move(event));
  }
  RequestMissingAgain(channel, now_ms);
  if (config_.incoming_buffer_timeout_ms > 0) {
    std::vector<MessageId> lost;
    for (const auto& [id, entry] : channel.incoming()) {
      if (now_ms - entry.received_at_ms >= config_.incoming_buffer_timeout_ms) lost.push_back(id);
    }
    std::ranges::sort(lost);
    for (const MessageId& id : lost) {
      IncomingEntry entry = channel.Unbuffer(id);
      Event event = MakeEvent(EventKind::kIrretrievablyLost, channel, id);
      event.entries = EntriesFor(entry.message, entry.missing);
      Emit(std::move(event));
    }
  }
  channel.bloom().Clean();
}

void ReliabilityManager::SweepRepairs(Channel& channel, std::int64_t now_ms) {
  for (const IncomingRepairEntry& due : channel.DueIncomingRepairs(now_ms)) {
    channel.EraseIncomingRepair(due.entry.message_id);
    const LoggedMessage* logged = channel.FindLogged(due.entry.message_id);
    if (logged == nullptr) continue;
    Result<Bytes> bytes = EncodeForChannel(channel, logged->message);
    if (!bytes) continue;
    Event event = MakeEvent(EventKind::kRepairReady, channel, due.entry.message_id);
    event.bytes = std::move(*bytes);
    Emit(std::move(event));
  }
  for (const MessageId& id : channel.ExpiredOutgoingRepairs(now_ms, config_.repair_t_max_ms)) {
    channel.EraseOutgoingRepair(id);
  }
}

void ReliabilityManager::ProduceSync(Channel& channel, std::int64_t now_ms) {
  Result<std::optional<Bytes>> bytes = WrapSync(channel.id(), now_ms);
  if (!bytes || !*bytes) return;
  Event event = MakeEvent(EventKind::kSyncReady, channel, {});
  event.bytes = std::move(**bytes);
  Emit(std::move(event));
}

Status ReliabilityManager::Tick(std::int64_t now_ms) {
  if (Status time = ValidateTime(now_ms); !time) return time;
  auto due = [now_ms](std::optional<std::int64_t>& next, std::int64_t interval) {
    if (next && now_ms < *next) return false;
    next = now_ms + interval;
    return true;
  };
  bool sweep_buffers = due(schedule_.buffer_sweep, config_.buffer_sweep_interval_ms);
  bool sweep_repairs = due(schedule_.repair_sweep, config_.repair_sweep_interval_ms);
  bool sync = due(schedule_.sync, config_.sync_message_interval_ms);
  for (auto& [id, channel] : channels_) {
    if (sweep_buffers) SweepBuffers(*channel, now_ms);
    if (sweep_repairs) SweepRepairs(*channel, now_ms);
    if (sync) ProduceSync(*channel, now_ms);
    Commit(*channel);
  }
  return {};
}

void ReliabilityManager::Commit(Channel& channel) {
  ChannelDelta delta = channel.TakeDelta();
  if (persistence_ == nullptr || delta.empty()) return;
  // On failure the delta is kept; later changes are merged over it and the
  // next step commits both.
  if (!persistence_->Commit(channel.id(), delta)) channel.pending_delta() = std::move(delta);
}

}  // namespace sds
