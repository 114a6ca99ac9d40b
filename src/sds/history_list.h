// HistoryList: a causal history (or any list of history entries) packed into
// one buffer. A message cites up to thousands of ids; as separate strings
// they cost an allocation each, scattered over the heap, and a long-running
// engine then pays cache and TLB misses to walk them. Packed, a history is
// one allocation, written and read front to back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sds/bytes.h"

namespace sds {

using MessageId = std::string;
using ParticipantId = std::string;

// One causal-history (or repair-request) entry.
struct HistoryEntry {
  MessageId message_id;
  Bytes retrieval_hint;     // empty when none
  ParticipantId sender_id;  // empty when unknown (SDS-R off)

  friend bool operator==(const HistoryEntry&, const HistoryEntry&) = default;
};

// An entry read in place from a HistoryList; valid while the list is
// neither changed nor destroyed.
struct HistoryEntryView {
  std::string_view message_id;
  ByteView retrieval_hint;
  std::string_view sender_id;

  HistoryEntry ToEntry() const;
  friend bool operator==(const HistoryEntryView& view, const HistoryEntry& entry);
};

class HistoryList {
 public:
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = HistoryEntryView;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = HistoryEntryView;

    Iterator() = default;
    HistoryEntryView operator*() const;
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator before = *this;
      ++*this;
      return before;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.at_ == b.at_; }

   private:
    friend class HistoryList;
    explicit Iterator(const char* at) : at_(at) {}
    const char* at_ = nullptr;
  };

  HistoryList() = default;
  HistoryList(const HistoryList&) = default;
  HistoryList& operator=(const HistoryList&) = default;
  // A moved-from list is empty.
  HistoryList(HistoryList&& other) noexcept
      : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)) {
    other.data_.clear();
  }
  HistoryList& operator=(HistoryList&& other) noexcept {
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
    other.data_.clear();
    return *this;
  }
  HistoryList(std::initializer_list<HistoryEntry> entries);
  explicit HistoryList(std::span<const HistoryEntry> entries);

  void Append(std::string_view message_id, ByteView retrieval_hint, std::string_view sender_id);
  void push_back(const HistoryEntry& entry) {
    Append(entry.message_id, entry.retrieval_hint, entry.sender_id);
  }
  // Reserves room for `entries` more entries whose ids, hints and senders
  // take `field_bytes` together.
  void Reserve(std::size_t entries, std::size_t field_bytes);
  void clear();

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Iterator begin() const { return Iterator(data_.data()); }
  Iterator end() const { return Iterator(data_.data() + data_.size()); }

  // Entry `index` as an owning value. Walks the list: linear in `index`.
  HistoryEntry EntryAt(std::size_t index) const;
  std::vector<HistoryEntry> ToEntries() const;
  // The packed bytes, for the memory they take.
  std::size_t packed_size() const { return data_.size(); }

  friend bool operator==(const HistoryList&, const HistoryList&) = default;

 private:
  // Per entry: the three lengths (uint32, native byte order), then the id,
  // hint and sender bytes.
  std::string data_;
  std::size_t size_ = 0;
};

}  // namespace sds
