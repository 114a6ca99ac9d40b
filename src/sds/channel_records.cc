#include "sds/channel_records.h"

namespace sds {
namespace {

template <class Map>
void MergeLatest(Map& into, Map&& newer) {
  for (auto& [id, value] : newer) into.insert_or_assign(id, std::move(value));
}

}  // namespace

void ChannelDelta::MergeFrom(ChannelDelta&& newer) {
  if (newer.lamport) lamport = newer.lamport;
  MergeLatest(log, std::move(newer.log));
  MergeLatest(outgoing, std::move(newer.outgoing));
  MergeLatest(incoming, std::move(newer.incoming));
  MergeLatest(outgoing_repair, std::move(newer.outgoing_repair));
  MergeLatest(incoming_repair, std::move(newer.incoming_repair));
  MergeLatest(met, std::move(newer.met));
}

}  // namespace sds
