// Tests of the nim wire dialect (src/sds/nim_codec.h) and of dialect
// detection (src/sds/dialect.h). Golden vectors: reference digest sds-nim.md
// section 1.5; test names from nim-sds tests/test_reliability.nim
// ("SDS-R: Protobuf Roundtrip").

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "sds/bloom_filter.h"
#include "sds/bytes.h"
#include "sds/dialect.h"
#include "sds/error.h"
#include "sds/message.h"
#include "sds/nim_codec.h"
#include "sds/string_hash.h"
#include "sds_nim.pb.h"
#include "wire_test_support.h"

namespace sds {
namespace {

using namespace wire_test;  // NOLINT(google-build-using-namespace)

// ---- helpers ------------------------------------------------------------------

Bytes Envelope(ByteView data, std::uint64_t capacity, std::uint64_t error_rate, std::uint64_t k,
               std::uint64_t m_bits) {
  Bytes out;
  PutLen(out, 1, data);
  PutUint(out, 2, capacity);
  PutUint(out, 3, error_rate);
  PutUint(out, 4, k);
  PutUint(out, 5, m_bits);
  return out;
}

void ExpectDecodeError(ByteView bytes) {
  auto decoded = DecodeNim(bytes);
  ASSERT_FALSE(decoded.has_value()) << "decoded " << ToHex(bytes);
  EXPECT_EQ(decoded.error().kind, ErrorKind::kDeserializationError) << decoded.error().ToString();
}

BloomFilter SmallFilter(StringHash hash) {
  auto filter = BloomFilter::Create(10, 0.01);
  EXPECT_TRUE(filter.has_value());
  for (std::string_view id : {"msg1", "msg2", "hello"}) filter->Insert(id, hash);
  return std::move(*filter);
}

// §1.5 vector 1: id "msg1", lamport 1, channel "testChannel", content 01 02 03.
Message Vector1() {
  Message m;
  m.message_id = "msg1";
  m.lamport_timestamp = 1;
  m.channel_id = "testChannel";
  m.content = {1, 2, 3};
  return m;
}
constexpr std::string_view kVector1Master = "0a046d7367311001220b746573744368616e6e656c2a030102033200";
constexpr std::string_view kVector1V04 = "0a046d7367311001220b746573744368616e6e656c2a03010203";

// §1.5 vector 2: id "sync-1", lamport 5, channel "ch", empty content.
Message Vector2() {
  Message m;
  m.message_id = "sync-1";
  m.lamport_timestamp = 5;
  m.channel_id = "ch";
  return m;
}
constexpr std::string_view kVector2Master = "0a0673796e632d311005220263682a003200";
constexpr std::string_view kVector2V04 = "0a0673796e632d31100522026368";

// §1.5 vector 4.
constexpr std::string_view kFarmWords = "01015d9a1402c1400001000400000000";
constexpr std::string_view kFarmBlob = "0a1001015d9a1402c1400001000400000000100a18904e20072864";
constexpr std::string_view kMurmurWords = "0821a412068289402012008008000000";
constexpr std::string_view kMurmurBlob = "0a100821a412068289402012008008000000100a18904e20072864";

// A message with every field set.
Message FullMessage() {
  Message m;
  m.message_id = "msg-full";
  m.channel_id = "chan";
  m.sender_id = "alice";
  m.lamport_timestamp = 1718000000;
  m.causal_history = {{"dep1", Str("hint1"), "bob"}, {"dep2", {}, ""}, {"dep3", {}, "carol"}};
  m.bloom_filter = SmallFilter(StringHash::kFarm);
  m.repair_request = {{"lost1", Str("h"), "dave"}};
  m.content = Str("payload");
  return m;
}

// ---- golden vectors -------------------------------------------------------------

// Vectors 1 and 2: one message each, in the forms nim-sds master and
// release/v0.4 write.
struct MessageVector {
  std::string_view name;
  Message (*message)();
  std::string_view master_hex;
  std::string_view v04_hex;
  friend void PrintTo(const MessageVector& v, std::ostream* out) { *out << v.name; }
};

class NimCodecMessageVector : public testing::TestWithParam<MessageVector> {};

TEST_P(NimCodecMessageVector, EncodesToMasterForm) {
  auto bytes = EncodeNim(GetParam().message());
  ASSERT_TRUE(bytes.has_value()) << bytes.error().ToString();
  EXPECT_EQ(ToHex(*bytes), GetParam().master_hex);
}

TEST_P(NimCodecMessageVector, DecodesFromMasterAndV04Forms) {
  // ExpectSameMessage also checks vector 1's absent filter, vector 2's empty content.
  for (std::string_view hex : {GetParam().master_hex, GetParam().v04_hex}) {
    auto decoded = DecodeNim(FromHex(hex));
    ASSERT_TRUE(decoded.has_value()) << hex << ": " << decoded.error().ToString();
    ExpectSameMessage(*decoded, GetParam().message());
  }
}

constexpr MessageVector kMessageVectors[] = {
    {"Vector1", Vector1, kVector1Master, kVector1V04},
    {"Vector2", Vector2, kVector2Master, kVector2V04},
};
INSTANTIATE_TEST_SUITE_P(Golden, NimCodecMessageVector, testing::ValuesIn(kMessageVectors),
                         [](const auto& vector) { return std::string(vector.param.name); });

// Vector 4: the small filter's words and its envelope, per string hash.
struct BloomVector {
  std::string_view name;
  StringHash hash;
  std::string_view words_hex;
  std::string_view blob_hex;
  friend void PrintTo(const BloomVector& v, std::ostream* out) { *out << v.name; }
};

class NimCodecBloomVector : public testing::TestWithParam<BloomVector> {};

TEST_P(NimCodecBloomVector, SmallFilterBlob) {
  BloomFilter filter = SmallFilter(GetParam().hash);
  EXPECT_EQ(filter.k(), 7u);
  EXPECT_EQ(filter.m_bits(), 100u);
  EXPECT_EQ(ToHex(filter.WordsLittleEndian()), GetParam().words_hex);
  auto blob = EncodeBloomEnvelope(filter);
  ASSERT_TRUE(blob.has_value()) << blob.error().ToString();
  EXPECT_EQ(ToHex(*blob), GetParam().blob_hex);

  auto decoded = DecodeBloomEnvelope(FromHex(GetParam().blob_hex));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  ExpectSameFilter(*decoded, filter);
  EXPECT_DOUBLE_EQ(decoded->error_rate(), 0.01);
}

constexpr BloomVector kBloomVectors[] = {
    {"Farm", StringHash::kFarm, kFarmWords, kFarmBlob},
    {"Murmur", StringHash::kMurmur, kMurmurWords, kMurmurBlob},
};
INSTANTIATE_TEST_SUITE_P(Golden, NimCodecBloomVector, testing::ValuesIn(kBloomVectors),
                         [](const auto& vector) { return std::string(vector.param.name); });

TEST(NimCodecGolden, MessageCarryingSmallBloomIsExact) {
  Message m = Vector1();
  m.bloom_filter = SmallFilter(StringHash::kFarm);
  auto bytes = EncodeNim(m);
  ASSERT_TRUE(bytes.has_value()) << bytes.error().ToString();
  // Vector 1 with field 6 = 27-byte envelope instead of an empty field.
  const std::string expected =
      std::string(kVector1Master.substr(0, kVector1Master.size() - 4)) + "321b" + std::string(kFarmBlob);
  EXPECT_EQ(ToHex(*bytes), expected);

  auto decoded = DecodeNim(*bytes);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  ExpectSameMessage(*decoded, m);
}

void CheckEmptyFilterBlob(std::uint64_t capacity, std::size_t blob_size, std::string_view prefix,
                          std::string_view suffix) {
  auto filter = BloomFilter::Create(capacity, 0.001);
  ASSERT_TRUE(filter.has_value()) << filter.error().ToString();
  auto blob = EncodeBloomEnvelope(*filter);
  ASSERT_TRUE(blob.has_value()) << blob.error().ToString();
  ASSERT_EQ(blob->size(), blob_size);
  const Bytes head = FromHex(prefix);
  const Bytes tail = FromHex(suffix);
  EXPECT_EQ(ToHex(ByteView(*blob).first(head.size())), prefix);
  EXPECT_EQ(ToHex(ByteView(*blob).last(tail.size())), suffix);
  const ByteView data = ByteView(*blob).subspan(head.size(), blob_size - head.size() - tail.size());
  EXPECT_EQ(data.size() % 8, 0u);
  for (std::uint8_t b : data) ASSERT_EQ(b, 0);

  auto decoded = DecodeBloomEnvelope(*blob);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  ExpectSameFilter(*decoded, *filter);
}

TEST(NimCodecGolden, DefaultEmptyFilterBlob) {
  // 10000 / 0.001 => k 10, mBits 150000, 2344 words.
  CheckEmptyFilterBlob(10000, 18768, "0ac09201", "10904e18e807200a28f09309");
}

TEST(NimCodecGolden, RolledOverEmptyFilterBlob) {
  // After the first roll-over: 12000 / 0.001 => mBits 180000, 2813 words.
  CheckEmptyFilterBlob(12000, 22520, "0ae8af01", "10e05d18e807200a28a0fe0a");
}

TEST(NimCodecGolden, MessageWithDefaultFilterRoundTrips) {
  Message m = Vector1();
  auto filter = BloomFilter::Create(10000, 0.001);
  ASSERT_TRUE(filter.has_value());
  filter->Insert("msg0", StringHash::kFarm);
  m.bloom_filter = std::move(*filter);
  auto bytes = EncodeNim(m);
  ASSERT_TRUE(bytes.has_value()) << bytes.error().ToString();
  // 1 tag + 3 length bytes + 18768 envelope bytes in field 6.
  EXPECT_EQ(bytes->size(), FromHex(kVector1Master).size() - 2 + 1 + 3 + 18768);
  auto decoded = DecodeNim(*bytes);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  ExpectSameMessage(*decoded, m);
}

// ---- SDS-R: Protobuf Roundtrip (nim-sds test_reliability.nim) ------------------

TEST(NimCodecSdsR, SenderIdInHistoryEntryRoundtrips) {
  Message m = Vector1();
  m.causal_history = {{"dep1", Str("hint-1"), "bob"}};
  auto bytes = EncodeNim(m);
  ASSERT_TRUE(bytes.has_value());
  auto decoded = DecodeNim(*bytes);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  ASSERT_EQ(decoded->causal_history.size(), 1u);
  EXPECT_EQ(decoded->causal_history.EntryAt(0).message_id, "dep1");
  EXPECT_EQ(decoded->causal_history.EntryAt(0).retrieval_hint, Str("hint-1"));
  EXPECT_EQ(decoded->causal_history.EntryAt(0).sender_id, "bob");
}

TEST(NimCodecSdsR, RepairRequestRoundtrips) {
  Message m = Vector1();
  m.repair_request = {{"lost1", Str("h1"), "carol"}, {"lost2", {}, "dave"}};
  auto bytes = EncodeNim(m);
  ASSERT_TRUE(bytes.has_value());
  auto decoded = DecodeNim(*bytes);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(decoded->repair_request, m.repair_request);
}

TEST(NimCodecSdsR, MessageWithoutRepairRequestDecodes) {
  // Pre-SDS-R bytes: no field 7, no field 13, entries without sender.
  Bytes entry;
  PutLen(entry, 1, "dep1");
  Bytes in;
  PutLen(in, 1, "msg1");
  PutUint(in, 2, 1);
  PutLen(in, 3, entry);
  PutLen(in, 4, "testChannel");
  PutLen(in, 5, "x");
  auto decoded = DecodeNim(in);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_TRUE(decoded->repair_request.empty());
  EXPECT_TRUE(decoded->sender_id.empty());
  ASSERT_EQ(decoded->causal_history.size(), 1u);
  EXPECT_TRUE(decoded->causal_history.EntryAt(0).sender_id.empty());
  EXPECT_TRUE(decoded->causal_history.EntryAt(0).retrieval_hint.empty());
}

TEST(NimCodecSdsR, MessageSenderIdRoundtrips) {
  Message m = Vector1();
  m.sender_id = "alice";
  auto bytes = EncodeNim(m);
  ASSERT_TRUE(bytes.has_value());
  // Field 7 follows field 6.
  EXPECT_EQ(ToHex(*bytes), std::string(kVector1Master) + "3a05616c696365");
  auto decoded = DecodeNim(*bytes);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(decoded->sender_id, "alice");
}

// ---- encoding rules ----------------------------------------------------------------

TEST(NimCodecEncode, FullMessageFieldOrderAndRoundTrip) {
  const Message m = FullMessage();
  auto bytes = EncodeNim(m);
  ASSERT_TRUE(bytes.has_value()) << bytes.error().ToString();

  Bytes expected;
  PutLen(expected, 1, "msg-full");
  PutUint(expected, 2, 1718000000);
  for (const auto& e : m.causal_history) {
    Bytes entry;
    PutLen(entry, 1, e.message_id);
    if (!e.retrieval_hint.empty()) PutLen(entry, 2, e.retrieval_hint);
    if (!e.sender_id.empty()) PutLen(entry, 3, e.sender_id);
    PutLen(expected, 3, entry);
  }
  PutLen(expected, 4, "chan");
  PutLen(expected, 5, "payload");
  PutLen(expected, 6, FromHex(kFarmBlob));
  PutLen(expected, 7, "alice");
  Bytes repair;
  PutLen(repair, 1, "lost1");
  PutLen(repair, 2, "h");
  PutLen(repair, 3, "dave");
  PutLen(expected, 13, repair);
  EXPECT_EQ(ToHex(*bytes), ToHex(expected));

  auto decoded = DecodeNim(*bytes);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  ExpectSameMessage(*decoded, m);
}

TEST(NimCodecEncode, LamportZeroIsWritten) {
  Message m = Vector1();
  m.lamport_timestamp = 0;
  auto bytes = EncodeNim(m);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(ToHex(*bytes), "0a046d7367311000220b746573744368616e6e656c2a030102033200");
  auto decoded = DecodeNim(*bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->lamport_timestamp, std::optional<std::uint64_t>(0));
}

TEST(NimCodecEncode, AbsentLamportIsOmittedAndDecodesAbsent) {
  Message m = Vector1();
  m.lamport_timestamp.reset();
  auto bytes = EncodeNim(m);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(ToHex(*bytes), "0a046d736731220b746573744368616e6e656c2a030102033200");
  auto decoded = DecodeNim(*bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_FALSE(decoded->lamport_timestamp.has_value());
}

TEST(NimCodecEncode, LargeLamportIsTenByteVarint) {
  Message m = Vector1();
  m.lamport_timestamp = 0xffffffffffffffffull;  // a negative Nim int64 cast to uint64
  auto bytes = EncodeNim(m);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(ToHex(*bytes).substr(12, 22), "10ffffffffffffffffff01");
  auto decoded = DecodeNim(*bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->lamport_timestamp, m.lamport_timestamp);
}

TEST(NimCodecEncode, EmptyEverythingStillWritesAlwaysFields) {
  // nim-sds writes fields 1, 2, 4, 5, 6 even when empty; entry field 1 too.
  Message m;
  m.lamport_timestamp = 0;
  m.causal_history = {{"", {}, ""}};
  auto bytes = EncodeNim(m);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(ToHex(*bytes), "0a0010001a020a0022002a003200");
  // ... but such a message is refused on decode (empty ids).
  ExpectDecodeError(*bytes);
}

TEST(NimCodecEncode, BinaryIdsAreOpaque) {
  Message m = Vector1();
  m.message_id = std::string("\x00\xff\xfe id", 6);
  m.channel_id = std::string("\xc3\x28", 2);  // invalid UTF-8
  m.causal_history = {{std::string("\x80", 1), {0, 0}, std::string("\xff", 1)}};
  auto bytes = EncodeNim(m);
  ASSERT_TRUE(bytes.has_value());
  auto decoded = DecodeNim(*bytes);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  ExpectSameMessage(*decoded, m);
}

TEST(NimCodecEncode, LimitsRefuseOversizedMessages) {
  Message m = Vector1();
  for (std::size_t i = 0; i <= kMaxNimHistoryEntries; ++i) m.causal_history.push_back({"d", {}, ""});
  auto too_many = EncodeNim(m);
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().kind, ErrorKind::kSerializationError);

  m = Vector1();
  m.repair_request.assign(kMaxNimHistoryEntries + 1, HistoryEntry{"d", {}, ""});
  auto too_many_repairs = EncodeNim(m);
  ASSERT_FALSE(too_many_repairs.has_value());
  EXPECT_EQ(too_many_repairs.error().kind, ErrorKind::kSerializationError);

  m = Vector1();
  m.content.assign(kMaxNimMessageBytes, 0x42);
  auto too_big = EncodeNim(m);
  ASSERT_FALSE(too_big.has_value());
  EXPECT_EQ(too_big.error().kind, ErrorKind::kSerializationError);

  m.content.assign(std::size_t{1} << 20, 0x42);  // nim-sds's 1 MiB content limit fits
  auto ok = EncodeNim(m);
  ASSERT_TRUE(ok.has_value());
  auto decoded = DecodeNim(*ok);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->content.size(), std::size_t{1} << 20);
}

// ---- lenient decoding ------------------------------------------------------------

TEST(NimCodecDecode, AbsentContentAndBloomAndLamport) {
  Bytes in;
  PutLen(in, 1, "m");
  PutLen(in, 4, "c");
  auto decoded = DecodeNim(in);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(decoded->message_id, "m");
  EXPECT_EQ(decoded->channel_id, "c");
  EXPECT_TRUE(decoded->content.empty());
  EXPECT_FALSE(decoded->bloom_filter.has_value());
  EXPECT_FALSE(decoded->lamport_timestamp.has_value());
  EXPECT_TRUE(decoded->causal_history.empty());
}

TEST(NimCodecDecode, UnknownFieldsAreIgnored) {
  Bytes in = FromHex(kVector1Master);
  PutUint(in, 99, 12345);
  PutLen(in, 8, "unknown");
  PutTag(in, 14, 5);  // fixed32
  in.insert(in.end(), {1, 2, 3, 4});
  PutTag(in, 15, 1);  // fixed64
  in.insert(in.end(), 8, 0xaa);
  // An unknown field inside a history entry, too.
  Bytes entry;
  PutLen(entry, 1, "dep");
  PutUint(entry, 9, 7);
  PutLen(in, 3, entry);
  auto decoded = DecodeNim(in);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  Message expected = Vector1();
  expected.causal_history = {{"dep", {}, ""}};
  ExpectSameMessage(*decoded, expected);
  // Re-encoding drops them.
  auto again = EncodeNim(*decoded);
  ASSERT_TRUE(again.has_value());
  auto expected_bytes = EncodeNim(expected);
  EXPECT_EQ(*again, *expected_bytes);
}

TEST(NimCodecDecode, LastOccurrenceOfSingularFieldWins) {
  Bytes in;
  PutLen(in, 1, "first");
  PutUint(in, 2, 3);
  PutLen(in, 4, "chan-a");
  PutLen(in, 1, "second");
  PutUint(in, 2, 9);
  PutLen(in, 4, "chan-b");
  auto decoded = DecodeNim(in);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->message_id, "second");
  EXPECT_EQ(decoded->channel_id, "chan-b");
  EXPECT_EQ(decoded->lamport_timestamp, std::optional<std::uint64_t>(9));
}

