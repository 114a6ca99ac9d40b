#include "sds/in_memory_persistence.h"

#include <algorithm>

namespace sds {
namespace {

template <class Map, class Delta>
void Apply(Map& stored, const Delta& changes) {
  for (const auto& [id, value] : changes) {
    if (value) {
      stored.insert_or_assign(id, *value);
    } else {
      stored.erase(id);
    }
  }
}

template <class Map>
auto Values(const Map& stored) {
  std::vector<typename Map::mapped_type> values;
  values.reserve(stored.size());
  for (const auto& [id, value] : stored) values.push_back(value);
  return values;
}

template <class T>
void SortBySeq(std::vector<T>& records) {
  std::ranges::sort(records, {}, &T::seq);
}

}  // namespace

bool InMemoryPersistence::ShouldFail(Op op) {
  ++calls_[op];
  auto found = failures_.find(op);
  if (found == failures_.end() || found->second == 0) return false;
  --found->second;
  return true;
}

int InMemoryPersistence::calls(Op op) const {
  auto found = calls_.find(op);
  return found == calls_.end() ? 0 : found->second;
}

Result<ChannelSnapshot> InMemoryPersistence::LoadChannel(const ChannelId& channel) {
  if (ShouldFail(Op::kLoad)) return MakeError(ErrorKind::kPersistenceError, "injected load failure");
  ChannelSnapshot snapshot;
  auto found = channels_.find(channel);
  if (found == channels_.end()) return snapshot;
  const Stored& stored = found->second;
  snapshot.lamport = stored.lamport;
  snapshot.log = Values(stored.log);
  SortBySeq(snapshot.log);
  snapshot.outgoing = Values(stored.outgoing);
  SortBySeq(snapshot.outgoing);
  snapshot.incoming = Values(stored.incoming);
  snapshot.outgoing_repair = Values(stored.outgoing_repair);
  snapshot.incoming_repair = Values(stored.incoming_repair);
  for (const auto& [id, met] : stored.met) snapshot.met.push_back(id);
  return snapshot;
}

Status InMemoryPersistence::Commit(const ChannelId& channel, const ChannelDelta& delta) {
  if (ShouldFail(Op::kCommit)) {
    return MakeError(ErrorKind::kPersistenceError, "injected commit failure");
  }
  Stored& stored = channels_[channel];
  if (delta.lamport) stored.lamport = *delta.lamport;
  Apply(stored.log, delta.log);
  Apply(stored.outgoing, delta.outgoing);
  Apply(stored.incoming, delta.incoming);
  Apply(stored.outgoing_repair, delta.outgoing_repair);
  Apply(stored.incoming_repair, delta.incoming_repair);
  for (const auto& [id, met] : delta.met) {
    if (met) {
      stored.met[id] = true;
    } else {
      stored.met.erase(id);
    }
  }
  return {};
}

Status InMemoryPersistence::DropChannel(const ChannelId& channel) {
  if (ShouldFail(Op::kDrop)) return MakeError(ErrorKind::kPersistenceError, "injected drop failure");
  channels_.erase(channel);
  return {};
}

}  // namespace sds
