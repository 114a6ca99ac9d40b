#include "sds/channel.h"

#include <algorithm>

namespace sds {

Channel::Channel(ChannelId id, const Config& config, RollingBloomFilter bloom, bool record_changes)
    : id_(std::move(id)), config_(config), record_changes_(record_changes), bloom_(std::move(bloom)) {}

void Channel::Restore(ChannelSnapshot snapshot) {
  lamport_ = snapshot.lamport;
  for (LoggedMessage& logged : snapshot.log) {
    next_seq_ = std::max(next_seq_, logged.seq + 1);
    if (IsLogged(logged.message.message_id)) continue;  // a store may hand back duplicates; the first wins
    bloom_.Add(logged.message.message_id);
    const LoggedMessage& kept = log_.emplace_back(std::move(logged));
    log_index_.emplace(kept.message.message_id, &kept);
  }
  for (MessageId& id : snapshot.met) {
    if (met_.contains(id)) continue;
    bloom_.Add(id);
    met_order_.push_back(id);
    met_.insert(std::move(id));
  }
  for (OutgoingEntry& entry : snapshot.outgoing) {
    if (outgoing_.contains(entry.message.message_id)) continue;
    next_seq_ = std::max(next_seq_, entry.seq + 1);
    IndexOutgoing(entry);
    outgoing_.emplace(entry.message.message_id, std::move(entry));
  }
  for (IncomingEntry& entry : snapshot.incoming) {
    if (incoming_.contains(entry.message.message_id)) continue;
    bloom_.Add(entry.message.message_id);
    IndexIncoming(entry);
    incoming_.emplace(entry.message.message_id, std::move(entry));
  }
  for (OutgoingRepairEntry& entry : snapshot.outgoing_repair) {
    if (outgoing_repair_.contains(entry.entry.message_id)) continue;
    outgoing_repair_by_time_.emplace(entry.t_req_ms, entry.entry.message_id);
    outgoing_repair_.emplace(entry.entry.message_id, std::move(entry));
  }
  for (IncomingRepairEntry& entry : snapshot.incoming_repair) {
    if (incoming_repair_.contains(entry.entry.message_id)) continue;
    incoming_repair_by_time_.emplace(entry.t_resp_ms, entry.entry.message_id);
    incoming_repair_.emplace(entry.entry.message_id, std::move(entry));
  }
}

ChannelSnapshot Channel::Snapshot() const {
  ChannelSnapshot snapshot;
  snapshot.lamport = lamport_;
  snapshot.log.assign(log_.begin(), log_.end());
  for (const auto& [seq, ref] : outgoing_order_) snapshot.outgoing.push_back(outgoing_.at(ref.id));
  for (const auto& [id, entry] : incoming_) snapshot.incoming.push_back(entry);
  std::ranges::sort(snapshot.incoming, {}, [](const IncomingEntry& e) { return e.message.message_id; });
  for (const auto& [time, id] : outgoing_repair_by_time_) {
    snapshot.outgoing_repair.push_back(outgoing_repair_.at(id));
  }
  for (const auto& [time, id] : incoming_repair_by_time_) {
    snapshot.incoming_repair.push_back(incoming_repair_.at(id));
  }
  snapshot.met.assign(met_order_.begin(), met_order_.end());
  return snapshot;
}

void Channel::set_lamport(std::uint64_t lamport) {
  if (lamport == lamport_) return;
  lamport_ = lamport;
  if (record_changes_) delta_.lamport = lamport;
}

const LoggedMessage* Channel::FindLogged(std::string_view id) const {
  auto found = log_index_.find(id);
  return found == log_index_.end() ? nullptr : found->second;
}

std::uint64_t Channel::AppendToLog(Message message) {
  if (const LoggedMessage* logged = FindLogged(message.message_id)) return logged->seq;
  message.bloom_filter.reset();
  const LoggedMessage& logged = log_.emplace_back(next_seq_++, std::move(message));
  log_index_.emplace(logged.message.message_id, &logged);
  Record(delta_.log, logged.message.message_id, logged);
  while (log_.size() > config_.max_message_history) {
    Record(delta_.log, log_.front().message.message_id, std::nullopt);
    log_index_.erase(log_.front().message.message_id);
    log_.pop_front();
  }
  return logged.seq;
}

std::vector<LoggedMessage> Channel::LoggedAfter(std::uint64_t after, std::size_t limit) const {
  // log_ is in seq order: appends take ever larger seqs, and a restore
  // receives the log sorted by seq.
  auto first = std::ranges::upper_bound(log_, after, {}, &LoggedMessage::seq);
  const auto available = static_cast<std::size_t>(log_.end() - first);
  return std::vector<LoggedMessage>(first, first + static_cast<std::ptrdiff_t>(std::min(limit, available)));
}

std::vector<const Message*> Channel::Recent(std::size_t count) const {
  std::vector<const Message*> recent;
  recent.reserve(std::min(count, log_.size()));
  for (auto it = log_.end() - static_cast<std::ptrdiff_t>(std::min(count, log_.size()));
       it != log_.end(); ++it) {
    recent.push_back(&it->message);
  }
  return recent;
}

std::vector<MessageId> Channel::LogIds() const {
  std::vector<MessageId> ids;
  ids.reserve(log_.size());
  for (const LoggedMessage& logged : log_) ids.push_back(logged.message.message_id);
  return ids;
}

void Channel::AddMet(const MessageId& id) {
  if (!met_.insert(id).second) return;
  met_order_.push_back(id);
  Record(delta_.met, id, true);
  while (met_order_.size() > static_cast<std::size_t>(config_.bloom_filter_capacity)) {
    Record(delta_.met, met_order_.front(), false);
    met_.erase(met_order_.front());
    met_order_.pop_front();
  }
}

std::vector<MessageId> Channel::OutgoingIds() const {
  std::vector<MessageId> ids;
  ids.reserve(outgoing_order_.size());
  for (const auto& [seq, ref] : outgoing_order_) ids.push_back(ref.id);
  return ids;
}

void Channel::PutOutgoing(OutgoingEntry entry) {
  entry.message.bloom_filter.reset();
  entry.seq = next_seq_++;
  MessageId id = entry.message.message_id;
  IndexOutgoing(entry);
  Record(delta_.outgoing, id, entry);
  outgoing_.insert_or_assign(std::move(id), std::move(entry));
}

void Channel::IndexOutgoing(const OutgoingEntry& entry) {
  const MessageId& id = entry.message.message_id;
  outgoing_order_.insert_or_assign(
      entry.seq, OutgoingRef{id, HashItem(id, StringHash::kFarm), HashItem(id, StringHash::kJsWaku)});
}

void Channel::TouchOutgoing(const MessageId& id) {
  Record(delta_.outgoing, id, outgoing_.at(id));
}

void Channel::EraseOutgoing(std::string_view id) {
  auto found = outgoing_.find(id);
  if (found == outgoing_.end()) return;
  outgoing_order_.erase(found->second.seq);
  Record(delta_.outgoing, MessageId(id), std::nullopt);
  outgoing_.erase(found);
}

void Channel::IndexIncoming(const IncomingEntry& entry) {
  for (const MessageId& dependency : entry.missing) {
    waiting_on_[dependency].push_back(entry.message.message_id);
  }
}

void Channel::Buffer(IncomingEntry entry) {
  std::ranges::sort(entry.missing);
  IndexIncoming(entry);
  MessageId id = entry.message.message_id;
  Record(delta_.incoming, id, entry);
  incoming_.insert_or_assign(std::move(id), std::move(entry));
}

IncomingEntry Channel::Unbuffer(const MessageId& id) {
  auto node = incoming_.extract(id);
  Record(delta_.incoming, id, std::nullopt);
  for (const MessageId& dependency : node.mapped().missing) {
    auto waiting = waiting_on_.find(dependency);
    if (waiting == waiting_on_.end()) continue;
    std::erase(waiting->second, id);
    if (waiting->second.empty()) waiting_on_.erase(waiting);
  }
  return std::move(node.mapped());
}

std::vector<MessageId> Channel::ResolveDependency(const MessageId& dependency) {
  std::vector<MessageId> ready;
  auto waiting = waiting_on_.extract(dependency);
  if (waiting.empty()) return ready;
  for (const MessageId& id : waiting.mapped()) {
    auto found = incoming_.find(id);
    if (found == incoming_.end()) continue;
    std::erase(found->second.missing, dependency);
    if (found->second.missing.empty()) {
      ready.push_back(id);
    } else {
      Record(delta_.incoming, id, found->second);
    }
  }
  return ready;
}

void Channel::PutOutgoingRepair(OutgoingRepairEntry entry) {
  EraseOutgoingRepair(entry.entry.message_id);
  outgoing_repair_by_time_.emplace(entry.t_req_ms, entry.entry.message_id);
  Record(delta_.outgoing_repair, entry.entry.message_id, entry);
  MessageId id = entry.entry.message_id;
  outgoing_repair_.emplace(std::move(id), std::move(entry));
}

void Channel::EraseOutgoingRepair(const MessageId& id) {
  auto found = outgoing_repair_.find(id);
  if (found == outgoing_repair_.end()) return;
  outgoing_repair_by_time_.erase({found->second.t_req_ms, id});
  outgoing_repair_.erase(found);
  Record(delta_.outgoing_repair, id, std::nullopt);
}

void Channel::PutIncomingRepair(IncomingRepairEntry entry) {
  EraseIncomingRepair(entry.entry.message_id);
  incoming_repair_by_time_.emplace(entry.t_resp_ms, entry.entry.message_id);
  Record(delta_.incoming_repair, entry.entry.message_id, entry);
  MessageId id = entry.entry.message_id;
  incoming_repair_.emplace(std::move(id), std::move(entry));
}

void Channel::EraseIncomingRepair(const MessageId& id) {
  auto found = incoming_repair_.find(id);
  if (found == incoming_repair_.end()) return;
  incoming_repair_by_time_.erase({found->second.t_resp_ms, id});
  incoming_repair_.erase(found);
  Record(delta_.incoming_repair, id, std::nullopt);
}

std::vector<OutgoingRepairEntry> Channel::DueOutgoingRepairs(std::int64_t now_ms,
                                                             std::size_t limit) const {
  std::vector<OutgoingRepairEntry> due;
  for (const auto& [time, id] : outgoing_repair_by_time_) {
    if (time > now_ms || due.size() >= limit) break;
    due.push_back(outgoing_repair_.at(id));
  }
  return due;
}

std::vector<MessageId> Channel::ExpiredOutgoingRepairs(std::int64_t now_ms,
                                                       std::int64_t t_max_ms) const {
  std::vector<MessageId> expired;
  for (const auto& [time, id] : outgoing_repair_by_time_) {
    if (now_ms - time <= t_max_ms) break;
    expired.push_back(id);
  }
  return expired;
}

std::vector<IncomingRepairEntry> Channel::DueIncomingRepairs(std::int64_t now_ms) const {
  std::vector<IncomingRepairEntry> due;
  for (const auto& [time, id] : incoming_repair_by_time_) {
    if (time > now_ms) break;
    due.push_back(incoming_repair_.at(id));
  }
  return due;
}

void Channel::Clear() {
  lamport_ = 0;
  next_seq_ = 1;
  log_index_.clear();
  log_.clear();
  met_.clear();
  met_order_.clear();
  bloom_.Clear();
  outgoing_.clear();
  outgoing_order_.clear();
  incoming_.clear();
  waiting_on_.clear();
  outgoing_repair_.clear();
  outgoing_repair_by_time_.clear();
  incoming_repair_.clear();
  incoming_repair_by_time_.clear();
  delta_ = {};
}

}  // namespace sds