TEST(NimCodecDecode, LamportWithWrongWireTypeCountsAsAbsent) {
  Bytes in;
  PutLen(in, 1, "m");
  PutLen(in, 2, "not-a-varint");
  PutLen(in, 4, "c");
  auto decoded = DecodeNim(in);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_FALSE(decoded->lamport_timestamp.has_value());
}

Bytes Vector1With(ByteView bloom_payload) {
  Bytes in = FromHex(kVector1Master);
  in.resize(in.size() - 2);  // drop the empty field 6
  PutLen(in, 6, bloom_payload);
  return in;
}

TEST(NimCodecDecode, InvalidBloomIsIgnored) {
  const Bytes two_words = FromHex(kFarmWords);
  const std::vector<std::pair<std::string, Bytes>> cases = {
      {"garbage 01 02 03", {1, 2, 3}},
      {"k = 0", Envelope(two_words, 10, 10000, 0, 100)},
      {"m_bits = 0", Envelope(two_words, 10, 10000, 7, 0)},
      {"too few words for m_bits", Envelope(two_words, 10, 10000, 7, 128)},
      {"no data", Envelope({}, 10, 10000, 7, 100)},
      {"k beyond 32 bits", Envelope(two_words, 10, 10000, std::uint64_t{1} << 32 | 7, 100)},
      {"huge m_bits", Envelope(two_words, 10, 10000, 7, ~std::uint64_t{0})},
      {"truncated envelope", FromHex(kFarmBlob.substr(0, 20))},
      {"group in envelope", FromHex("0b0c")},
  };
  for (const auto& [name, payload] : cases) {
    auto envelope = DecodeBloomEnvelope(payload);
    ASSERT_FALSE(envelope.has_value()) << name;
    EXPECT_EQ(envelope.error().kind, ErrorKind::kDeserializationError) << name;

    auto decoded = DecodeNim(Vector1With(payload));
    ASSERT_TRUE(decoded.has_value()) << name << ": " << decoded.error().ToString();
    EXPECT_FALSE(decoded->bloom_filter.has_value()) << name;
    ExpectSameMessage(*decoded, Vector1());
  }
}

