// Port of the original suite "Persistency keys" (test_keys.nim), cases 1-12,
// plus the worked bytes of spec §1.3.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "persistency/encoding.h"
#include "persistency/key.h"
#include "test_support.h"

namespace persistency {
namespace {

using testing_support::K;

constexpr std::int64_t kI64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

// Checks that `keys` (given in the expected order) are strictly increasing
// pairwise, and that sorting a reversed copy restores exactly that order.
void ExpectSortedOrder(const std::vector<Key>& keys) {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = i + 1; j < keys.size(); ++j) {
      EXPECT_LT(keys[i], keys[j]) << "index " << i << " (" << keys[i].ToHex() << ") vs " << j
                                  << " (" << keys[j].ToHex() << ")";
    }
  }
  std::vector<Key> shuffled(keys.rbegin(), keys.rend());
  std::rotate(shuffled.begin(), shuffled.begin() + static_cast<std::ptrdiff_t>(shuffled.size() / 2),
              shuffled.end());
  std::sort(shuffled.begin(), shuffled.end());
  EXPECT_EQ(shuffled, keys);
}

// Case 1: "string components sort by length, then byte order"
TEST(PersistencyKeys, StringComponentsSortByLengthThenByteOrder) {
  std::vector<Key> keys;
  for (const char* text : {"ab", "b", "", "aa", "a"}) keys.push_back(MakeKey(text));
  std::sort(keys.begin(), keys.end());
  std::vector<Key> expected = {MakeKey(""), MakeKey("a"), MakeKey("b"), MakeKey("aa"),
                               MakeKey("ab")};
  EXPECT_EQ(keys, expected);
  ExpectSortedOrder(expected);
}

// Case 2: "same-length strings sort in byte order"
TEST(PersistencyKeys, SameLengthStringsSortInByteOrder) {
  ExpectSortedOrder({MakeKey("alpha"), MakeKey("bravo"), MakeKey("delta"), MakeKey("gamma")});
}

// Case 3: "int64 sign-flip preserves order across negative/zero/positive"
TEST(PersistencyKeys, Int64SignFlipPreservesOrderAcrossNegativeZeroPositive) {
  std::vector<Key> keys;
  for (std::int64_t value : {kI64Min, std::int64_t{-2}, std::int64_t{-1}, std::int64_t{0},
                             std::int64_t{1}, std::int64_t{2}, kI64Max}) {
    keys.push_back(MakeKey("c", value));
  }
  ExpectSortedOrder(keys);
}

// Case 4: "uint64 big-endian preserves order"
TEST(PersistencyKeys, Uint64BigEndianPreservesOrder) {
  std::vector<Key> keys;
  for (std::uint64_t value : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{256},
                              std::uint64_t{1'000'000}, kU64Max - 1, kU64Max}) {
    keys.push_back(MakeKey(value));
  }
  ExpectSortedOrder(keys);
}

// Case 5: "composite (string, string) tuple ordering"
TEST(PersistencyKeys, CompositeStringStringTupleOrdering) {
  // Grouped by the first part; inside a group, length first, then bytes.
  ExpectSortedOrder({
      MakeKey("a", ""), MakeKey("a", "a"), MakeKey("a", "z"), MakeKey("a", "ab"),
      MakeKey("b", ""), MakeKey("b", "a"), MakeKey("b", "z"), MakeKey("b", "ab"),
  });
}

// Case 6: "composite (string, int64) tuple ordering"
TEST(PersistencyKeys, CompositeStringInt64TupleOrdering) {
  // The first part dominates: ("a", high) < ("b", low).
  ExpectSortedOrder({
      MakeKey("a", kI64Min), MakeKey("a", std::int64_t{-5}), MakeKey("a", std::int64_t{0}),
      MakeKey("a", std::int64_t{7}), MakeKey("a", kI64Max),
      MakeKey("b", kI64Min), MakeKey("b", std::int64_t{-100}), MakeKey("b", std::int64_t{3}),
  });
}

// Case 7: "shorter composite key precedes longer one sharing its prefix"
TEST(PersistencyKeys, ShorterCompositeKeyPrecedesLongerOneSharingItsPrefix) {
  EXPECT_LT(MakeKey("a"), MakeKey("a", std::int64_t{0}));
  EXPECT_LT(MakeKey("a"), MakeKey("a", ""));
  EXPECT_LT(MakeKey("a", "x"), MakeKey("a", "x", "y"));
}

// Case 8: "Key equality is byte-wise"
TEST(PersistencyKeys, KeyEqualityIsByteWise) {
  EXPECT_EQ(MakeKey("a", std::int64_t{1}, "z"), MakeKey("a", std::int64_t{1}, "z"));
  EXPECT_NE(MakeKey("a", std::int64_t{1}, "z"), MakeKey("a", std::int64_t{2}, "z"));
  // Equal bytes are equal keys however they were built.
  EXPECT_EQ(MakeKey("a"), K({0x00, 0x01, 0x61}));
}

// Case 9: "prefixRange.start equals prefix"
TEST(PersistencyKeys, PrefixRangeStartEqualsPrefix) {
  for (const Key& prefix : {MakeKey("a"), MakeKey("ch", std::int64_t{7}), K({0x00, 0xff})}) {
    EXPECT_EQ(PrefixRange(prefix).start, prefix) << prefix.ToHex();
  }
}

