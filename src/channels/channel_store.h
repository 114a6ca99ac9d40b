// ChannelStore: the SDS engine's Persistence on a persistency store, one row
// per record (layout: channel_layout.h).
//
//  - Commit turns one engine step's ChannelDelta into one WriteBatch (a put
//    per added or changed record, a delete per removed one, the clock) and
//    commits it as one transaction: a step's state change and its log change
//    are on disk together or not at all.
//  - LoadChannel reads the channel back: the log and outgoing buffer in seq
//    order, met ids in the order they were marked (ids marked in one step in
//    id order), the other buffers in key order. The engine rebuilds the
//    bloom filter from it. A row that does not decode fails the load: state
//    is never dropped silently.
//  - DropChannel deletes every row of the channel in one transaction.
//
// Every failure is returned as kPersistenceError, naming the operation and
// the channel. The engine's failure policy (src/sds/persistence.h) decides
// what surfaces: a failed Commit leaves the disk as it was, and the engine
// merges the delta into its next step's Commit.
//
// Not thread-safe: one manager drives it. Several stores may share a
// database (the job worker keeps one per channel), but two stores must never
// drive the same channel.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "channels/kv_access.h"
#include "sds/channel_records.h"
#include "sds/error.h"
#include "sds/message.h"
#include "sds/persistence.h"

namespace channels {

class ChannelStore final : public sds::Persistence {
 public:
  explicit ChannelStore(std::unique_ptr<KvAccess> kv) : kv_(std::move(kv)) {}

  sds::Result<sds::ChannelSnapshot> LoadChannel(const sds::ChannelId& channel) override;
  sds::Status Commit(const sds::ChannelId& channel, const sds::ChannelDelta& delta) override;
  sds::Status DropChannel(const sds::ChannelId& channel) override;

 private:
  // The rank the next id marked met in `channel` gets.
  sds::Result<std::uint64_t*> NextMetRank(const sds::ChannelId& channel,
                                          const persistency::Key& channel_key);

  std::unique_ptr<KvAccess> kv_;
  std::map<sds::ChannelId, std::uint64_t> next_met_rank_;
};

}  // namespace channels