TEST(NimCodecDecode, BloomDataTrailingBytesAreIgnored) {
  Bytes data = FromHex(kFarmWords);
  data.push_back(0xff);  // len div 8 words are read
  auto filter = DecodeBloomEnvelope(Envelope(data, 10, 10000, 7, 100));
  ASSERT_TRUE(filter.has_value()) << filter.error().ToString();
  ExpectSameFilter(*filter, SmallFilter(StringHash::kFarm));
}

// The envelope is read by hand, not by protobuf: it must follow protobuf's
// rules all the same (any field order, the last occurrence wins, unknown
// fields and known fields of another wire type skipped).
TEST(NimCodecDecode, BloomEnvelopeFollowsProtobufParsingRules) {
  const Bytes words = FromHex(kFarmWords);
  const Bytes stale(words.size(), 0xff);
  Bytes envelope;
  PutUint(envelope, 5, 100);
  PutLen(envelope, 1, stale);  // replaced by the later data field
  PutUint(envelope, 9, 7);     // unknown
  PutLen(envelope, 4, words);  // k_hashes with another wire type: unknown
  PutUint(envelope, 4, 7);
  PutUint(envelope, 2, 3);
  PutUint(envelope, 2, 10);
  PutUint(envelope, 3, 10000);
  PutLen(envelope, 1, words);
  auto filter = DecodeBloomEnvelope(envelope);
  ASSERT_TRUE(filter.has_value()) << filter.error().ToString();
  ExpectSameFilter(*filter, SmallFilter(StringHash::kFarm));
  // Re-encoded, it takes the canonical form.
  EXPECT_EQ(ToHex(*EncodeBloomEnvelope(*filter)), ToHex(Envelope(words, 10, 10000, 7, 100)));
}

