// HistoryList (src/sds/history_list.h): entries packed in one buffer, read
// back in place, in order, byte for byte.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sds/history_list.h"

namespace sds {
namespace {

std::vector<HistoryEntry> Sample() {
  return {
      {"m1", {}, ""},
      {std::string(300, 'x'), {0, 1, 2, 0xff}, "bob"},
      {std::string("\0id\0", 4), {}, std::string("\0", 1)},  // binary ids stay whole
      {"", {7}, "carol"},
  };
}

TEST(HistoryList, ReadsBackWhatWasAppendedInOrder) {
  const std::vector<HistoryEntry> entries = Sample();
  HistoryList list;
  for (const HistoryEntry& entry : entries) list.push_back(entry);
  ASSERT_EQ(list.size(), entries.size());
  EXPECT_FALSE(list.empty());
  EXPECT_EQ(list.ToEntries(), entries);
  std::size_t i = 0;
  for (HistoryEntryView view : list) {
    EXPECT_TRUE(view == entries[i]) << i;
    EXPECT_EQ(view.ToEntry(), entries[i]);
    EXPECT_EQ(list.EntryAt(i), entries[i]);
    ++i;
  }
  EXPECT_EQ(i, entries.size());
}

TEST(HistoryList, KeepsEveryEntryAsTheBufferGrows) {
  std::vector<HistoryEntry> entries;
  HistoryList list;
  for (int i = 0; i < 500; ++i) {
    HistoryEntry entry{std::string(static_cast<std::size_t>(i % 97), static_cast<char>('a' + i % 26)),
                       Bytes(static_cast<std::size_t>(i % 5), static_cast<std::uint8_t>(i)),
                       i % 3 == 0 ? "" : "p" + std::to_string(i)};
    list.push_back(entry);
    entries.push_back(std::move(entry));
  }
  EXPECT_EQ(list.size(), entries.size());
  EXPECT_EQ(list.ToEntries(), entries);
}

TEST(HistoryList, AMovedFromListIsEmpty) {
  HistoryList from(Sample());
  HistoryList to(std::move(from));
  EXPECT_EQ(to.ToEntries(), Sample());
  EXPECT_TRUE(from.empty());  // NOLINT(bugprone-use-after-move): the documented state
  EXPECT_EQ(from.begin(), from.end());
  from = std::move(to);
  EXPECT_EQ(from.size(), Sample().size());
  EXPECT_TRUE(to.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(HistoryList, ConstructorsAndEquality) {
  const std::vector<HistoryEntry> entries = Sample();
  const HistoryList from_span(entries);
  const HistoryList from_list = {{"m1", {}, ""}};
  EXPECT_EQ(from_span.ToEntries(), entries);
  EXPECT_EQ(from_list.size(), 1u);
  EXPECT_EQ(HistoryList(entries), from_span);
  EXPECT_NE(from_list, from_span);
  // Same bytes in different fields are different entries.
  EXPECT_NE(HistoryList({{"ab", {}, ""}}), HistoryList({{"a", {}, "b"}}));
}

TEST(HistoryList, IsOneBufferWhateverTheNumberOfEntries) {
  HistoryList list;
  list.Reserve(1000, 1000 * (64 + 5));
  const std::size_t reserved = list.packed_size();
  EXPECT_EQ(reserved, 0u);
  for (int i = 0; i < 1000; ++i) list.Append(std::string(64, 'a'), {}, "alice");
  EXPECT_EQ(list.size(), 1000u);
  // 12 bytes of lengths per entry, then the fields themselves.
  EXPECT_EQ(list.packed_size(), 1000u * (12 + 64 + 5));
}

TEST(HistoryList, ClearEmptiesAndEntryAtChecksItsIndex) {
  HistoryList list(Sample());
  EXPECT_THROW(list.EntryAt(list.size()), std::out_of_range);
  list.clear();
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.begin(), list.end());
  EXPECT_EQ(list, HistoryList());
}

}  // namespace
}  // namespace sds
