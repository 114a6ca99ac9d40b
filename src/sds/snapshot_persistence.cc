#include "sds/snapshot_persistence.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace sds {
namespace {

std::unexpected<Error> StoreError(std::string_view op, const ChannelId& channel,
                                  const Error& error) {
  return MakeError(ErrorKind::kPersistenceError,
                   std::string(op) + "(" + channel + "): " + error.message);
}

// Sets `stored[id]` to `value` (nullopt erases); true when that changed it.
template <class Map, class Value>
bool Put(Map& stored, const MessageId& id, const std::optional<Value>& value) {
  if (!value) return stored.erase(id) > 0;
  auto [it, inserted] = stored.try_emplace(id, *value);
  if (inserted) return true;
  if (it->second == *value) return false;
  it->second = *value;
  return true;
}

// The records in id order.
template <class Map>
std::vector<typename Map::mapped_type> Values(const Map& stored) {
  std::vector<typename Map::mapped_type> values;
  values.reserve(stored.size());
  for (const auto& [id, value] : stored) values.push_back(value);
  return values;
}

// The records by `key`, ties in id order.
template <class Map, class Key>
std::vector<typename Map::mapped_type> ValuesBy(const Map& stored, Key key) {
  std::vector<typename Map::mapped_type> values = Values(stored);
  std::ranges::stable_sort(values, {}, key);
  return values;
}

void FillMeta(ChannelSnapshot& snapshot, ChannelMeta meta) {
  snapshot.lamport = meta.lamport;
  snapshot.outgoing = std::move(meta.outgoing);
  snapshot.incoming = std::move(meta.incoming);
  snapshot.outgoing_repair = std::move(meta.outgoing_repair);
  snapshot.incoming_repair = std::move(meta.incoming_repair);
  snapshot.met = std::move(meta.met);
}

}  // namespace

// ---- conversions -----------------------------------------------------------------

ChannelMeta MetaOf(const ChannelSnapshot& snapshot) {
  return ChannelMeta{
      .lamport = snapshot.lamport,
      .outgoing = snapshot.outgoing,
      .incoming = snapshot.incoming,
      .outgoing_repair = snapshot.outgoing_repair,
      .incoming_repair = snapshot.incoming_repair,
      .met = snapshot.met,
  };
}

ChannelSnapshot ToChannelSnapshot(ChannelData data) {
  ChannelSnapshot snapshot;
  std::uint64_t last_seq = 0;
  for (const OutgoingEntry& entry : data.meta.outgoing) last_seq = std::max(last_seq, entry.seq);
  for (OutgoingEntry& entry : data.meta.outgoing) {
    if (entry.seq == 0) entry.seq = ++last_seq;
  }
  FillMeta(snapshot, std::move(data.meta));

  // The last occurrence of each id counts: walk backwards, keep the first seen.
  std::unordered_set<MessageId> seen;
  std::vector<Message*> kept;
  kept.reserve(data.history.size());
  for (auto it = data.history.rbegin(); it != data.history.rend(); ++it) {
    if (seen.insert(it->message_id).second) kept.push_back(&*it);
  }
  snapshot.log.reserve(kept.size());
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
    snapshot.log.push_back(LoggedMessage{++last_seq, std::move(**it)});
  }
  return snapshot;
}

ChannelData ToChannelData(ChannelSnapshot snapshot) {
  ChannelData data;
  data.meta = ChannelMeta{
      .lamport = snapshot.lamport,
      .outgoing = std::move(snapshot.outgoing),
      .incoming = std::move(snapshot.incoming),
      .outgoing_repair = std::move(snapshot.outgoing_repair),
      .incoming_repair = std::move(snapshot.incoming_repair),
      .met = std::move(snapshot.met),
  };
  std::ranges::stable_sort(snapshot.log, {}, &LoggedMessage::seq);
  data.history.reserve(snapshot.log.size());
  for (LoggedMessage& logged : snapshot.log) data.history.push_back(std::move(logged.message));
  return data;
}

// ---- the mirror --------------------------------------------------------------------

SnapshotPersistence::Mirror SnapshotPersistence::Mirror::Of(const ChannelSnapshot& snapshot) {
  Mirror mirror;
  mirror.lamport = snapshot.lamport;
  for (const OutgoingEntry& entry : snapshot.outgoing) {
    mirror.outgoing.insert_or_assign(entry.message.message_id, entry);
  }
  for (const IncomingEntry& entry : snapshot.incoming) {
    mirror.incoming.insert_or_assign(entry.message.message_id, entry);
  }
  for (const OutgoingRepairEntry& entry : snapshot.outgoing_repair) {
    mirror.outgoing_repair.insert_or_assign(entry.entry.message_id, entry);
  }
  for (const IncomingRepairEntry& entry : snapshot.incoming_repair) {
    mirror.incoming_repair.insert_or_assign(entry.entry.message_id, entry);
  }
  for (const MessageId& id : snapshot.met) {
    if (mirror.met.try_emplace(id, mirror.next_met_rank).second) ++mirror.next_met_rank;
  }
  return mirror;
}