// The causal history is read by hand too (codec_support.h): each entry as
// protobuf's generated parser reads it, wherever its fields sit.
TEST(NimCodecDecode, HistoryEntriesFollowProtobufParsingRules) {
  Bytes first;  // the last id wins; unknown fields and field 1 as a varint are skipped
  PutLen(first, 1, "stale");
  PutUint(first, 1, 5);
  PutUint(first, 9, 1);
  PutLen(first, 3, "bob");
  PutLen(first, 1, "dep1");
  PutLen(first, 2, Bytes{1, 2});
  Bytes second;
  PutLen(second, 1, "dep2");
  Bytes in;
  PutLen(in, 1, "m");
  PutLen(in, 3, first);
  PutLen(in, 4, "c");   // other fields between the entries
  PutUint(in, 3, 8);    // field 3 as a varint: unknown, not an entry
  PutLen(in, 3, second);
  PutLen(in, 5, "x");

  auto decoded = DecodeNim(in);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(decoded->causal_history.ToEntries(),
            (std::vector<HistoryEntry>{{"dep1", {1, 2}, "bob"}, {"dep2", {}, ""}}));
  EXPECT_EQ(decoded->channel_id, "c");
  EXPECT_EQ(decoded->content, Str("x"));

  sds::wire::nim::NimSdsMessage proto;
  ASSERT_TRUE(proto.ParseFromArray(in.data(), static_cast<int>(in.size())));
  ASSERT_EQ(proto.causal_history_size(), 2);
  EXPECT_EQ(proto.causal_history(0).message_id(), "dep1");
  EXPECT_EQ(proto.causal_history(0).sender_id(), "bob");
  EXPECT_EQ(proto.causal_history(1).message_id(), "dep2");

  // An entry that does not parse makes the message not parse.
  Bytes truncated = in;
  PutLen(truncated, 3, FromHex("0a05"));
  ExpectDecodeError(truncated);
}

