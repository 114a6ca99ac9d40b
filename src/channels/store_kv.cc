#include "channels/store_kv.h"

namespace channels {

persistency::Status StoreKv::Commit(persistency::WriteBatch batch) { return store_.Apply(batch); }

persistency::Result<std::optional<persistency::Bytes>> StoreKv::Get(std::string_view category,
                                                                    const persistency::Key& key) {
  return store_.Get(category, key);
}

persistency::Result<std::vector<persistency::KvRow>> StoreKv::ScanPrefix(
    std::string_view category, const persistency::Key& prefix) {
  return store_.ScanPrefix(category, prefix);
}

}  // namespace channels