// Case 10: "prefixRange.stop excludes the prefix and admits all extensions"
TEST(PersistencyKeys, PrefixRangeStopExcludesThePrefixAndAdmitsAllExtensions) {
  KeyRange range = PrefixRange(MakeKey("a"));
  EXPECT_EQ(range.start, K({0x00, 0x01, 0x61}));
  EXPECT_EQ(range.stop, K({0x00, 0x01, 0x62}));
  EXPECT_FALSE(range.open_ended());
  EXPECT_FALSE(range.Contains(range.stop));
  for (const Key& key : {MakeKey("a"), MakeKey("a", std::int64_t{0}), MakeKey("a", kI64Max),
                         MakeKey("a", "x"), MakeKey("a", kU64Max)}) {
    EXPECT_TRUE(range.Contains(key)) << key.ToHex();
    EXPECT_LE(range.start, key) << key.ToHex();
    EXPECT_LT(key, range.stop) << key.ToHex();
  }
}

// Case 11: "prefixRange.stop excludes siblings outside the prefix"
TEST(PersistencyKeys, PrefixRangeStopExcludesSiblingsOutsideThePrefix) {
  KeyRange range = PrefixRange(MakeKey("a"));
  EXPECT_GE(MakeKey("b"), range.stop);
  EXPECT_GE(MakeKey("ab"), range.stop);
  EXPECT_LT(MakeKey(""), range.start);
  for (const Key& key : {MakeKey("b"), MakeKey("ab"), MakeKey("")}) {
    EXPECT_FALSE(range.Contains(key)) << key.ToHex();
  }
}

// Case 12: "prefixRange handles all-0xFF prefix as open-ended"
TEST(PersistencyKeys, PrefixRangeHandlesAllFFPrefixAsOpenEnded) {
  Key prefix = Key::Raw({0xFF, 0xFF, 0xFF});
  KeyRange range = PrefixRange(prefix);
  EXPECT_EQ(range.start, prefix);
  EXPECT_TRUE(range.stop.empty());
  EXPECT_TRUE(range.open_ended());
  EXPECT_TRUE(range.Contains(K({0xff, 0xff, 0xff, 0x00})));
  EXPECT_TRUE(range.Contains(K({0xff, 0xff, 0xff, 0xff, 0xff})));
  EXPECT_FALSE(range.Contains(K({0xff, 0xff, 0xfe, 0xff})));
}

// Extra: the empty prefix is open-ended too, and trailing 0xFF bytes are
// dropped before the increment.
TEST(PersistencyKeys, PrefixRangeOfEmptyPrefixAndTrailingFFBytes) {
  KeyRange empty = PrefixRange(Key());
  EXPECT_TRUE(empty.start.empty());
  EXPECT_TRUE(empty.open_ended());
  EXPECT_TRUE(empty.Contains(Key()));
  EXPECT_TRUE(empty.Contains(K({0xff})));

  KeyRange trailing = PrefixRange(K({0x01, 0x02, 0xff, 0xff}));
  EXPECT_EQ(trailing.stop, K({0x01, 0x03}));
  EXPECT_TRUE(trailing.Contains(K({0x01, 0x02, 0xff, 0xff, 0x00})));
  EXPECT_FALSE(trailing.Contains(K({0x01, 0x03})));
}

// Extra: the worked bytes of spec §1.3, which fix the on-disk key format.
TEST(PersistencyKeys, WorkedBytesMatchTheOriginalFormat) {
  EXPECT_EQ(MakeKey("a"), K({0x00, 0x01, 0x61}));
  EXPECT_EQ(MakeKey(""), K({0x00, 0x00}));
  EXPECT_EQ(MakeKey("c", std::int64_t{1}),
            K({0x00, 0x01, 0x63, 0x80, 0, 0, 0, 0, 0, 0, 0x01}));
  EXPECT_EQ(MakeKey(std::int64_t{0}), K({0x80, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(MakeKey(std::int64_t{-1}), K({0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(MakeKey(kI64Min), K({0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(MakeKey(kI64Max), K({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(MakeKey(std::uint64_t{1}), K({0, 0, 0, 0, 0, 0, 0, 0x01}));
  EXPECT_EQ(MakeKey(true), K({0x01}));
  EXPECT_EQ(MakeKey(false), K({0x00}));
  EXPECT_EQ(MakeKey(std::uint8_t{0xab}), K({0xab}));
  EXPECT_EQ(MakeKey('z'), K({0x7a}));
  // Narrower signed and unsigned integers widen to 8 bytes.
  EXPECT_EQ(MakeKey(std::int8_t{-1}), MakeKey(std::int64_t{-1}));
  EXPECT_EQ(MakeKey(std::int16_t{300}), MakeKey(std::int64_t{300}));
  EXPECT_EQ(MakeKey(std::int32_t{-7}), MakeKey(std::int64_t{-7}));
  EXPECT_EQ(MakeKey(std::uint16_t{300}), MakeKey(std::uint64_t{300}));
  EXPECT_EQ(MakeKey(std::uint32_t{7}), MakeKey(std::uint64_t{7}));
  // Byte sequences are length-prefixed like strings.
  EXPECT_EQ(MakeKey(Bytes{0xaa, 0xbb}), K({0x00, 0x02, 0xaa, 0xbb}));
  EXPECT_EQ(MakeKey(Key()), Key());
}

// Extra: string and byte parts are limited to 65535 bytes.
TEST(PersistencyKeys, OverlongPartsAreRejected) {
  std::string longest(kMaxPartLength, 'x');
  ASSERT_OK(TryMakeKey(longest));
  EXPECT_EQ(MakeKey(longest).size(), kMaxPartLength + 2);
  std::string too_long(kMaxPartLength + 1, 'x');
  EXPECT_ERROR_KIND(TryMakeKey(too_long), ErrorKind::kInvalidArgument);
  EXPECT_ERROR_KIND(TryMakePayload("ok", Bytes(kMaxPartLength + 1)), ErrorKind::kInvalidArgument);
  EXPECT_THROW(MakeKey(too_long), std::length_error);
  EXPECT_THROW(MakePayload(too_long), std::length_error);
}

}  // namespace
}  // namespace persistency