TEST(NimCodecDecode, ValidBloomFromPeerIsKept) {
  auto decoded = DecodeNim(Vector1With(FromHex(kMurmurBlob)));
  ASSERT_TRUE(decoded.has_value());
  ASSERT_TRUE(decoded->bloom_filter.has_value());
  ExpectSameFilter(*decoded->bloom_filter, SmallFilter(StringHash::kMurmur));
}

// ---- rejection ---------------------------------------------------------------------

TEST(NimCodecReject, EmptyOrMissingIds) {
  Bytes empty_id;
  PutLen(empty_id, 1, "");
  PutUint(empty_id, 2, 1);
  PutLen(empty_id, 4, "c");
  ExpectDecodeError(empty_id);

  Bytes no_id;
  PutUint(no_id, 2, 1);
  PutLen(no_id, 4, "c");
  ExpectDecodeError(no_id);

  Bytes empty_channel;
  PutLen(empty_channel, 1, "m");
  PutLen(empty_channel, 4, "");
  ExpectDecodeError(empty_channel);

  Bytes no_channel;
  PutLen(no_channel, 1, "m");
  PutLen(no_channel, 5, "content");
  ExpectDecodeError(no_channel);

  ExpectDecodeError(Bytes{});
}

TEST(NimCodecReject, HistoryEntryWithoutId) {
  Bytes hint_only;
  PutLen(hint_only, 2, "hint");
  for (std::uint32_t list : {3u, 13u}) {
    for (const Bytes& entry : {Bytes{}, FromHex("0a00"), hint_only}) {
      Bytes in;
      PutLen(in, 1, "m");
      PutLen(in, list, entry);
      PutLen(in, 4, "c");
      ExpectDecodeError(in);
    }
  }
}

