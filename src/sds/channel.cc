#include "sds/channel.h"

#include <algorithm>

namespace sds {

Channel::Channel(ChannelId id, const Config& config, RollingBloomFilter bloom, bool record_changes)
    : id_(std::move(id)), config_(config), record_changes_(record_changes), bloom_(std::move(bloom)) {}

void Channel::Restore(ChannelSnapshot snapshot) {
  lamport_ = snapshot.lamport;
  for (LoggedMessage& logged : snapshot.log) {
    next_seq_ = std::max(next_seq_, logged.seq + 1);
    MessageId id = logged.message.message_id;
    if (log_.contains(id)) continue;  // a store may hand back duplicates; the first wins
    bloom_.Add(id);
    log_order_.push_back(id);
    log_.emplace(std::move(id), std::move(logged));
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
  for (const MessageId& id : log_order_) snapshot.log.push_back(log_.at(id));
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

const LoggedMessage* Channel::FindLogged(const MessageId& id) const {
  auto found = log_.find(id);
  return found == log_.end() ? nullptr : &found->second;
}

std::uint64_t Channel::AppendToLog(Message message) {
  message.bloom_filter.reset();
  MessageId id = message.message_id;
  const std::uint64_t seq = next_seq_++;
  LoggedMessage logged{seq, std::move(message)};
  Record(delta_.log, id, logged);
  log_order_.push_back(id);
  log_.insert_or_assign(std::move(id), std::move(logged));
  while (log_order_.size() > config_.max_message_history) {
    MessageId evicted = std::move(log_order_.front());
    log_order_.pop_front();
    log_.erase(evicted);
    Record(delta_.log, std::move(evicted), std::nullopt);
  }
  return seq;
}

std::vector<LoggedMessage> Channel::LoggedAfter(std::uint64_t after, std::size_t limit) const {
  // log_order_ is in seq order: appends take ever larger seqs, and a restore
  // receives the log sorted by seq.
  auto first = std::ranges::upper_bound(log_order_, after, {},
                                        [this](const MessageId& id) { return log_.at(id).seq; });
  const auto available = static_cast<std::size_t>(log_order_.end() - first);
  std::vector<LoggedMessage> logged;
  logged.reserve(std::min(limit, available));
  for (auto it = first; it != log_order_.end() && logged.size() < limit; ++it) {
    logged.push_back(log_.at(*it));
  }
  return logged;
}

std::vector<HistoryEntry> Channel::RecentEntries(std::size_t count) const {
  std::size_t start = log_order_.size() > count ? log_order_.size() - count : 0;
  std::vector<HistoryEntry> entries;
  entries.reserve(log_order_.size() - start);
  for (std::size_t i = start; i < log_order_.size(); ++i) {
    const Message& message = log_.at(log_order_[i]).message;
    entries.push_back({message.message_id, {}, message.sender_id});
  }
  return entries;
}

std::vector<MessageId> Channel::LogIds() const { return {log_order_.begin(), log_order_.end()}; }

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

void Channel::EraseOutgoing(const MessageId& id) {
  auto found = outgoing_.find(id);
  if (found == outgoing_.end()) return;
  outgoing_order_.erase(found->second.seq);
  outgoing_.erase(found);
  Record(delta_.outgoing, id, std::nullopt);
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
  log_.clear();
  log_order_.clear();
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
