// Port of the original suite "Persistency generic encoding"
// (test_encoding.nim), cases 45-56. Nim's tuples, named tuples and objects
// map to std::tuple/std::pair and to structs with an ADL-visible
// `ToParts(const T&)`; Nim enums map to C++ enums (AppendPart's enum branch).
// The variadic `key(...)`/`payload(...)` are MakeKey/MakePayload, `toKey` and
// `toPayload` are their one-argument forms and `k.add(v)` is AppendPart.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "persistency/encoding.h"
#include "persistency/persistency.h"
#include "test_support.h"

// Test types live in their own namespace so ToParts is found by ADL only,
// exactly as it would be for a user's types.
namespace encoding_fixtures {

enum class Mood : std::uint8_t { kSad = 0, kNeutral = 1, kHappy = 2 };
enum Direction : int { kBackward = -3, kForward = 40 };

// The original's object `Header(sender, epoch)`.
struct Header {
  std::string sender;
  std::int64_t epoch = 0;
};
inline auto ToParts(const Header& header) { return std::make_tuple(header.sender, header.epoch); }

// The closest C++ analogue of the named tuple `(lane: string, seqNum: int)`:
// an aggregate whose ToParts ties its named fields in declaration order.
struct LaneSeq {
  std::string lane;
  std::int64_t seq_num = 0;
};
inline auto ToParts(const LaneSeq& value) { return std::tie(value.lane, value.seq_num); }

// The original's nested object `Msg(header, mood, body)`.
struct Msg {
  Header header;
  Mood mood = Mood::kSad;
  persistency::Bytes body;
};
inline auto ToParts(const Msg& msg) { return std::tie(msg.header, msg.mood, msg.body); }

}  // namespace encoding_fixtures