TEST(NimCodecReject, MalformedProtobuf) {
  const Bytes v1 = FromHex(kVector1Master);
  // Truncated varint (lamport), truncated length, length past the end.
  ExpectDecodeError(FromHex("0a046d73673110"));
  ExpectDecodeError(FromHex("0a046d7367311081"));
  ExpectDecodeError(FromHex("0a046d736731108080808080808080808001"));  // 11-byte varint
  ExpectDecodeError(FromHex("0a05"));
  ExpectDecodeError(FromHex("0a056d7367"));
  // Every strict prefix of vector 1 that cuts a field.
  for (std::size_t n = 1; n < v1.size(); ++n) {
    auto decoded = DecodeNim(ByteView(v1).first(n));
    // Only cuts at a field boundary after field 4 (channel) can decode.
    const bool boundary_after_channel = n == 21 || n == 26;
    EXPECT_EQ(decoded.has_value(), boundary_after_channel) << n;
    if (!decoded) {
      EXPECT_EQ(decoded.error().kind, ErrorKind::kDeserializationError);
    }
  }
  // Field number 0, wire types 3/4 (groups), 6 and 7.
  ExpectDecodeError(FromHex("0001"));
  ExpectDecodeError(FromHex("0a01780b0c220163"));
  ExpectDecodeError(FromHex("0a0178220163" "0e"));
  ExpectDecodeError(FromHex("0a0178220163" "0f"));
  // A truncated entry inside field 3.
  ExpectDecodeError(FromHex("0a0178" "1a020a05" "220163"));
}

TEST(NimCodecReject, WrongWireTypeForRequiredField) {
  // message_id as a varint: it is an unknown field then, so the id is missing.
  Bytes id_varint;
  PutUint(id_varint, 1, 5);
  PutUint(id_varint, 2, 1);
  PutLen(id_varint, 4, "c");
  ExpectDecodeError(id_varint);

  Bytes channel_fixed;
  PutLen(channel_fixed, 1, "m");
  PutTag(channel_fixed, 4, 5);
  channel_fixed.insert(channel_fixed.end(), {1, 2, 3, 4});
  ExpectDecodeError(channel_fixed);
}

TEST(NimCodecReject, OversizedInput) {
  Bytes in = FromHex(kVector1Master);
  in.resize(in.size() - 2);
  const Bytes content(kMaxNimMessageBytes, 0x42);
  PutLen(in, 5, content);
  ASSERT_GT(in.size(), kMaxNimMessageBytes);
  ExpectDecodeError(in);
}

