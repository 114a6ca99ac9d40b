// Where a manager keeps channel state across restarts. Each engine step
// hands over one ChannelDelta, so a backend can commit it as one
// transaction. Failure policy: Commit failures never fail the step (the
// delta is kept and merged into the next commit); Load and Drop failures
// surface as PersistenceError.
#pragma once

#include "sds/channel_records.h"
#include "sds/error.h"

namespace sds {

class Persistence {
 public:
  virtual ~Persistence() = default;
  // The stored state; an empty snapshot for an unknown channel.
  virtual Result<ChannelSnapshot> LoadChannel(const ChannelId& channel) = 0;
  virtual Status Commit(const ChannelId& channel, const ChannelDelta& delta) = 0;
  virtual Status DropChannel(const ChannelId& channel) = 0;
};

}  // namespace sds
