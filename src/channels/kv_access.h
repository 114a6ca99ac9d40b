// What ChannelStore needs from the persistency layer, so that the same code
// runs over a native Job (JobKv) and over a bare SqliteStore (StoreKv, what a
// job's Web Worker owns). Calls are synchronous: each returns the outcome.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "persistency/bytes.h"
#include "persistency/error.h"
#include "persistency/key.h"
#include "persistency/write_batch.h"

namespace channels {

class KvAccess {
 public:
  virtual ~KvAccess() = default;

  // Applies every op of `batch` in one transaction and returns once it has
  // committed, or failed and been rolled back.
  virtual persistency::Status Commit(persistency::WriteBatch batch) = 0;

  // Reads see every earlier Commit.
  virtual persistency::Result<std::optional<persistency::Bytes>> Get(
      std::string_view category, const persistency::Key& key) = 0;
  // The rows whose key starts with `prefix`, in key order.
  virtual persistency::Result<std::vector<persistency::KvRow>> ScanPrefix(
      std::string_view category, const persistency::Key& prefix) = 0;
};

}  // namespace channels