TEST(NimCodecReject, TooManyHistoryEntries) {
  for (std::uint32_t list : {3u, 13u}) {
    Bytes in;
    PutLen(in, 1, "m");
    PutLen(in, 4, "c");
    for (std::size_t i = 0; i < kMaxNimHistoryEntries; ++i) PutLen(in, list, FromHex("0a0164"));
    auto at_limit = DecodeNim(in);
    ASSERT_TRUE(at_limit.has_value()) << at_limit.error().ToString();
    EXPECT_EQ(list == 3 ? at_limit->causal_history.size() : at_limit->repair_request.size(),
              kMaxNimHistoryEntries);
    PutLen(in, list, FromHex("0a0164"));
    ExpectDecodeError(in);
  }
}

// Deterministic fuzzing: mutations and random buffers never crash and only
// ever fail with kDeserializationError; whatever decodes re-encodes and
// decodes to the same message.
TEST(NimCodecReject, FuzzedInputsNeverCrash) {
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  auto full = EncodeNim(FullMessage());
  ASSERT_TRUE(full.has_value());
  const std::vector<Bytes> seeds = {FromHex(kVector1Master), FromHex(kVector2V04), *full,
                                    Vector1With(FromHex(kFarmBlob))};
  int decoded_count = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes in;
    if (iter % 4 == 3) {
      in.resize(next() % 64);
      for (auto& b : in) b = static_cast<std::uint8_t>(next());
    } else {
      in = seeds[next() % seeds.size()];
      const int mutations = 1 + static_cast<int>(next() % 4);
      for (int i = 0; i < mutations && !in.empty(); ++i) {
        const std::size_t pos = next() % in.size();
        switch (next() % 4) {
          case 0: in[pos] ^= static_cast<std::uint8_t>(1u << (next() % 8)); break;
          case 1: in[pos] = static_cast<std::uint8_t>(next()); break;
          case 2: in.resize(pos); break;
          default: in.insert(in.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<std::uint8_t>(next())); break;
        }
      }
    }
    auto decoded = DecodeNim(in);
    if (!decoded) {
      ASSERT_EQ(decoded.error().kind, ErrorKind::kDeserializationError);
      continue;
    }
    ++decoded_count;
    EXPECT_FALSE(decoded->message_id.empty());
    EXPECT_FALSE(decoded->channel_id.empty());
    auto again = EncodeNim(*decoded);
    ASSERT_TRUE(again.has_value());
    auto twice = DecodeNim(*again);
    ASSERT_TRUE(twice.has_value());
    // The error rate goes through uint64(rate * 1e6) (truncating, like
    // nim-sds), so it need not survive a second trip; the rest must.
    Message a = *twice;
    Message b = *decoded;
    ASSERT_EQ(a.bloom_filter.has_value(), b.bloom_filter.has_value());
    if (a.bloom_filter) {
      EXPECT_EQ(a.bloom_filter->k(), b.bloom_filter->k());
      EXPECT_EQ(a.bloom_filter->m_bits(), b.bloom_filter->m_bits());
      EXPECT_EQ(a.bloom_filter->words(), b.bloom_filter->words());
    }
    a.bloom_filter.reset();
    b.bloom_filter.reset();
    ExpectSameMessage(a, b);
    (void)DetectDialect(in);
  }
  EXPECT_GT(decoded_count, 100);
}

// ---- dialect detection -------------------------------------------------------------

// A spec-dialect message: sender 1, message_id 2 (LEN), channel 3, lamport 10,
// history 11, bloom 12, repair 13, content 20.
Bytes SpecMessage(bool with_message_id) {
  Bytes entry;
  PutLen(entry, 1, "msg0");
  Bytes in;
  PutLen(in, 1, "alice");
  if (with_message_id) PutLen(in, 2, "msg1");
  PutLen(in, 3, "ch");
  PutUint(in, 10, 1718000000000);
  PutLen(in, 11, entry);
  PutLen(in, 12, Bytes(16, 0));
  PutLen(in, 13, entry);
  PutLen(in, 20, "content");
  return in;
}

TEST(Dialect, NimVectorsAreNim) {
  for (std::string_view hex : {kVector1Master, kVector1V04, kVector2Master, kVector2V04}) {
    auto d = DetectDialect(FromHex(hex));
    ASSERT_TRUE(d.has_value()) << hex;
    EXPECT_EQ(*d, Dialect::kNim) << hex;
  }
  auto full = EncodeNim(FullMessage());
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(DetectDialect(*full), Dialect::kNim);
}

TEST(Dialect, NimMessageWithoutLamportIsNim) {
  Message m = Vector1();
  m.lamport_timestamp.reset();
  auto bytes = EncodeNim(m);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(DetectDialect(*bytes), Dialect::kNim);
}

TEST(Dialect, SpecMessageIsSpec) {
  EXPECT_EQ(SpecMessage(true)[0], 0x0a);
  EXPECT_EQ(DetectDialect(SpecMessage(true)), Dialect::kSpec);
  // Without field 2, fields 10/11/12/20 decide.
  EXPECT_EQ(DetectDialect(SpecMessage(false)), Dialect::kSpec);
  // Field 20's tag is two bytes (a2 01).
  Bytes content_only;
  PutLen(content_only, 20, "x");
  EXPECT_EQ(ToHex(content_only), "a2010178");
  EXPECT_EQ(DetectDialect(content_only), Dialect::kSpec);
}

