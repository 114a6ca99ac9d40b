#include "channels/job_kv.h"

#include <string>

namespace channels {

persistency::Status JobKv::Commit(persistency::WriteBatch batch) {
  if (persistency::Status queued = job_->Write(std::move(batch)); !queued) return queued;
  return job_->Flush().get();
}

persistency::Result<std::optional<persistency::Bytes>> JobKv::Get(std::string_view category,
                                                                  const persistency::Key& key) {
  return job_->Get(std::string(category), key).get();
}

persistency::Result<std::vector<persistency::KvRow>> JobKv::ScanPrefix(
    std::string_view category, const persistency::Key& prefix) {
  return job_->ScanPrefix(std::string(category), prefix).get();
}

}  // namespace channels
