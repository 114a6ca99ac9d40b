// Hostile and out-of-range input to the SDS engine's public C++ API: every
// row of docs/limits.md that concerns src/sds, each with the error kind it
// documents. Wire bytes are built by hand (wire_test_support.h), so a
// malformed or oversized message is exactly what a hostile peer could send.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine_test_support.h"
#include "sds/bloom_filter.h"
#include "sds/config.h"
#include "sds/dialect.h"
#include "sds/error.h"
#include "sds/nim_codec.h"
#include "sds/reliability_manager.h"
#include "sds/rolling_bloom_filter.h"
#include "sds/snapshot_codec.h"
#include "sds/spec_codec.h"
#include "wire_test_support.h"

namespace sds {
namespace {

using engine_test::CountKind;
using engine_test::Entry;
using engine_test::History;
using engine_test::IdsOfKind;
using engine_test::kTestChannel;
using engine_test::MustFind;
using engine_test::MustUnwrap;
using engine_test::MustWrap;
using engine_test::PeerMessage;
using engine_test::Serialize;
using engine_test::ToBytes;
using wire_test::PutLen;
using wire_test::PutUint;

const ChannelId kChannel(kTestChannel);

template <class T>
void ExpectKind(const Result<T>& result, ErrorKind kind) {
  ASSERT_FALSE(result.has_value()) << "succeeded; expected " << ErrorKindName(kind);
  EXPECT_EQ(result.error().kind, kind) << result.error().ToString();
}

// A nim-dialect message built field by field: id, lamport, channel and
// whatever `extra` appends (repeated fields, an oversized content...).
Bytes NimMessage(std::string_view id, const Bytes& extra) {
  Bytes out;
  PutLen(out, 1, id);
  PutUint(out, 2, 1000);
  PutLen(out, 4, kTestChannel);
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

// `count` causal-history entries (field 3) with ids "h0", "h1", ...
Bytes HistoryEntries(std::size_t count, std::uint32_t field = 3) {
  Bytes out;
  for (std::size_t i = 0; i < count; ++i) {
    Bytes entry;
    PutLen(entry, 1, engine_test::Numbered("h", static_cast<long long>(i)));
    PutLen(out, field, entry);
  }
  return out;
}

// A nim bloom envelope (field 6 of a message) with the given parameters and
// `words` zero words of data.
Bytes BloomEnvelope(std::uint64_t k, std::uint64_t m_bits, std::size_t words) {
  Bytes envelope;
  PutLen(envelope, 1, Bytes(8 * words, 0));
  PutUint(envelope, 2, 10000);
  PutUint(envelope, 3, 1000);
  PutUint(envelope, 4, k);
  PutUint(envelope, 5, m_bits);
  return envelope;
}

std::unique_ptr<ReliabilityManager> Manager(Config config = {}) {
  return std::make_unique<ReliabilityManager>("alice", config);
}

// ---- Wrap / WrapEphemeral / WrapSync --------------------------------------------------

TEST(Limits, WrapRefusesEmptyArgumentsAndOversizedContent) {
  auto rm = Manager();
  ExpectKind(rm->Wrap("", ToBytes("x"), "m", 0), ErrorKind::kInvalidArgument);
  ExpectKind(rm->Wrap(kChannel, ToBytes("x"), "", 0), ErrorKind::kInvalidArgument);
  ExpectKind(rm->Wrap(kChannel, Bytes{}, "m", 0), ErrorKind::kInvalidArgument);
  ExpectKind(rm->Wrap(kChannel, Bytes(kMaxContentSize + 1, 1), "m", 0), ErrorKind::kMessageTooLarge);
  ExpectKind(rm->WrapEphemeral(kChannel, Bytes(kMaxContentSize + 1, 1), "e"),
             ErrorKind::kMessageTooLarge);
  ExpectKind(rm->WrapEphemeral(kChannel, Bytes{}, "e"), ErrorKind::kInvalidArgument);
  EXPECT_TRUE(rm->Wrap(kChannel, Bytes(kMaxContentSize, 1), "m", 0).has_value());
}

TEST(Limits, WrapWithAnIdInUseIsDuplicateMessageId) {
  auto rm = Manager();
  MustWrap(*rm, "first", "m1", 1000);
  // Unacknowledged: in the outgoing buffer and the log.
  ExpectKind(rm->Wrap(kChannel, ToBytes("again"), "m1", 1001), ErrorKind::kDuplicateMessageId);
  // Acknowledged: only in the log.
  MustUnwrap(*rm, PeerMessage("p1", 2000, History({"m1"}), ToBytes("ack")), 1002);
  ASSERT_FALSE(MustFind(*rm).outgoing().contains("m1"));
  ExpectKind(rm->Wrap(kChannel, ToBytes("again"), "m1", 1003), ErrorKind::kDuplicateMessageId);
  // A delivered peer message's id.
  ExpectKind(rm->Wrap(kChannel, ToBytes("again"), "p1", 1004), ErrorKind::kDuplicateMessageId);
  EXPECT_EQ(MustFind(*rm).LogIds().size(), 2u);
}

TEST(Limits, WrapAtTheOutgoingCapIsInvalidArgumentWithABufferFullEvent) {
  Config config;
  config.max_outgoing_buffer = 2;
  auto rm = Manager(config);
  MustWrap(*rm, "1", "m1", 1000);
  MustWrap(*rm, "2", "m2", 1001);
  rm->TakeEvents();
  Result<Bytes> third = rm->Wrap(kChannel, ToBytes("3"), "m3", 1002);
  ExpectKind(third, ErrorKind::kInvalidArgument);
  EXPECT_NE(third.error().message.find("outgoing buffer full"), std::string::npos);
  EXPECT_EQ(IdsOfKind(rm->TakeEvents(), EventKind::kBufferFull), std::vector<MessageId>{"m3"});
  EXPECT_FALSE(MustFind(*rm).IsLogged("m3"));
}

TEST(Limits, EveryTimeArgumentIsBounded) {
  auto rm = Manager();
  MustWrap(*rm, "x", "m1", 1000);
  const std::int64_t bad_times[] = {-1, std::numeric_limits<std::int64_t>::min(), kMaxTimeMs + 1,
                                    std::numeric_limits<std::int64_t>::max()};
  const Bytes peer = Serialize(PeerMessage("p1", 5, {}, ToBytes("hi")));
  for (std::int64_t now : bad_times) {
    SCOPED_TRACE(now);
    ExpectKind(rm->Wrap(kChannel, ToBytes("y"), "m2", now), ErrorKind::kInvalidArgument);
    ExpectKind(rm->WrapSync(kChannel, now), ErrorKind::kInvalidArgument);
    ExpectKind(rm->Unwrap(peer, now), ErrorKind::kInvalidArgument);
    const std::vector<MessageId> ids{"x"};
    ExpectKind(rm->MarkDependenciesMet(kChannel, ids, now), ErrorKind::kInvalidArgument);
    ExpectKind(rm->Tick(now), ErrorKind::kInvalidArgument);
  }
  EXPECT_TRUE(rm->TakeEvents().empty());
  EXPECT_EQ(MustFind(*rm).LogIds(), std::vector<MessageId>{"m1"});
  EXPECT_TRUE(rm->Tick(kMaxTimeMs).has_value());
}

TEST(Limits, MarkDependenciesMetOnAnUnknownChannelIsInvalidArgument) {
  auto rm = Manager();
  const std::vector<MessageId> ids{"x"};
  ExpectKind(rm->MarkDependenciesMet("nowhere", ids, 0), ErrorKind::kInvalidArgument);
}

// ---- Unwrap: malformed and oversized wire bytes -----------------------------------------

TEST(Limits, MalformedBytesAreDeserializationErrors) {
  auto rm = Manager();
  const Bytes cases[] = {
      {},
      ToBytes("certainly not protobuf"),
      {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},  // 11-byte varint
      {0x0a, 0x05, 'a'},                                                      // length past the end
      {0x0b},                                                                  // a group
      NimMessage("", {}),                                                      // no message id
  };
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    SCOPED_TRACE(i);
    ExpectKind(rm->Unwrap(cases[i], 0), ErrorKind::kDeserializationError);
  }
  Bytes entry_without_id;
  PutLen(entry_without_id, 3, Bytes{});
  ExpectKind(rm->Unwrap(NimMessage("m", entry_without_id), 0), ErrorKind::kDeserializationError);
  EXPECT_EQ(rm->channel_count(), 0u);
}

TEST(Limits, InputOverTheWireLimitIsRefusedUnparsed) {
  auto rm = Manager();
  Bytes content;
  PutLen(content, 5, Bytes(kMaxNimMessageBytes, 'c'));
  Result<UnwrapResult> result = rm->Unwrap(NimMessage("m", content), 0);
  ExpectKind(result, ErrorKind::kDeserializationError);
  EXPECT_NE(result.error().message.find("exceeds the limit"), std::string::npos);
}

TEST(Limits, ReceivedContentOverOneMebibyteIsMessageTooLarge) {
  auto rm = Manager();
  for (Dialect dialect : {Dialect::kNim, Dialect::kSpec}) {
    Message message = PeerMessage("big", 5, {}, Bytes(kMaxContentSize + 1, 'c'));
    Result<Bytes> bytes = Encode(message, dialect);
    ASSERT_TRUE(bytes.has_value()) << bytes.error().ToString();
    ExpectKind(rm->Unwrap(*bytes, 0), ErrorKind::kMessageTooLarge);
  }
  EXPECT_EQ(rm->channel_count(), 0u);
  EXPECT_TRUE(rm->TakeEvents().empty());
  MustUnwrap(*rm, PeerMessage("at-limit", 5, {}, Bytes(kMaxContentSize, 'c')), 0);
}

TEST(Limits, AMillionCausalHistoryEntriesAreRefusedBeforeParsing) {
  auto rm = Manager();
  // Two-byte empty entries: 2,000,000 of them fit in 4 MiB.
  Bytes empty_entries;
  for (int i = 0; i < 2'000'000; ++i) PutLen(empty_entries, 3, Bytes{});
  ASSERT_LE(empty_entries.size(), kMaxNimMessageBytes - 64);
  Result<UnwrapResult> result = rm->Unwrap(NimMessage("m", empty_entries), 0);
  ExpectKind(result, ErrorKind::kDeserializationError);
  EXPECT_NE(result.error().message.find("too many causal history entries"), std::string::npos);
}

TEST(Limits, HistoryAndRepairListsAreCappedAtTenThousandEntries) {
  auto rm = Manager();
  EXPECT_TRUE(rm->Unwrap(NimMessage("ok", HistoryEntries(kMaxNimHistoryEntries)), 0).has_value());
  ExpectKind(rm->Unwrap(NimMessage("m1", HistoryEntries(kMaxNimHistoryEntries + 1)), 0),
             ErrorKind::kDeserializationError);
  ExpectKind(rm->Unwrap(NimMessage("m2", HistoryEntries(kMaxNimHistoryEntries + 1, 13)), 0),
             ErrorKind::kDeserializationError);
  // The spec dialect: field 11 is its causal history.
  Bytes spec;
  PutLen(spec, 2, "s1");
  PutLen(spec, 3, kTestChannel);
  PutUint(spec, 10, 5);
  Bytes entries = HistoryEntries(kMaxSpecHistoryEntries + 1, 11);
  spec.insert(spec.end(), entries.begin(), entries.end());
  ExpectKind(rm->Unwrap(spec, 0), ErrorKind::kDeserializationError);
}

TEST(Limits, EncodingMoreThanTheWireAllowsIsASerializationError) {
  Message message = PeerMessage("m", 5, {}, ToBytes("x"));
  for (std::size_t i = 0; i <= kMaxNimHistoryEntries; ++i) {
    message.causal_history.push_back(Entry(engine_test::Numbered("h", static_cast<long long>(i))));
  }
  ExpectKind(Encode(message, Dialect::kNim), ErrorKind::kSerializationError);
  ExpectKind(Encode(message, Dialect::kSpec), ErrorKind::kSerializationError);
  Message huge = PeerMessage("m", 5, {}, ToBytes("x"));
  huge.sender_id.assign(kMaxNimMessageBytes, 's');
  ExpectKind(Encode(huge, Dialect::kNim), ErrorKind::kSerializationError);
}

// ---- Bloom filters: absurd parameters ---------------------------------------------------

TEST(Limits, ABloomEnvelopeClaimingGigabytesIsRefusedAndTheMessageStands) {
  // 2^35 bits is 4 GiB of filter; the envelope carries 2 words.
  const Bytes envelope = BloomEnvelope(10, std::uint64_t{1} << 35, 2);
  ExpectKind(DecodeBloomEnvelope(envelope), ErrorKind::kDeserializationError);
  ExpectKind(DecodeBloomEnvelope(BloomEnvelope(std::uint64_t{1} << 40, 128, 3)),
             ErrorKind::kDeserializationError);
  ExpectKind(DecodeBloomEnvelope(BloomEnvelope(0, 128, 3)), ErrorKind::kDeserializationError);
  ExpectKind(DecodeBloomEnvelope(BloomEnvelope(10, 0, 3)), ErrorKind::kDeserializationError);
  ExpectKind(DecodeBloomEnvelope(BloomEnvelope(10, 1'000'000, 3)),
             ErrorKind::kDeserializationError);  // too few words for m_bits

  // Inside a message the filter is dropped (as nim-sds ignores one it
  // cannot read) and the message is delivered.
  Bytes field;
  PutLen(field, 6, envelope);
  Bytes content;
  PutLen(content, 5, "hello");
  Bytes extra = field;
  extra.insert(extra.end(), content.begin(), content.end());
  Result<DecodedMessage> decoded = DecodeAny(NimMessage("m", extra));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_FALSE(decoded->message.bloom_filter.has_value());
  auto rm = Manager();
  EXPECT_EQ(MustUnwrap(*rm, NimMessage("m", extra), 0).missing.size(), 0u);
  EXPECT_EQ(CountKind(rm->TakeEvents(), EventKind::kDelivered), 1u);
}

TEST(Limits, ASpecBloomOfTheWrongSizeIsRefused) {
  ExpectKind(DecodeSpecBloom(Bytes(kSpecBloomBytes - 1, 0)), ErrorKind::kDeserializationError);
  EXPECT_TRUE(DecodeSpecBloom(Bytes(kSpecBloomBytes, 0)).has_value());
}

TEST(Limits, AbsurdLocalBloomParametersAreRefusedBeforeAllocating) {
  ExpectKind(BloomFilter::Create(std::uint64_t{1} << 40, 0.001), ErrorKind::kInvalidArgument);
  ExpectKind(BloomFilter::Create(10000, std::nan("")), ErrorKind::kInvalidArgument);
  ExpectKind(BloomFilter::Create(10000, 0.0), ErrorKind::kInvalidArgument);
  ExpectKind(BloomFilter::Create(0, 0.001), ErrorKind::kInvalidArgument);
  ExpectKind(RollingBloomFilter::Create(std::int64_t{1} << 40, 0.001, StringHash::kFarm),
             ErrorKind::kInvalidArgument);

  // A config with such a capacity validates (sizing depends on the error
  // rate too) but no channel gets created: the filter is sized first.
  Config config;
  config.bloom_filter_capacity = std::int64_t{1} << 40;
  ASSERT_TRUE(ValidateConfig(config).has_value());
  auto rm = Manager(config);
  ExpectKind(rm->EnsureChannel(kChannel), ErrorKind::kInvalidArgument);
  ExpectKind(rm->Wrap(kChannel, ToBytes("x"), "m", 0), ErrorKind::kInvalidArgument);
  ExpectKind(rm->Unwrap(Serialize(PeerMessage("p", 1, {}, ToBytes("x"))), 0),
             ErrorKind::kInvalidArgument);
  EXPECT_EQ(rm->channel_count(), 0u);
}

// ---- Config ----------------------------------------------------------------------------

TEST(Limits, OutOfRangeConfigValuesAreInvalidArgument) {
  using Edit = void (*)(Config&);
  const std::pair<const char*, Edit> cases[] = {
      {"capacity 0", [](Config& c) { c.bloom_filter_capacity = 0; }},
      {"capacity < 0", [](Config& c) { c.bloom_filter_capacity = -5; }},
      {"error rate NaN", [](Config& c) { c.bloom_filter_error_rate = std::nan(""); }},
      {"error rate 0", [](Config& c) { c.bloom_filter_error_rate = 0; }},
      {"error rate 1", [](Config& c) { c.bloom_filter_error_rate = 1; }},
      {"error rate < 0", [](Config& c) { c.bloom_filter_error_rate = -0.1; }},
      {"history 0", [](Config& c) { c.max_message_history = 0; }},
      {"causal history", [](Config& c) { c.max_causal_history = kMaxHistoryEntries + 1; }},
      {"repair requests", [](Config& c) { c.max_repair_requests = kMaxHistoryEntries + 1; }},
      {"resend 0", [](Config& c) { c.resend_interval_ms = 0; }},
      {"resend huge", [](Config& c) { c.resend_interval_ms = kMaxTimeMs + 1; }},
      {"attempts < 0", [](Config& c) { c.max_resend_attempts = -1; }},
      {"t_max huge", [](Config& c) { c.repair_t_max_ms = std::numeric_limits<std::int64_t>::max(); }},
      {"t_max < t_min", [](Config& c) { c.repair_t_max_ms = c.repair_t_min_ms - 1; }},
      {"timeout < 0", [](Config& c) { c.incoming_buffer_timeout_ms = -1; }},
      {"acks 0", [](Config& c) { c.possible_acks_threshold = 0; }},
      {"incoming cap 0", [](Config& c) { c.max_incoming_buffer = 0; }},
      {"outgoing cap 0", [](Config& c) { c.max_outgoing_buffer = 0; }},
      {"repair cap 0", [](Config& c) { c.max_repair_buffer = 0; }},
      {"spec capacity", [](Config& c) { c.dialect = Dialect::kSpec; c.bloom_filter_capacity = 5000; }},
  };
  for (const auto& [name, edit] : cases) {
    SCOPED_TRACE(name);
    Config config;
    edit(config);
    ExpectKind(ValidateConfig(config), ErrorKind::kInvalidArgument);
  }
  Config at_limits;
  at_limits.max_causal_history = kMaxHistoryEntries;
  at_limits.max_repair_requests = kMaxHistoryEntries;
  at_limits.repair_t_max_ms = kMaxTimeMs;
  EXPECT_TRUE(ValidateConfig(at_limits).has_value());
}

// ---- Per-channel caps -----------------------------------------------------------------

TEST(Limits, AFullIncomingBufferDropsTheMessageWithABufferFullEvent) {
  Config config;
  config.max_incoming_buffer = 2;
  auto rm = Manager(config);
  for (const char* id : {"w1", "w2", "w3"}) {
    MustUnwrap(*rm, PeerMessage(id, 10, History({"absent"}), ToBytes(id)), 1000);
  }
  EXPECT_EQ(MustFind(*rm).incoming().size(), 2u);
  EXPECT_FALSE(MustFind(*rm).IsBuffered("w3"));
  EXPECT_EQ(IdsOfKind(rm->TakeEvents(), EventKind::kBufferFull), std::vector<MessageId>{"w3"});
}

TEST(Limits, AFullOutgoingRepairBufferIsReported) {
  Config config;
  config.max_repair_buffer = 2;
  auto rm = Manager(config);
  MustUnwrap(*rm, PeerMessage("w", 10, History({"a", "b", "c"}), ToBytes("w")), 1000);
  EXPECT_EQ(MustFind(*rm).outgoing_repair().size(), 2u);
  EXPECT_EQ(IdsOfKind(rm->TakeEvents(), EventKind::kBufferFull), std::vector<MessageId>{"c"});
}

TEST(Limits, AFullIncomingRepairBufferIsReported) {
  Config config;
  config.max_repair_buffer = 1;
  auto rm = Manager(config);
  MustWrap(*rm, "1", "m1", 1000);
  MustWrap(*rm, "2", "m2", 1001);
  rm->TakeEvents();
  Message request = PeerMessage("r", 10, {}, ToBytes("asks"));
  request.repair_request = {Entry("m1", "alice"), Entry("m2", "alice")};
  MustUnwrap(*rm, request, 1002);
  EXPECT_EQ(MustFind(*rm).incoming_repair().size(), 1u);
  EXPECT_EQ(IdsOfKind(rm->TakeEvents(), EventKind::kBufferFull), std::vector<MessageId>{"m2"});
}

TEST(Limits, TheLogIsAWindowOfMaxMessageHistory) {
  Config config;
  config.max_message_history = 3;
  auto rm = Manager(config);
  for (int i = 0; i < 5; ++i) {
    MustWrap(*rm, "x", engine_test::Numbered("m", i), 1000 + i);
  }
  EXPECT_EQ(MustFind(*rm).LogIds(), (std::vector<MessageId>{"m2", "m3", "m4"}));
}

// ---- Stored records ----------------------------------------------------------------------

TEST(Limits, MalformedStoredRecordsAreDeserializationErrors) {
  ExpectKind(DecodeLoggedMessage(ToBytes("garbage bytes")), ErrorKind::kDeserializationError);
  ExpectKind(DecodeOutgoingEntry(Bytes{0xff}), ErrorKind::kDeserializationError);
  ExpectKind(DecodeChannelSnapshot(Bytes{0x0a, 0x7f}), ErrorKind::kDeserializationError);
}

}  // namespace
}  // namespace sds
