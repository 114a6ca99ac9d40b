// KvAccess over a SqliteStore owned by the caller: every call runs on the
// caller's thread, and Commit is SqliteStore::Apply, whose result is the
// transaction's own.
#pragma once

#include "channels/kv_access.h"
#include "persistency/sqlite_store.h"

namespace channels {

class StoreKv final : public KvAccess {
 public:
  // `store` must outlive this object.
  explicit StoreKv(persistency::SqliteStore& store) : store_(store) {}

  persistency::Status Commit(persistency::WriteBatch batch) override;
  persistency::Result<std::optional<persistency::Bytes>> Get(std::string_view category,
                                                             const persistency::Key& key) override;
  persistency::Result<std::vector<persistency::KvRow>> ScanPrefix(
      std::string_view category, const persistency::Key& prefix) override;

 private:
  persistency::SqliteStore& store_;
};

}  // namespace channels
