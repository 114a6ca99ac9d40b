// A Persistence in memory, for tests and for apps that need no durability.
// Failures can be injected per operation.
#pragma once

#include <map>
#include <string>

#include "sds/persistence.h"

namespace sds {

class InMemoryPersistence final : public Persistence {
 public:
  enum class Op { kLoad, kCommit, kDrop };

  Result<ChannelSnapshot> LoadChannel(const ChannelId& channel) override;
  Status Commit(const ChannelId& channel, const ChannelDelta& delta) override;
  Status DropChannel(const ChannelId& channel) override;

  // Makes the next `times` calls of `op` fail.
  void FailNext(Op op, int times = 1) { failures_[op] = times; }
  int calls(Op op) const;
  bool HasChannel(const ChannelId& channel) const { return channels_.contains(channel); }

 private:
  struct Stored {
    std::uint64_t lamport = 0;
    std::map<MessageId, LoggedMessage> log;
    std::map<MessageId, OutgoingEntry> outgoing;
    std::map<MessageId, IncomingEntry> incoming;
    std::map<MessageId, OutgoingRepairEntry> outgoing_repair;
    std::map<MessageId, IncomingRepairEntry> incoming_repair;
    std::map<MessageId, bool> met;
  };
  bool ShouldFail(Op op);

  std::map<ChannelId, Stored> channels_;
  std::map<Op, int> failures_;
  std::map<Op, int> calls_;
};

}  // namespace sds