TEST(Dialect, UndecidableOrMalformedIsAnError) {
  auto expect_error = [](const Bytes& in) {
    auto d = DetectDialect(in);
    ASSERT_FALSE(d.has_value()) << ToHex(in);
    EXPECT_EQ(d.error().kind, ErrorKind::kDeserializationError);
  };
  expect_error({});
  expect_error(FromHex("ff"));
  expect_error(FromHex("0a05"));
  expect_error(FromHex("0b0c"));
  // Only common fields (1, 3, 7, 13): no vote.
  Bytes common;
  PutLen(common, 1, "x");
  PutLen(common, 3, "y");
  PutLen(common, 13, FromHex("0a0178"));
  expect_error(common);
  // Field 2 both varint and LEN.
  Bytes both2;
  PutUint(both2, 2, 1);
  PutLen(both2, 2, "id");
  expect_error(both2);
  // No field 2; nim and spec fields at once.
  Bytes both_votes;
  PutLen(both_votes, 4, "c");
  PutUint(both_votes, 10, 1);
  expect_error(both_votes);
  // A valid message followed by garbage.
  Bytes trailing = FromHex(kVector1Master);
  trailing.push_back(0x0a);
  expect_error(trailing);
}

TEST(Dialect, FieldReaderWalksTopLevelFields) {
  Bytes in;
  PutUint(in, 2, 300);
  PutLen(in, 20, "abc");
  PutTag(in, 7, 5);
  in.insert(in.end(), {1, 2, 3, 4});
  PutTag(in, 8, 1);
  in.insert(in.end(), 8, 9);
  wire::FieldReader reader(in);
  wire::Field f;
  ASSERT_TRUE(reader.Next(f));
  EXPECT_EQ(f.number, 2u);
  EXPECT_EQ(f.wire_type, wire::kVarint);
  EXPECT_EQ(f.varint, 300u);
  EXPECT_EQ(ToHex(f.payload), "ac02");
  ASSERT_TRUE(reader.Next(f));
  EXPECT_EQ(f.number, 20u);
  EXPECT_EQ(f.wire_type, wire::kLengthDelimited);
  EXPECT_EQ(ToHex(f.payload), "616263");
  ASSERT_TRUE(reader.Next(f));
  EXPECT_EQ(f.wire_type, wire::kFixed32);
  EXPECT_EQ(ToHex(f.payload), "01020304");
  ASSERT_TRUE(reader.Next(f));
  EXPECT_EQ(f.wire_type, wire::kFixed64);
  EXPECT_EQ(f.payload.size(), 8u);
  EXPECT_FALSE(reader.Next(f));
  EXPECT_FALSE(reader.failed());
  EXPECT_EQ(reader.offset(), in.size());

  // Malformed: overlong tag (6 bytes), tag beyond 32 bits, truncated fixed32.
  for (std::string_view hex : {"8a808080800001", "80808080801001", "1d0102"}) {
    const Bytes bytes = FromHex(hex);
    wire::FieldReader bad(bytes);
    while (bad.Next(f)) {
    }
    EXPECT_TRUE(bad.failed()) << hex;
    EXPECT_FALSE(bad.error().empty()) << hex;
    EXPECT_FALSE(bad.Next(f));
  }
}

TEST(Dialect, PeekChannelId) {
  EXPECT_EQ(PeekChannelId(FromHex(kVector1Master), Dialect::kNim), "testChannel");
  EXPECT_EQ(PeekChannelId(FromHex(kVector2V04), Dialect::kNim), "ch");
  EXPECT_EQ(PeekChannelId(SpecMessage(true), Dialect::kSpec), "ch");
  auto missing = PeekChannelId(SpecMessage(true), Dialect::kNim);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind, ErrorKind::kDeserializationError);
  auto malformed = PeekChannelId(FromHex("220a6368"), Dialect::kNim);
  ASSERT_FALSE(malformed.has_value());
  EXPECT_EQ(malformed.error().kind, ErrorKind::kDeserializationError);
}

TEST(Dialect, DecodeAnyAndEncode) {
  auto any = DecodeAny(FromHex(kVector1V04));
  ASSERT_TRUE(any.has_value()) << any.error().ToString();
  EXPECT_EQ(any->dialect, Dialect::kNim);
  ExpectSameMessage(any->message, Vector1());

  auto encoded = Encode(Vector1(), Dialect::kNim);
  ASSERT_TRUE(encoded.has_value());
  EXPECT_EQ(ToHex(*encoded), kVector1Master);

  EXPECT_EQ(DialectName(Dialect::kNim), "nim");
  EXPECT_EQ(DialectName(Dialect::kSpec), "spec");

  auto garbage = DecodeAny(FromHex("ff"));
  ASSERT_FALSE(garbage.has_value());
  EXPECT_EQ(garbage.error().kind, ErrorKind::kDeserializationError);
}

}  // namespace
}  // namespace sds