bool SnapshotPersistence::Mirror::Apply(const ChannelDelta& delta) {
  bool changed = false;
  if (delta.lamport && *delta.lamport != lamport) {
    lamport = *delta.lamport;
    changed = true;
  }
  for (const auto& [id, value] : delta.outgoing) changed |= Put(outgoing, id, value);
  for (const auto& [id, value] : delta.incoming) changed |= Put(incoming, id, value);
  for (const auto& [id, value] : delta.outgoing_repair) changed |= Put(outgoing_repair, id, value);
  for (const auto& [id, value] : delta.incoming_repair) changed |= Put(incoming_repair, id, value);
  for (const auto& [id, is_met] : delta.met) {
    if (!is_met) {
      changed |= met.erase(id) > 0;
    } else if (met.try_emplace(id, next_met_rank).second) {
      ++next_met_rank;
      changed = true;
    }
  }
  return changed;
}

ChannelMeta SnapshotPersistence::Mirror::Meta() const {
  ChannelMeta meta;
  meta.lamport = lamport;
  meta.outgoing = ValuesBy(outgoing, &OutgoingEntry::seq);
  meta.incoming = Values(incoming);
  meta.outgoing_repair = ValuesBy(outgoing_repair, &OutgoingRepairEntry::t_req_ms);
  meta.incoming_repair = ValuesBy(incoming_repair, &IncomingRepairEntry::t_resp_ms);
  std::vector<std::pair<std::uint64_t, MessageId>> ranked;
  ranked.reserve(met.size());
  for (const auto& [id, rank] : met) ranked.emplace_back(rank, id);
  std::ranges::sort(ranked);
  meta.met.reserve(ranked.size());
  for (auto& [rank, id] : ranked) meta.met.push_back(std::move(id));
  return meta;
}

// ---- the adapter -------------------------------------------------------------------

Result<ChannelSnapshot> SnapshotPersistence::LoadChannel(const ChannelId& channel) {
  mirrors_.erase(channel);
  Result<ChannelData> data = store_.LoadChannel(channel);
  if (!data) return StoreError("loadChannel", channel, data.error());
  ChannelSnapshot loaded = ToChannelSnapshot(std::move(*data));
  Mirror& mirror = mirrors_.insert_or_assign(channel, Mirror::Of(loaded)).first->second;
  // Hand the engine what the mirror holds (one record per id), plus the log.
  ChannelSnapshot snapshot;
  FillMeta(snapshot, mirror.Meta());
  snapshot.log = std::move(loaded.log);
  return snapshot;
}

Result<SnapshotPersistence::Mirror*> SnapshotPersistence::MirrorFor(const ChannelId& channel) {
  if (auto found = mirrors_.find(channel); found != mirrors_.end()) return &found->second;
  Result<ChannelData> data = store_.LoadChannel(channel);
  if (!data) return StoreError("loadChannel", channel, data.error());
  return &mirrors_.emplace(channel, Mirror::Of(ToChannelSnapshot(std::move(*data)))).first->second;
}

Status SnapshotPersistence::Commit(const ChannelId& channel, const ChannelDelta& delta) {
  Result<Mirror*> found = MirrorFor(channel);
  if (!found) return std::unexpected(std::move(found.error()));
  Mirror& mirror = **found;
  if (mirror.Apply(delta)) mirror.meta_unsaved = true;

  // The log changes the store has not taken yet; appends in log (seq) order.
  std::vector<const LoggedMessage*> appends;
  HistoryUpdate update;
  for (const auto& [id, value] : delta.log) {
    std::optional<std::uint64_t> change;
    if (value) change = value->seq;
    auto written = mirror.history_written.find(id);
    if (written != mirror.history_written.end() && written->second == change) continue;
    if (value) {
      appends.push_back(&*value);
    } else {
      update.evict.push_back(id);
    }
  }
  std::ranges::sort(appends, {}, &LoggedMessage::seq);
  update.append.reserve(appends.size());
  for (const LoggedMessage* logged : appends) update.append.push_back(logged->message);

  std::string failures;
  if (mirror.meta_unsaved) {
    if (Status saved = store_.SaveChannelMeta(channel, mirror.Meta()); saved) {
      mirror.meta_unsaved = false;
    } else {
      failures = StoreError("saveChannelMeta", channel, saved.error()).error().message;
    }
  }
  if (!update.empty()) {
    if (Status updated = store_.UpdateHistory(channel, update); updated) {
      for (const LoggedMessage* logged : appends) {
        mirror.history_written.insert_or_assign(logged->message.message_id, logged->seq);
      }
      for (const MessageId& id : update.evict) {
        mirror.history_written.insert_or_assign(id, std::nullopt);
      }
    } else {
      if (!failures.empty()) failures += "; ";
      failures += StoreError("updateHistory", channel, updated.error()).error().message;
    }
  }
  if (!failures.empty()) return MakeError(ErrorKind::kPersistenceError, std::move(failures));
  // The engine has nothing pending for this channel any more.
  mirror.history_written.clear();
  return {};
}

Status SnapshotPersistence::DropChannel(const ChannelId& channel) {
  if (Status dropped = store_.DropChannel(channel); !dropped) {
    return StoreError("dropChannel", channel, dropped.error());
  }
  mirrors_.erase(channel);
  return {};
}

std::optional<ChannelMeta> SnapshotPersistence::Mirrored(const ChannelId& channel) const {
  auto found = mirrors_.find(channel);
  if (found == mirrors_.end()) return std::nullopt;
  return found->second.Meta();
}

}  // namespace sds
