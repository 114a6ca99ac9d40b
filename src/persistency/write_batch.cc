#include "persistency/write_batch.h"

#include <utility>

namespace persistency {

WriteBatch& WriteBatch::Put(std::string category, Key key, Bytes payload) {
  ops_.push_back({WriteKind::kPut, std::move(category), std::move(key), std::move(payload)});
  return *this;
}

WriteBatch& WriteBatch::Delete(std::string category, Key key) {
  ops_.push_back({WriteKind::kDelete, std::move(category), std::move(key), {}});
  return *this;
}

WriteBatch& WriteBatch::DeletePrefix(std::string category, Key prefix) {
  ops_.push_back({WriteKind::kDeletePrefix, std::move(category), std::move(prefix), {}});
  return *this;
}

WriteBatch& WriteBatch::Append(const WriteBatch& other) {
  ops_.insert(ops_.end(), other.ops_.begin(), other.ops_.end());
  return *this;
}

}  // namespace persistency
