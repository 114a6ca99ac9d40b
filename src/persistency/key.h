// Key: the byte string rows are ordered by. Compared byte-wise (unsigned,
// shorter prefix first), which is exactly SQLite's BLOB order.
#pragma once

#include <compare>
#include <cstddef>
#include <string>

#include "persistency/bytes.h"

namespace persistency {

class Key {
 public:
  Key() = default;

  // Wraps bytes as a key with no encoding (the original's rawKey).
  static Key Raw(ByteView bytes) { return Key(Bytes(bytes.begin(), bytes.end())); }
  static Key Raw(Bytes&& bytes) { return Key(std::move(bytes)); }

  const Bytes& bytes() const { return bytes_; }
  ByteView view() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

  // Appends already-encoded bytes; the key encoder builds keys through this.
  Bytes& mutable_bytes() { return bytes_; }

  std::string ToHex() const;

  friend bool operator==(const Key&, const Key&) = default;
  friend std::strong_ordering operator<=>(const Key& a, const Key& b) {
    return a.bytes_ <=> b.bytes_;
  }

 private:
  explicit Key(Bytes&& bytes) : bytes_(std::move(bytes)) {}
  Bytes bytes_;
};

// A half-open range [start, stop) of keys. An empty stop means no upper bound.
struct KeyRange {
  Key start;
  Key stop;

  bool open_ended() const { return stop.empty(); }
  bool Contains(const Key& key) const {
    return start <= key && (open_ended() || key < stop);
  }
  friend bool operator==(const KeyRange&, const KeyRange&) = default;
};

// The range holding exactly the keys that start with `prefix`: stop is the
// prefix with its last non-0xFF byte incremented and the rest dropped; an
// empty or all-0xFF prefix gives an open-ended range.
KeyRange PrefixRange(const Key& prefix);

// A stored row.
struct KvRow {
  Key key;
  Bytes payload;
  friend bool operator==(const KvRow&, const KvRow&) = default;
};

}  // namespace persistency