namespace persistency {
namespace {

using encoding_fixtures::Direction;
using encoding_fixtures::Header;
using encoding_fixtures::LaneSeq;
using encoding_fixtures::Mood;
using encoding_fixtures::Msg;
using testing_support::K;
using testing_support::ScratchDir;

// Case 45: "key macro accepts plain tuples"
TEST(PersistencyGenericEncoding, KeyMacroAcceptsPlainTuples) {
  EXPECT_EQ(MakeKey(std::make_tuple("ch", 1)), MakeKey("ch", 1));
  EXPECT_EQ(MakeKey(std::make_pair(std::string("ch"), std::int64_t{1})), MakeKey("ch", 1));
  EXPECT_EQ(MakeKey(std::make_tuple("ch", 1), "tail"), MakeKey("ch", 1, "tail"));
  // Nested tuples flatten too.
  EXPECT_EQ(MakeKey(std::make_tuple("a", std::make_tuple(2, "b"))), MakeKey("a", 2, "b"));
}

// Case 46: "key macro accepts named tuples"
TEST(PersistencyGenericEncoding, KeyMacroAcceptsNamedTuples) {
  EXPECT_EQ(MakeKey(LaneSeq{.lane = "a", .seq_num = 7}), MakeKey("a", std::int64_t{7}));
}

// Case 47: "key macro accepts a user object"
TEST(PersistencyGenericEncoding, KeyMacroAcceptsAUserObject) {
  EXPECT_EQ(MakeKey(Header{"alice", 5}), MakeKey("alice", std::int64_t{5}));
}

// Case 48: "key macro accepts nested object inside another arg"
TEST(PersistencyGenericEncoding, KeyMacroAcceptsNestedObjectInsideAnotherArg) {
  EXPECT_EQ(MakeKey("v1", Header{"alice", 5}), MakeKey("v1", "alice", std::int64_t{5}));
  EXPECT_EQ(MakeKey(std::make_tuple("v1", Header{"alice", 5})),
            MakeKey("v1", "alice", std::int64_t{5}));
}

// Case 49: "key macro encodes enums"
TEST(PersistencyGenericEncoding, KeyMacroEncodesEnums) {
  EXPECT_EQ(MakeKey(Mood::kHappy), MakeKey(std::int64_t{2}));
  EXPECT_EQ(MakeKey(Mood::kHappy), K({0x80, 0, 0, 0, 0, 0, 0, 0x02}));
  EXPECT_EQ(MakeKey(Mood::kSad), MakeKey(std::int64_t{0}));
  EXPECT_EQ(MakeKey(Direction::kBackward), MakeKey(std::int64_t{-3}));
  EXPECT_EQ(MakeKey(Direction::kForward), MakeKey(std::int64_t{40}));
  // Enum keys keep the order of their values.
  EXPECT_LT(MakeKey(Direction::kBackward), MakeKey(Mood::kSad));
  EXPECT_LT(MakeKey(Mood::kNeutral), MakeKey(Mood::kHappy));
}

// Case 50: "toKey is equivalent to single-arg key()"
TEST(PersistencyGenericEncoding, ToKeyIsEquivalentToSingleArgKey) {
  auto check = [](const auto& value) {
    Key appended;
    ASSERT_TRUE(AppendPart(appended.mutable_bytes(), value));
    Result<Key> tried = TryMakeKey(value);
    ASSERT_OK(tried);
    EXPECT_EQ(MakeKey(value), appended);
    EXPECT_EQ(*tried, appended);
  };
  check(std::string("s"));
  check(std::int64_t{-42});
  check(Header{"alice", 5});
}

// Case 51: "tuple-encoded keys preserve field-major sort order"
TEST(PersistencyGenericEncoding, TupleEncodedKeysPreserveFieldMajorSortOrder) {
  // Same-length strings, so std::string order equals encoded order.
  std::vector<std::tuple<std::string, std::int64_t>> tuples = {
      {"b", -1}, {"a", 2}, {"c", 0}, {"a", -7}, {"b", 10}, {"a", 0}, {"c", -1}};
  std::vector<Key> keys;
  for (const auto& tuple : tuples) keys.push_back(MakeKey(tuple));
  std::sort(tuples.begin(), tuples.end());
  std::sort(keys.begin(), keys.end());
  std::vector<Key> expected;
  for (const auto& tuple : tuples) expected.push_back(MakeKey(tuple));
  EXPECT_EQ(keys, expected);

  // The same through a named-field struct.
  EXPECT_LT(MakeKey(LaneSeq{"a", 100}), MakeKey(LaneSeq{"b", -100}));
  EXPECT_LT(MakeKey(LaneSeq{"a", -1}), MakeKey(LaneSeq{"a", 0}));
}

// Case 52: "embedded Key encodes verbatim"
TEST(PersistencyGenericEncoding, EmbeddedKeyEncodesVerbatim) {
  Key inner = MakeKey("a", std::int64_t{7});
  EXPECT_EQ(MakeKey("prefix", inner), MakeKey("prefix", "a", std::int64_t{7}));
  EXPECT_EQ(MakeKey(inner).size(), inner.size());
  EXPECT_EQ(MakeKey(K({0xff, 0x00}), "x"), K({0xff, 0x00, 0x00, 0x01, 0x78}));
}

// Case 53: "toPayload encodes primitives"
TEST(PersistencyGenericEncoding, ToPayloadEncodesPrimitives) {
  EXPECT_EQ(MakePayload("hi"), (Bytes{0x00, 0x02, 'h', 'i'}));
  EXPECT_EQ(MakePayload("hi").size(), 4u);
  EXPECT_EQ(MakePayload(std::int64_t{42}).size(), 8u);
  EXPECT_EQ(MakePayload(true), Bytes{1});
  EXPECT_EQ(MakePayload(false), Bytes{0});
}

// Case 54: "toPayload encodes objects field-by-field"
TEST(PersistencyGenericEncoding, ToPayloadEncodesObjectsFieldByField) {
  Msg msg{Header{"alice", 9}, Mood::kHappy, Bytes{0xaa, 0xbb, 0xcc}};
  EXPECT_EQ(MakePayload(msg), MakePayload("alice", std::int64_t{9},
                                          static_cast<std::int64_t>(Mood::kHappy),
                                          Bytes{0xaa, 0xbb, 0xcc}));
}

// Case 55: "payload macro concatenates parts"
TEST(PersistencyGenericEncoding, PayloadMacroConcatenatesParts) {
  Bytes manual;
  ASSERT_TRUE(AppendPart(manual, "s"));
  ASSERT_TRUE(AppendPart(manual, std::int64_t{5}));
  ASSERT_TRUE(AppendPart(manual, Bytes{1, 2}));
  EXPECT_EQ(MakePayload("s", std::int64_t{5}, Bytes{1, 2}), manual);
  ASSERT_OK_AND_ASSIGN(Bytes tried, TryMakePayload("s", std::int64_t{5}, Bytes{1, 2}));
  EXPECT_EQ(tried, manual);
}

// Case 56: "persistEncoded round-trips a struct through SQLite"
TEST(PersistencyGenericEncoding, PersistEncodedRoundTripsAStructThroughSqlite) {
  ScratchDir scratch;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(scratch.Sub("root")));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("encoded"));
  Msg msg{Header{"alice", 9}, Mood::kNeutral, Bytes{0x00, 0xff, 0x10}};
  Key key = MakeKey("msg", Header{"alice", 9});
  ASSERT_OK(job->Put("msgs", key, MakePayload(msg)));
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> stored, job->Get("msgs", key).get());
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(*stored, MakePayload(msg));
  p->Close();
}

}  // namespace
}  // namespace persistency
