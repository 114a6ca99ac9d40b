// WriteBatch: an ordered list of writes applied atomically, in order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "persistency/bytes.h"
#include "persistency/key.h"

namespace persistency {

enum class WriteKind : std::uint8_t { kPut = 0, kDelete = 1, kDeletePrefix = 2 };

struct WriteOp {
  WriteKind kind = WriteKind::kPut;
  std::string category;
  Key key;        // for kDeletePrefix: the prefix
  Bytes payload;  // only for kPut

  friend bool operator==(const WriteOp&, const WriteOp&) = default;
};

class WriteBatch {
 public:
  WriteBatch& Put(std::string category, Key key, Bytes payload);
  WriteBatch& Delete(std::string category, Key key);
  // Deletes every row of `category` whose key starts with `prefix`.
  WriteBatch& DeletePrefix(std::string category, Key prefix);
  // Appends all ops of `other`, keeping their order.
  WriteBatch& Append(const WriteBatch& other);

  const std::vector<WriteOp>& ops() const { return ops_; }
  std::size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }
  void Clear() { ops_.clear(); }

 private:
  std::vector<WriteOp> ops_;
};

}  // namespace persistency
