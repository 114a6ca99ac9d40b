#include "sds/history_list.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace sds {
namespace {

constexpr std::size_t kHeaderSize = 3 * sizeof(std::uint32_t);

std::uint32_t LengthOf(std::size_t size) {
  // Wire messages are bounded far below this; a longer field is a caller bug.
  if (size > UINT32_MAX) throw std::length_error("history entry field over 4 GiB");
  return static_cast<std::uint32_t>(size);
}

std::uint32_t ReadLength(const char* at) {
  std::uint32_t length = 0;
  std::memcpy(&length, at, sizeof length);
  return length;
}

// The three field lengths of the entry at `at`.
struct Header {
  std::uint32_t id, hint, sender;
  explicit Header(const char* at)
      : id(ReadLength(at)),
        hint(ReadLength(at + sizeof(std::uint32_t))),
        sender(ReadLength(at + 2 * sizeof(std::uint32_t))) {}
  std::size_t entry_size() const { return kHeaderSize + id + hint + sender; }
};

}  // namespace

HistoryEntry HistoryEntryView::ToEntry() const {
  return HistoryEntry{MessageId(message_id), Bytes(retrieval_hint.begin(), retrieval_hint.end()),
                      ParticipantId(sender_id)};
}

bool operator==(const HistoryEntryView& view, const HistoryEntry& entry) {
  return view.message_id == entry.message_id && view.sender_id == entry.sender_id &&
         std::ranges::equal(view.retrieval_hint, entry.retrieval_hint);
}

HistoryEntryView HistoryList::Iterator::operator*() const {
  const Header header(at_);
  const char* id = at_ + kHeaderSize;
  const char* hint = id + header.id;
  const char* sender = hint + header.hint;
  return HistoryEntryView{
      std::string_view(id, header.id),
      ByteView(reinterpret_cast<const std::uint8_t*>(hint), header.hint),
      std::string_view(sender, header.sender)};
}

HistoryList::Iterator& HistoryList::Iterator::operator++() {
  at_ += Header(at_).entry_size();
  return *this;
}

HistoryList::HistoryList(std::initializer_list<HistoryEntry> entries)
    : HistoryList(std::span<const HistoryEntry>(entries.begin(), entries.size())) {}

HistoryList::HistoryList(std::span<const HistoryEntry> entries) {
  for (const HistoryEntry& entry : entries) push_back(entry);
}

void HistoryList::Append(std::string_view message_id, ByteView retrieval_hint,
                         std::string_view sender_id) {
  const std::uint32_t lengths[3] = {LengthOf(message_id.size()), LengthOf(retrieval_hint.size()),
                                    LengthOf(sender_id.size())};
  const std::size_t at = data_.size();
  const std::size_t added = kHeaderSize + message_id.size() + retrieval_hint.size() + sender_id.size();
  // Written in one step: four appends would check the capacity four times.
  // The lambda returns the length itself rather than its second argument:
  // libstdc++ 12 may pass the grown capacity there instead of the size asked.
  data_.resize_and_overwrite(at + added, [&](char* data, std::size_t) {
    char* out = data + at;
    std::memcpy(out, lengths, kHeaderSize);
    out += kHeaderSize;
    for (std::string_view field :
         {message_id, std::string_view(reinterpret_cast<const char*>(retrieval_hint.data()),
                                       retrieval_hint.size()),
          sender_id}) {
      if (!field.empty()) std::memcpy(out, field.data(), field.size());
      out += field.size();
    }
    return at + added;
  });
  ++size_;
}

void HistoryList::Reserve(std::size_t entries, std::size_t field_bytes) {
  data_.reserve(data_.size() + entries * kHeaderSize + field_bytes);
}

void HistoryList::clear() {
  data_.clear();
  size_ = 0;
}

HistoryEntry HistoryList::EntryAt(std::size_t index) const {
  if (index >= size_) throw std::out_of_range("history entry index out of range");
  return (*std::next(begin(), static_cast<std::ptrdiff_t>(index))).ToEntry();
}

std::vector<HistoryEntry> HistoryList::ToEntries() const {
  std::vector<HistoryEntry> entries;
  entries.reserve(size_);
  for (HistoryEntryView view : *this) entries.push_back(view.ToEntry());
  return entries;
}

}  // namespace sds
