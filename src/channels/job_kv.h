// KvAccess over a native persistency::Job. Job writes are fire-and-forget,
// so Commit queues the batch and then waits on Job::Flush(), which completes
// once the batch has committed and carries the first write error the job
// saw since the previous Flush.
//
// Flush reports job-wide, not per batch, which bounds how the job may be
// shared while a ChannelStore uses it:
//  - another writer's failed write, not yet flushed, fails the next Commit
//    too. The engine then keeps the delta and commits it again with its next
//    step; applying a delta twice is harmless (every op is a put of the
//    latest value or a delete).
//  - a Flush issued by another thread between this Commit's write and its
//    Flush takes the error: the failure would go unseen. Do not Flush the
//    job from other threads while a manager uses it.
// Not available in WebAssembly (no threads there: the job's worker owns a
// SqliteStore, see StoreKv).
#pragma once

#include <memory>
#include <utility>

#include "channels/kv_access.h"
#include "persistency/job.h"

namespace channels {

class JobKv final : public KvAccess {
 public:
  explicit JobKv(std::shared_ptr<persistency::Job> job) : job_(std::move(job)) {}

  persistency::Status Commit(persistency::WriteBatch batch) override;
  persistency::Result<std::optional<persistency::Bytes>> Get(std::string_view category,
                                                             const persistency::Key& key) override;
  persistency::Result<std::vector<persistency::KvRow>> ScanPrefix(
      std::string_view category, const persistency::Key& prefix) override;

 private:
  std::shared_ptr<persistency::Job> job_;
};

}  // namespace channels
