// Tests of the snapshot codec (src/sds/snapshot_codec.h). The ChannelMeta,
// ChannelData and HistoryUpdate cases are nim-sds tests/test_snapshot_codec.nim
// by name (sds-nim digest, section 7), mapped to our types: a "ChannelMeta"
// is a ChannelSnapshot without log, a "ChannelData" one with a log. The
// nim-shaped inputs are built by hand from the field numbers of nim-sds's
// sds/snapshot_codec.nim (digest, section 5.1).

#include "sds/snapshot_codec.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sds/bloom_filter.h"
#include "sds/bytes.h"
#include "sds/channel_records.h"
#include "sds/dialect.h"
#include "sds/error.h"
#include "sds/message.h"
#include "sds/nim_codec.h"
#include "sds/string_hash.h"
#include "wire_test_support.h"

namespace sds {
namespace {

using namespace wire_test;  // NOLINT(google-build-using-namespace)

// ---- helpers ------------------------------------------------------------------

BloomFilter FilterOf(std::initializer_list<std::string_view> ids) {
  auto filter = BloomFilter::Create(10, 0.01);
  EXPECT_TRUE(filter.has_value());
  for (std::string_view id : ids) filter->Insert(id, StringHash::kFarm);
  return std::move(*filter);
}

HistoryEntry Entry(std::string id, std::string hint = "", std::string sender = "") {
  return HistoryEntry{std::move(id), Str(hint), std::move(sender)};
}

// A stored message (no bloom filter), with a causal history of `deps`.
Message Msg(std::string id, std::uint64_t lamport, std::vector<std::string> deps = {}) {
  Message m;
  m.message_id = std::move(id);
  m.channel_id = "chan";
  m.sender_id = "alice";
  m.lamport_timestamp = lamport;
  for (std::string& dep : deps) m.causal_history.push_back(Entry(dep, "hint-" + dep, "bob"));
  m.content = Str("content of " + m.message_id);
  return m;
}

// The encoding of `value`; empty (and the test failed) when `encode` refuses it.
template <class T>
Bytes Encoded(const T& value, Result<Bytes> (*encode)(const T&)) {
  auto bytes = encode(value);
  EXPECT_TRUE(bytes.has_value()) << bytes.error().ToString();
  return bytes.value_or(Bytes{});
}

Bytes Nim(const Message& m) { return Encoded(m, EncodeNim); }

// One field as read back by wire::FieldReader, payload copied.
struct ReadField {
  std::uint32_t number = 0;
  std::uint8_t wire_type = 0;
  std::uint64_t varint = 0;
  Bytes payload;
};

std::vector<ReadField> Fields(ByteView bytes) {
  std::vector<ReadField> out;
  wire::FieldReader reader(bytes);
  wire::Field f;
  while (reader.Next(f)) {
    out.push_back(ReadField{f.number, f.wire_type, f.varint, Bytes(f.payload.begin(), f.payload.end())});
  }
  EXPECT_FALSE(reader.failed()) << reader.error();
  return out;
}

// "<number>:<V|L|other>" of the fields below 15 (nim's), in order.
std::string NimShape(const std::vector<ReadField>& fields) {
  std::string out;
  for (const ReadField& f : fields) {
    if (f.number >= 15) continue;
    if (!out.empty()) out += ' ';
    out += std::to_string(f.number);
    out += f.wire_type == wire::kVarint ? ":V" : f.wire_type == wire::kLengthDelimited ? ":L" : ":?";
  }
  return out;
}

// The numbers of our extras, in order.
std::vector<std::uint32_t> ExtraNumbers(const std::vector<ReadField>& fields) {
  std::vector<std::uint32_t> out;
  for (const ReadField& f : fields) {
    if (f.number >= 15) out.push_back(f.number);
  }
  return out;
}

// The extras always come after nim's fields.
void ExpectExtrasLast(const std::vector<ReadField>& fields) {
  bool extra_seen = false;
  for (const ReadField& f : fields) {
    if (f.number >= 15) extra_seen = true;
    EXPECT_FALSE(extra_seen && f.number < 15) << "nim field " << f.number << " after an extra";
  }
}

const ReadField* FieldNumbered(const std::vector<ReadField>& fields, std::uint32_t number) {
  for (const ReadField& f : fields) {
    if (f.number == number) return &f;
  }
  return nullptr;
}

// `value` encoded and decoded again; a default T (and the test failed) when
// either step refuses it.
template <class T>
T RoundTrip(const T& value, Result<Bytes> (*encode)(const T&), Result<T> (*decode)(ByteView)) {
  auto bytes = encode(value);
  EXPECT_TRUE(bytes.has_value()) << bytes.error().ToString();
  if (!bytes) return T{};
  auto decoded = decode(*bytes);
  EXPECT_TRUE(decoded.has_value()) << decoded.error().ToString();
  return decoded.value_or(T{});
}

ChannelSnapshot RoundTrip(const ChannelSnapshot& snapshot) {
  return RoundTrip(snapshot, EncodeChannelSnapshot, DecodeChannelSnapshot);
}

HistoryUpdate RoundTrip(const HistoryUpdate& update) {
  return RoundTrip(update, EncodeHistoryUpdate, DecodeHistoryUpdate);
}

template <class T>
void ExpectDecodeError(const Result<T>& result) {
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorKind::kDeserializationError) << result.error().ToString();
}

OutgoingEntry Outgoing(std::uint64_t seq, Message m, std::int64_t sent, std::uint32_t attempts,
                       std::uint32_t possible_acks = 0) {
  return OutgoingEntry{seq, std::move(m), sent, attempts, possible_acks};
}

// A snapshot with every list populated with several records, and extras.
ChannelSnapshot FullSnapshot() {
  ChannelSnapshot s;
  s.lamport = 1'700'000'000'321;
  s.log = {LoggedMessage{1, Msg("m1", 10)}, LoggedMessage{2, Msg("m2", 11, {"m1"})},
           LoggedMessage{4, Msg("m3", 12, {"m1", "m2"})}};
  Message with_repair = Msg("own-2", 14, {"m3"});
  with_repair.repair_request = {Entry("lost-1", "", "carol")};
  s.outgoing = {Outgoing(3, Msg("own-1", 13, {"m2"}), 1'700'000'000'000, 0, 1),
                Outgoing(5, with_repair, 1'700'000'060'000, 2, 0)};
  s.incoming = {IncomingEntry{Msg("in-1", 20, {"lost-1", "lost-2"}), {"lost-1", "lost-2"}, 1'700'000'001'000},
                IncomingEntry{Msg("in-2", 21, {"in-1", "lost-3"}), {"in-1", "lost-3"}, 1'700'000'002'000}};
  s.outgoing_repair = {OutgoingRepairEntry{Entry("lost-1", "hint-1", "carol"), 1'700'000'030'000},
                       OutgoingRepairEntry{Entry("lost-2", "", "dave"), 1'700'000'031'000},
                       OutgoingRepairEntry{Entry("lost-3"), 1'700'000'032'000}};
  s.incoming_repair = {IncomingRepairEntry{Entry("m1", "", "alice"), 1'700'000'005'000},
                       IncomingRepairEntry{Entry("m2", "h2", "alice"), 1'700'000'006'000},
                       IncomingRepairEntry{Entry("gone", "", "erin"), 1'700'000'007'000}};
  s.met = {"dep-x", "dep-y"};
  return s;
}

// ---- test_snapshot_codec.nim: ChannelMeta -------------------------------------

TEST(SnapshotCodecChannelMeta, EmptyMetaRoundTrips) {
  const ChannelSnapshot empty;
  EXPECT_EQ(RoundTrip(empty), empty);

  // nim's required fields are there even when zero: schemaVersion 1, lamport 0.
  auto bytes = EncodeChannelSnapshot(empty);
  ASSERT_TRUE(bytes.has_value());
  const auto data = Fields(*bytes);
  EXPECT_EQ(NimShape(data), "1:L");
  const auto meta = Fields(data[0].payload);
  EXPECT_EQ(NimShape(meta), "1:V 2:V");
  EXPECT_EQ(meta[0].varint, 1u);
  EXPECT_EQ(meta[1].varint, 0u);
}

TEST(SnapshotCodecChannelMeta, MetaWithLamportAndSingleOutgoingEntry) {
  ChannelSnapshot s;
  s.lamport = 42;
  s.outgoing = {Outgoing(1, Msg("msg1", 42), 1'700'000'000'123, 0)};
  EXPECT_EQ(RoundTrip(s), s);
}

TEST(SnapshotCodecChannelMeta, MetaWithIncomingEntryCarryingMissingDeps) {
  ChannelSnapshot s;
  s.lamport = 7;
  s.incoming = {IncomingEntry{Msg("msg3", 7, {"dep1", "dep2"}), {"dep1", "dep2"}, 0}};
  const ChannelSnapshot decoded = RoundTrip(s);
  EXPECT_EQ(decoded, s);
  ASSERT_EQ(decoded.incoming.size(), 1u);
  EXPECT_EQ(decoded.incoming[0].missing, (std::vector<MessageId>{"dep1", "dep2"}));
}

TEST(SnapshotCodecChannelMeta, MetaWithBothRepairBuffersPopulated) {
  ChannelSnapshot s;
  s.lamport = 3;
  s.outgoing_repair = {OutgoingRepairEntry{Entry("missing-1", "hint", "bob"), 1'700'000'030'000}};
  s.incoming_repair = {IncomingRepairEntry{Entry("held-1", "", "alice"), 1'700'000'010'000}};
  EXPECT_EQ(RoundTrip(s), s);
}

TEST(SnapshotCodecChannelMeta, FullyPopulatedMetaMultipleEntriesEachBuffer) {
  ChannelSnapshot s = FullSnapshot();
  s.log.clear();
  EXPECT_EQ(RoundTrip(s), s);
}

TEST(SnapshotCodecChannelMeta, DecoderRejectsUnknownSchemaVersion999) {
  auto with_version = [](std::optional<std::uint64_t> version) {
    Bytes meta;
    if (version) PutUint(meta, 1, *version);
    PutUint(meta, 2, 5);
    Bytes data;
    PutLen(data, 1, meta);
    return data;
  };
  ASSERT_TRUE(DecodeChannelSnapshot(with_version(1)).has_value());
  EXPECT_EQ(DecodeChannelSnapshot(with_version(1))->lamport, 5u);
  ExpectDecodeError(DecodeChannelSnapshot(with_version(999)));
  ExpectDecodeError(DecodeChannelSnapshot(with_version(0)));
  ExpectDecodeError(DecodeChannelSnapshot(with_version(std::nullopt)));
  // Not truncated to 1 (nim's field is a uint32).
  ExpectDecodeError(DecodeChannelSnapshot(with_version((std::uint64_t{1} << 32) + 1)));
}

// ---- test_snapshot_codec.nim: ChannelData --------------------------------------

TEST(SnapshotCodecChannelData, EmptyRoundTrips) {
  const ChannelSnapshot empty;
  const ChannelSnapshot decoded = RoundTrip(empty);
  EXPECT_EQ(decoded, empty);
  EXPECT_TRUE(decoded.empty());
  // A bare ChannelData {1: {1: 1, 2: 0}} as nim-sds writes it.
  Bytes meta;
  PutUint(meta, 1, 1);
  PutUint(meta, 2, 0);
  Bytes data;
  PutLen(data, 1, meta);
  EXPECT_EQ(*EncodeChannelSnapshot(empty), data);
}

TEST(SnapshotCodecChannelData, MetaPlusHistoryPreservesOrder) {
  ChannelSnapshot s = FullSnapshot();
  // Log order that sorts neither by id nor by lamport.
  s.log = {LoggedMessage{1, Msg("zeta", 30)}, LoggedMessage{2, Msg("alpha", 10)},
           LoggedMessage{3, Msg("mu", 20, {"alpha"})}, LoggedMessage{6, Msg("beta", 5)},
           LoggedMessage{7, Msg("m1", 31)}};
  const ChannelSnapshot decoded = RoundTrip(s);
  EXPECT_EQ(decoded, s);
  std::vector<MessageId> ids;
  for (const LoggedMessage& logged : decoded.log) ids.push_back(logged.message.message_id);
  EXPECT_EQ(ids, (std::vector<MessageId>{"zeta", "alpha", "mu", "beta", "m1"}));
}

// ---- test_snapshot_codec.nim: HistoryUpdate ------------------------------------

TEST(SnapshotCodecHistoryUpdate, EmptyUpdateReportsIsEmpty) {
  const HistoryUpdate empty;
  EXPECT_TRUE(empty.empty());
  auto bytes = EncodeHistoryUpdate(empty);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_TRUE(bytes->empty());  // like nim-sds: nothing to write
  const HistoryUpdate decoded = RoundTrip(empty);
  EXPECT_TRUE(decoded.empty());
  EXPECT_FALSE((HistoryUpdate{{Msg("a", 1)}, {}}).empty());
  EXPECT_FALSE((HistoryUpdate{{}, {"a"}}).empty());
}

TEST(SnapshotCodecHistoryUpdate, AppendOnly) {
  const HistoryUpdate update{{Msg("a", 1), Msg("c", 3, {"a"}), Msg("b", 2)}, {}};
  const HistoryUpdate decoded = RoundTrip(update);
  EXPECT_EQ(decoded, update);
  EXPECT_FALSE(decoded.empty());
}

TEST(SnapshotCodecHistoryUpdate, EvictOnly) {
  const HistoryUpdate update{{}, {"old-2", "old-1"}};
  EXPECT_EQ(RoundTrip(update), update);
}

TEST(SnapshotCodecHistoryUpdate, Mixed) {
  const HistoryUpdate update{{Msg("new-1", 9), Msg("new-2", 10, {"new-1"})}, {"old-1", "old-2", "old-3"}};
  EXPECT_EQ(RoundTrip(update), update);
  auto bytes = EncodeHistoryUpdate(update);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(NimShape(Fields(*bytes)), "1:L 1:L 2:L 2:L 2:L");
}

// ---- our extras ------------------------------------------------------------------

TEST(SnapshotCodecExtras, ExtrasRoundTrip) {
  ChannelSnapshot s = FullSnapshot();
  s.log[0].seq = 0;  // seq 0 is kept, not renumbered
  s.log[2].seq = 900;
  s.outgoing[0].possible_acks = 7;
  s.outgoing[1].seq = std::uint64_t{1} << 40;
  s.incoming[0].received_at_ms = -12;  // negative times survive (10-byte varints)
  s.outgoing_repair[0].t_req_ms = -1;
  s.met = {"met-3", "met-1", "met-2"};  // in order, not sorted
  EXPECT_EQ(RoundTrip(s), s);

  // Where the extras are.
  auto bytes = EncodeChannelSnapshot(s);
  ASSERT_TRUE(bytes.has_value());
  const auto data = Fields(*bytes);
  EXPECT_EQ(ExtraNumbers(data), (std::vector<std::uint32_t>{15}));
  const auto meta = Fields(data[0].payload);
  EXPECT_EQ(ExtraNumbers(meta), (std::vector<std::uint32_t>{15, 15, 15}));
  EXPECT_EQ(ExtraNumbers(Fields(meta[2].payload)), (std::vector<std::uint32_t>{15, 16}));
}

TEST(SnapshotCodecExtras, SnapshotWithoutSeqsIsNumberedAfterTheSeqsSeen) {
  // ChannelData whose log has no seqs (nim-sds) but whose outgoing buffer
  // has one entry with a seq and one without.
  Bytes unacked_with_seq;
  PutLen(unacked_with_seq, 1, Nim(Msg("own-1", 3)));
  PutUint(unacked_with_seq, 2, 100);
  PutUint(unacked_with_seq, 15, 40);
  Bytes unacked_without;
  PutLen(unacked_without, 1, Nim(Msg("own-2", 4)));
  PutUint(unacked_without, 2, 200);
  Bytes meta;
  PutUint(meta, 1, 1);
  PutUint(meta, 2, 4);
  PutLen(meta, 3, unacked_with_seq);
  PutLen(meta, 3, unacked_without);
  Bytes data;
  PutLen(data, 1, meta);
  PutLen(data, 2, Nim(Msg("m1", 1)));
  PutLen(data, 2, Nim(Msg("m2", 2)));
  auto decoded = DecodeChannelSnapshot(data);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  ASSERT_EQ(decoded->log.size(), 2u);
  EXPECT_EQ(decoded->log[0].seq, 41u);
  EXPECT_EQ(decoded->log[1].seq, 42u);
  ASSERT_EQ(decoded->outgoing.size(), 2u);
  EXPECT_EQ(decoded->outgoing[0].seq, 40u);
  EXPECT_EQ(decoded->outgoing[1].seq, 43u);
}

TEST(SnapshotCodecExtras, StoredMessagesLeaveTheirBloomFilterOut) {
  Message with_bloom = Msg("m1", 1);
  with_bloom.bloom_filter = FilterOf({"m0"});
  const Message without = Msg("m1", 1);

  ChannelSnapshot s;
  s.log = {LoggedMessage{1, with_bloom}};
  s.outgoing = {Outgoing(2, with_bloom, 5, 0)};
  auto bytes = EncodeChannelSnapshot(s);
  ASSERT_TRUE(bytes.has_value());
  const auto data = Fields(*bytes);
  ASSERT_EQ(NimShape(data), "1:L 2:L");
  EXPECT_EQ(data[1].payload, Nim(without));  // field 6 written empty

  auto decoded = DecodeChannelSnapshot(*bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->log[0].message, without);
  EXPECT_EQ(decoded->outgoing[0].message, without);

  auto record = EncodeLoggedMessage(LoggedMessage{1, with_bloom});
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(DecodeLoggedMessage(*record)->message, without);
  auto update = EncodeHistoryUpdate(HistoryUpdate{{with_bloom}, {}});
  ASSERT_TRUE(update.has_value());
  EXPECT_EQ(DecodeHistoryUpdate(*update)->append[0], without);
}

TEST(SnapshotCodecExtras, IncomingRepairCachedMessageIsTheLoggedMessage) {
  const ChannelSnapshot s = FullSnapshot();
  auto bytes = EncodeChannelSnapshot(s);
  ASSERT_TRUE(bytes.has_value());
  const auto meta = Fields(Fields(*bytes)[0].payload);
  std::vector<Bytes> cached;
  for (const ReadField& kv : meta) {
    if (kv.number != 6) continue;
    const auto entry = Fields(FieldNumbered(Fields(kv.payload), 2)->payload);
    const ReadField* message = FieldNumbered(entry, 2);
    ASSERT_NE(message, nullptr);
    cached.push_back(message->payload);
  }
  // m1 and m2 are in the log; "gone" is not: an empty (but present) field.
  ASSERT_EQ(cached.size(), 3u);
  EXPECT_EQ(cached[0], Nim(s.log[0].message));
  EXPECT_EQ(cached[1], Nim(s.log[1].message));
  EXPECT_TRUE(cached[2].empty());
}

TEST(SnapshotCodecExtras, IncomingMissingIdsComeBackSortedAndUnique) {
  Bytes incoming;
  PutLen(incoming, 1, Nim(Msg("in-1", 5, {"c", "a", "b"})));
  for (std::string_view id : {"c", "a", "b", "a"}) PutLen(incoming, 2, id);
  auto decoded = DecodeIncomingEntry(incoming);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(decoded->missing, (std::vector<MessageId>{"a", "b", "c"}));
  EXPECT_EQ(decoded->received_at_ms, 0);
}

// ---- per-record codecs -------------------------------------------------------------

TEST(SnapshotCodecRecords, LoggedMessageRoundTrips) {
  for (const LoggedMessage& record :
       {LoggedMessage{0, Msg("m0", 0)}, LoggedMessage{17, Msg("m1", 3, {"m0"})}}) {
    EXPECT_EQ(RoundTrip(record, EncodeLoggedMessage, DecodeLoggedMessage), record);
  }
}

TEST(SnapshotCodecRecords, OutgoingEntryRoundTrips) {
  const ChannelSnapshot full = FullSnapshot();
  for (const OutgoingEntry& record : full.outgoing) {
    EXPECT_EQ(NimShape(Fields(Encoded(record, EncodeOutgoingEntry))), "1:L 2:V 3:V");
    EXPECT_EQ(RoundTrip(record, EncodeOutgoingEntry, DecodeOutgoingEntry), record);
  }
}

TEST(SnapshotCodecRecords, IncomingEntryRoundTrips) {
  const ChannelSnapshot full = FullSnapshot();
  for (const IncomingEntry& record : full.incoming) {
    EXPECT_EQ(RoundTrip(record, EncodeIncomingEntry, DecodeIncomingEntry), record);
  }
}

TEST(SnapshotCodecRecords, OutgoingRepairEntryRoundTrips) {
  const ChannelSnapshot full = FullSnapshot();
  for (const OutgoingRepairEntry& record : full.outgoing_repair) {
    EXPECT_EQ(NimShape(Fields(Encoded(record, EncodeOutgoingRepairEntry))), "1:L 2:V");
    EXPECT_EQ(RoundTrip(record, EncodeOutgoingRepairEntry, DecodeOutgoingRepairEntry), record);
  }
}

TEST(SnapshotCodecRecords, IncomingRepairEntryRoundTrips) {
  const ChannelSnapshot full = FullSnapshot();
  for (const IncomingRepairEntry& record : full.incoming_repair) {
    const auto fields = Fields(Encoded(record, EncodeIncomingRepairEntry));
    ASSERT_EQ(NimShape(fields), "1:L 2:L 3:V");  // cached message: present, empty
    EXPECT_TRUE(fields[1].payload.empty());
    EXPECT_EQ(RoundTrip(record, EncodeIncomingRepairEntry, DecodeIncomingRepairEntry), record);
  }
}

TEST(SnapshotCodecRecords, RequiredFieldsAreRequired) {
  Bytes no_send_time;
  PutLen(no_send_time, 1, Nim(Msg("own", 1)));
  ExpectDecodeError(DecodeOutgoingEntry(no_send_time));
  Bytes no_message;
  PutUint(no_message, 2, 5);
  ExpectDecodeError(DecodeOutgoingEntry(no_message));
  ExpectDecodeError(DecodeIncomingEntry(Bytes{}));
  ExpectDecodeError(DecodeLoggedMessage(Bytes{}));

  Bytes entry;
  PutLen(entry, 1, "\x0a\x02id");
  Bytes no_t_req = entry;
  ExpectDecodeError(DecodeOutgoingRepairEntry(no_t_req));
  Bytes with_t = entry;
  PutUint(with_t, 2, 9);
  ASSERT_TRUE(DecodeOutgoingRepairEntry(with_t).has_value());
  EXPECT_EQ(DecodeOutgoingRepairEntry(with_t)->t_req_ms, 9);
  Bytes empty_id;
  PutLen(empty_id, 1, "\x0a\x00");
  PutUint(empty_id, 2, 9);
  ExpectDecodeError(DecodeOutgoingRepairEntry(empty_id));
  ExpectDecodeError(DecodeIncomingRepairEntry(entry));  // no t_resp

  // A message DecodeNim refuses (no channel id).
  Message bad = Msg("m", 1);
  bad.channel_id.clear();
  Bytes record;
  PutLen(record, 1, Nim(bad));
  ExpectDecodeError(DecodeLoggedMessage(record));
}

// ---- compatibility with nim-sds's codec ------------------------------------------

// A ChannelData as nim-sds's snapshot codec writes it: only nim's field
// numbers, messages with their bloom filter, an incoming repair entry with a
// cached message, missing deps in hash order, a time written as uint64 of a
// negative int64.
TEST(SnapshotCodecNimCompat, NimShapedChannelDataDecodes) {
  Message m1 = Msg("m1", 1);
  Message m2 = Msg("m2", 2, {"m1"});
  Message own = Msg("own-1", 3, {"m2"});
  Message in1 = Msg("in-1", 9, {"lost-b", "lost-a"});
  Message nim_m1 = m1;
  nim_m1.bloom_filter = FilterOf({"m0"});
  Message nim_own = own;
  nim_own.bloom_filter = FilterOf({"m1", "m2"});

  Bytes unacked;
  PutLen(unacked, 1, Nim(nim_own));
  PutUint(unacked, 2, 1'700'000'000'123);
  PutUint(unacked, 3, 2);

  Bytes incoming;
  PutLen(incoming, 1, Nim(in1));
  PutLen(incoming, 2, "lost-b");
  PutLen(incoming, 2, "lost-a");

  Bytes out_history_entry;
  PutLen(out_history_entry, 1, "lost-a");
  PutLen(out_history_entry, 2, "hint-a");
  PutLen(out_history_entry, 3, "bob");
  Bytes out_entry;
  PutLen(out_entry, 1, out_history_entry);
  PutUint(out_entry, 2, static_cast<std::uint64_t>(std::int64_t{-250}));
  Bytes out_kv;
  PutLen(out_kv, 1, "lost-a");
  PutLen(out_kv, 2, out_entry);

  Bytes in_history_entry;
  PutLen(in_history_entry, 1, "m1");
  PutLen(in_history_entry, 3, "alice");
  Bytes in_entry;
  PutLen(in_entry, 1, in_history_entry);
  PutLen(in_entry, 2, Nim(nim_m1));  // the cachedMessage
  PutUint(in_entry, 3, 1'700'000'004'000);
  Bytes in_kv;
  PutLen(in_kv, 1, "m1");
  PutLen(in_kv, 2, in_entry);

  Bytes meta;
  PutUint(meta, 1, 1);
  PutUint(meta, 2, 9);
  PutLen(meta, 3, unacked);
  PutLen(meta, 4, incoming);
  PutLen(meta, 5, out_kv);
  PutLen(meta, 6, in_kv);

  // m2 as nim-sds release/v0.4 writes it: empty fields (bloom) omitted.
  Bytes m2_v04;
  PutLen(m2_v04, 1, "m2");
  PutUint(m2_v04, 2, 2);
  Bytes m2_dep;
  PutLen(m2_dep, 1, "m1");
  PutLen(m2_dep, 2, "hint-m1");
  PutLen(m2_dep, 3, "bob");
  PutLen(m2_v04, 3, m2_dep);
  PutLen(m2_v04, 4, "chan");
  PutLen(m2_v04, 5, "content of m2");
  PutLen(m2_v04, 7, "alice");

  Bytes data;
  PutLen(data, 1, meta);
  PutLen(data, 2, Nim(nim_m1));
  PutLen(data, 2, m2_v04);

  auto decoded = DecodeChannelSnapshot(data);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  ChannelSnapshot expected;
  expected.lamport = 9;
  expected.log = {LoggedMessage{1, m1}, LoggedMessage{2, m2}};  // numbered on load
  expected.outgoing = {Outgoing(3, own, 1'700'000'000'123, 2, 0)};
  expected.incoming = {IncomingEntry{in1, {"lost-a", "lost-b"}, 0}};
  expected.outgoing_repair = {OutgoingRepairEntry{Entry("lost-a", "hint-a", "bob"), -250}};
  expected.incoming_repair = {IncomingRepairEntry{Entry("m1", "", "alice"), 1'700'000'004'000}};
  EXPECT_EQ(*decoded, expected);

  // And nim's ChannelMeta alone is a snapshot's meta: a ChannelData wrapping
  // it without history decodes to the same minus the log.
  Bytes meta_only;
  PutLen(meta_only, 1, meta);
  auto decoded_meta = DecodeChannelSnapshot(meta_only);
  ASSERT_TRUE(decoded_meta.has_value()) << decoded_meta.error().ToString();
  expected.log.clear();
  expected.outgoing[0].seq = 1;
  EXPECT_EQ(*decoded_meta, expected);
}

TEST(SnapshotCodecNimCompat, NimShapedHistoryUpdateDecodes) {
  Message a = Msg("a", 1);
  Message nim_a = a;
  nim_a.bloom_filter = FilterOf({"x"});
  Bytes update;
  PutLen(update, 1, Nim(nim_a));
  PutLen(update, 1, Nim(Msg("b", 2, {"a"})));
  PutLen(update, 2, "old-1");
  auto decoded = DecodeHistoryUpdate(update);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(*decoded, (HistoryUpdate{{a, Msg("b", 2, {"a"})}, {"old-1"}}));
}

// Our encoding, read back with wire::FieldReader: below 15 exactly nim's
// fields, in nim's order, with nim's wire types, including the ones nim
// requires when they are zero; our extras only at 15 and up, after them.
TEST(SnapshotCodecNimCompat, SharedSubsetUsesExactlyNimFieldNumbers) {
  ChannelSnapshot s = FullSnapshot();
  s.outgoing[0].send_time_ms = 0;  // still written
  s.outgoing[0].resend_attempts = 0;
  s.outgoing_repair[2].t_req_ms = 0;
  s.incoming_repair[2].t_resp_ms = 0;
  auto bytes = EncodeChannelSnapshot(s);
  ASSERT_TRUE(bytes.has_value()) << bytes.error().ToString();

  const auto data = Fields(*bytes);
  ExpectExtrasLast(data);
  EXPECT_EQ(NimShape(data), "1:L 2:L 2:L 2:L");
  EXPECT_EQ(ExtraNumbers(data), (std::vector<std::uint32_t>{15}));
  for (std::size_t i = 0; i < s.log.size(); ++i) EXPECT_EQ(data[1 + i].payload, Nim(s.log[i].message));

  const auto meta = Fields(data[0].payload);
  ExpectExtrasLast(meta);
  EXPECT_EQ(NimShape(meta), "1:V 2:V 3:L 3:L 4:L 4:L 5:L 5:L 5:L 6:L 6:L 6:L");
  EXPECT_EQ(meta[0].varint, 1u);
  EXPECT_EQ(meta[1].varint, s.lamport);

  std::size_t outgoing = 0, incoming = 0, out_repair = 0, in_repair = 0;
  for (const ReadField& f : meta) {
    switch (f.number) {
      case 3: {
        const auto unacked = Fields(f.payload);
        ExpectExtrasLast(unacked);
        EXPECT_EQ(NimShape(unacked), "1:L 2:V 3:V");
        EXPECT_EQ(ExtraNumbers(unacked), (std::vector<std::uint32_t>{15, 16}));
        const OutgoingEntry& e = s.outgoing[outgoing++];
        EXPECT_EQ(unacked[0].payload, Nim(e.message));
        EXPECT_EQ(static_cast<std::int64_t>(unacked[1].varint), e.send_time_ms);
        EXPECT_EQ(unacked[2].varint, e.resend_attempts);
        break;
      }
      case 4: {
        const auto in = Fields(f.payload);
        ExpectExtrasLast(in);
        const IncomingEntry& e = s.incoming[incoming++];
        std::string shape = "1:L";
        for (std::size_t i = 0; i < e.missing.size(); ++i) shape += " 2:L";
        EXPECT_EQ(NimShape(in), shape);
        EXPECT_EQ(ExtraNumbers(in), (std::vector<std::uint32_t>{15}));
        break;
      }
      case 5: {
        const auto kv = Fields(f.payload);
        EXPECT_EQ(NimShape(kv), "1:L 2:L");
        EXPECT_TRUE(ExtraNumbers(kv).empty());
        const OutgoingRepairEntry& e = s.outgoing_repair[out_repair++];
        EXPECT_EQ(kv[0].payload, Str(e.entry.message_id));
        const auto entry = Fields(kv[1].payload);
        EXPECT_EQ(NimShape(entry), "1:L 2:V");
        EXPECT_EQ(static_cast<std::int64_t>(entry[1].varint), e.t_req_ms);
        const auto history = Fields(entry[0].payload);
        std::string shape = "1:L";
        if (!e.entry.retrieval_hint.empty()) shape += " 2:L";
        if (!e.entry.sender_id.empty()) shape += " 3:L";
        EXPECT_EQ(NimShape(history), shape);
        EXPECT_TRUE(ExtraNumbers(history).empty());
        break;
      }
      case 6: {
        const auto kv = Fields(f.payload);
        EXPECT_EQ(NimShape(kv), "1:L 2:L");
        EXPECT_TRUE(ExtraNumbers(kv).empty());
        const IncomingRepairEntry& e = s.incoming_repair[in_repair++];
        EXPECT_EQ(kv[0].payload, Str(e.entry.message_id));
        const auto entry = Fields(kv[1].payload);
        EXPECT_EQ(NimShape(entry), "1:L 2:L 3:V");
        EXPECT_TRUE(ExtraNumbers(entry).empty());
        EXPECT_EQ(static_cast<std::int64_t>(entry[2].varint), e.t_resp_ms);
        break;
      }
      default:
        break;
    }
  }
  EXPECT_EQ(outgoing, s.outgoing.size());
  EXPECT_EQ(incoming, s.incoming.size());
  EXPECT_EQ(out_repair, s.outgoing_repair.size());
  EXPECT_EQ(in_repair, s.incoming_repair.size());
}

// ---- hostile input ------------------------------------------------------------------

TEST(SnapshotCodecHostile, TruncatedInputIsRefusedWithoutCrashing) {
  auto bytes = EncodeChannelSnapshot(FullSnapshot());
  ASSERT_TRUE(bytes.has_value());
  const std::size_t meta_end = [&] {
    wire::FieldReader reader(*bytes);
    wire::Field f;
    EXPECT_TRUE(reader.Next(f));
    return reader.offset();
  }();
  for (std::size_t n = 0; n < bytes->size(); ++n) {
    auto decoded = DecodeChannelSnapshot(ByteView(bytes->data(), n));
    // Before the end of the meta field, nothing is valid; after it, a cut
    // between two top-level fields is a shorter but valid snapshot.
    if (n < meta_end) ExpectDecodeError(decoded);
  }
  for (const auto& record : FullSnapshot().incoming) {
    auto encoded = EncodeIncomingEntry(record);
    ASSERT_TRUE(encoded.has_value());
    for (std::size_t n = 0; n < encoded->size(); ++n) {
      (void)DecodeIncomingEntry(ByteView(encoded->data(), n));
    }
  }
}

TEST(SnapshotCodecHostile, GarbageIsRefusedWithoutCrashing) {
  const std::vector<Bytes> garbage = {
      Bytes{0xff},
      Bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
      Bytes{0x00, 0x00},                  // field 0
      Bytes{0x0b, 0x0c},                  // a group
      Bytes{0x0a, 0x05, 0x08, 0x01},      // length past the end
      Bytes{0x0a, 0x02, 0x08, 0x02},      // meta with version 2
      Bytes{0x0f, 0x01, 0x02},            // wire type 7
      Str("this is not a protobuf message"),
  };
  for (const Bytes& g : garbage) {
    ExpectDecodeError(DecodeChannelSnapshot(g));
    ExpectDecodeError(DecodeLoggedMessage(g));
    ExpectDecodeError(DecodeOutgoingEntry(g));
    ExpectDecodeError(DecodeIncomingEntry(g));
    ExpectDecodeError(DecodeOutgoingRepairEntry(g));
    ExpectDecodeError(DecodeIncomingRepairEntry(g));
  }
  ExpectDecodeError(DecodeHistoryUpdate(Bytes{0xff}));
  ExpectDecodeError(DecodeHistoryUpdate(Bytes{0x0a, 0x01, 0x00}));

  // Random bytes, and single-byte corruptions of a valid encoding: any
  // outcome but a crash (checked under ASan/UBSan).
  std::mt19937 rng(20240611);
  for (int i = 0; i < 2000; ++i) {
    Bytes random(rng() % 64);
    for (auto& b : random) b = static_cast<std::uint8_t>(rng());
    (void)DecodeChannelSnapshot(random);
    (void)DecodeHistoryUpdate(random);
    (void)DecodeOutgoingEntry(random);
    (void)DecodeIncomingEntry(random);
    (void)DecodeIncomingRepairEntry(random);
  }
  auto bytes = EncodeChannelSnapshot(FullSnapshot());
  ASSERT_TRUE(bytes.has_value());
  for (std::size_t pos = 0; pos < bytes->size(); ++pos) {
    for (std::uint8_t value : {std::uint8_t{0x00}, std::uint8_t{0x7f}, std::uint8_t{0x80},
                               std::uint8_t{0xff}, static_cast<std::uint8_t>((*bytes)[pos] ^ 1)}) {
      Bytes corrupt = *bytes;
      corrupt[pos] = value;
      (void)DecodeChannelSnapshot(corrupt);
    }
  }
}

TEST(SnapshotCodecHostile, InconsistentSnapshotsAreRefused) {
  auto encode = [](const ChannelSnapshot& s) { return Encoded(s, EncodeChannelSnapshot); };
  ChannelSnapshot s = FullSnapshot();
  s.log.push_back(LoggedMessage{99, Msg("m1", 50)});  // id twice in the log
  ExpectDecodeError(DecodeChannelSnapshot(encode(s)));

  s = FullSnapshot();
  s.outgoing[1].seq = s.outgoing[0].seq;
  ExpectDecodeError(DecodeChannelSnapshot(encode(s)));

  s = FullSnapshot();
  s.incoming.push_back(s.incoming[0]);
  ExpectDecodeError(DecodeChannelSnapshot(encode(s)));

  s = FullSnapshot();
  s.outgoing_repair.push_back(s.outgoing_repair[0]);
  ExpectDecodeError(DecodeChannelSnapshot(encode(s)));

  s = FullSnapshot();
  s.met.push_back(s.met[0]);
  ExpectDecodeError(DecodeChannelSnapshot(encode(s)));

  // A log-seq list of the wrong length.
  Bytes meta;
  PutUint(meta, 1, 1);
  PutUint(meta, 2, 0);
  Bytes data;
  PutLen(data, 1, meta);
  PutLen(data, 2, Nim(Msg("m1", 1)));
  Bytes two_seqs = data;
  PutLen(two_seqs, 15, Bytes{0x01, 0x02});
  ExpectDecodeError(DecodeChannelSnapshot(two_seqs));
  Bytes one_seq = data;
  PutLen(one_seq, 15, Bytes{0x05});
  ASSERT_TRUE(DecodeChannelSnapshot(one_seq).has_value());
  EXPECT_EQ(DecodeChannelSnapshot(one_seq)->log[0].seq, 5u);

  // Missing meta / lamport.
  Bytes no_meta;
  PutLen(no_meta, 2, Nim(Msg("m1", 1)));
  ExpectDecodeError(DecodeChannelSnapshot(no_meta));
  Bytes version_only;
  PutUint(version_only, 1, 1);
  Bytes no_lamport;
  PutLen(no_lamport, 1, version_only);
  ExpectDecodeError(DecodeChannelSnapshot(no_lamport));

  // A repair row keyed by another id than its entry's.
  Bytes history_entry;
  PutLen(history_entry, 1, "lost-a");
  Bytes entry;
  PutLen(entry, 1, history_entry);
  PutUint(entry, 2, 5);
  Bytes kv;
  PutLen(kv, 1, "lost-b");
  PutLen(kv, 2, entry);
  Bytes bad_meta = meta;
  PutLen(bad_meta, 5, kv);
  Bytes bad;
  PutLen(bad, 1, bad_meta);
  ExpectDecodeError(DecodeChannelSnapshot(bad));
}

TEST(SnapshotCodecHostile, ItemAndSizeLimits) {
  // More met ids than kMaxSnapshotItems: refused before protobuf parses.
  Bytes meta;
  PutUint(meta, 1, 1);
  PutUint(meta, 2, 0);
  for (std::size_t i = 0; i <= kMaxSnapshotItems; ++i) PutLen(meta, 15, "x");
  Bytes data;
  PutLen(data, 1, meta);
  ExpectDecodeError(DecodeChannelSnapshot(data));

  // ... and the encoder refuses to write it.
  ChannelSnapshot s;
  s.met.assign(kMaxSnapshotItems + 1, "x");
  auto encoded = EncodeChannelSnapshot(s);
  ASSERT_FALSE(encoded.has_value());
  EXPECT_EQ(encoded.error().kind, ErrorKind::kSerializationError);

  // Too many missing ids in one incoming record.
  Bytes incoming;
  PutLen(incoming, 1, Nim(Msg("in", 1)));
  for (std::size_t i = 0; i <= kMaxSnapshotRecordItems; ++i) PutLen(incoming, 2, "d");
  ExpectDecodeError(DecodeIncomingEntry(incoming));

  // Too many packed log seqs.
  Bytes seqs(kMaxSnapshotItems + 1, 0x01);
  Bytes packed;
  PutLen(packed, 15, seqs);
  ExpectDecodeError(DecodeChannelSnapshot(packed));

  // A record larger than kMaxSnapshotRecordBytes is refused unparsed.
  Bytes huge;
  PutLen(huge, 1, Nim(Msg("m", 1)));
  PutLen(huge, 99, Bytes(kMaxSnapshotRecordBytes, 0));
  ExpectDecodeError(DecodeLoggedMessage(huge));

  // A message EncodeNim refuses makes the snapshot encoder fail.
  ChannelSnapshot too_big;
  Message m = Msg("m", 1);
  m.content.assign(kMaxNimMessageBytes + 1, 0);
  too_big.log = {LoggedMessage{1, m}};
  auto refused = EncodeChannelSnapshot(too_big);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, ErrorKind::kSerializationError);
}

}  // namespace
}  // namespace sds
