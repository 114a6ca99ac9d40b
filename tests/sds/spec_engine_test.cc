// The engine in the spec dialect: what a ReliabilityManager configured with
// Dialect::kSpec sends (the peer's layout, its filter and hash), its config
// rules, content-addressed ids, and SDS-R timing over SHA-256 checked against
// offsets computed by the real @waku/sds 0.0.8 (tests/interop/spec_vectors.mjs,
// the same vectors as spec_repair_test.cc).

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine_test_support.h"
#include "sds/config.h"
#include "sds/dialect.h"
#include "sds/error.h"
#include "sds/event.h"
#include "sds/message.h"
#include "sds/reliability_manager.h"
#include "sds/sha256.h"
#include "sds/spec_codec.h"
#include "sds/string_hash.h"

namespace sds {
namespace {

using namespace engine_test;  // NOLINT(google-build-using-namespace)

const ChannelId kChannel(kTestChannel);
constexpr std::int64_t kT0 = 1718000000000;

// From spec_repair_test.cc's vectors (T_min 30 s, T_max 120 s).
constexpr std::string_view kIdOne =
    "7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed";
constexpr std::int64_t kCarolTReqForM0 = 118764;
constexpr std::int64_t kBobTRespForOne = 1585;

Config SpecConfig() {
  Config config;
  config.dialect = Dialect::kSpec;
  config.repair_t_min_ms = 30000;
  config.repair_t_max_ms = 120000;
  config.repair_sweep_interval_ms = 1;
  config.sync_message_interval_ms = 1 << 30;
  return config;
}

Bytes SpecBytes(const Message& message) {
  Result<Bytes> bytes = Encode(message, Dialect::kSpec);
  if (!bytes) throw std::runtime_error("encode failed: " + bytes.error().ToString());
  return std::move(*bytes);
}

Message DecodedSpec(ByteView bytes) {
  EXPECT_EQ(DetectDialect(bytes), Dialect::kSpec);
  Result<Message> message = DecodeSpec(bytes);
  if (!message) throw std::runtime_error("decode failed: " + message.error().ToString());
  return std::move(*message);
}

TEST(SpecEngineConfig, SpecNeedsThePeersBloomParameters) {
  Config config = SpecConfig();
  EXPECT_TRUE(ValidateConfig(config).has_value());
  for (auto [capacity, rate] :
       {std::pair{std::int64_t{5000}, 0.001}, std::pair{std::int64_t{10000}, 0.01}}) {
    config.bloom_filter_capacity = capacity;
    config.bloom_filter_error_rate = rate;
    Status status = ValidateConfig(config);
    ASSERT_FALSE(status.has_value()) << capacity;
    EXPECT_EQ(status.error().kind, ErrorKind::kInvalidArgument);
    EXPECT_NE(status.error().message.find("spec dialect"), std::string::npos);
  }
  config.dialect = Dialect::kNim;
  EXPECT_TRUE(ValidateConfig(config).has_value());
}

TEST(SpecEngine, ContentMessagesCarryThePeersFilterAndHash) {
  ReliabilityManager alice("alice", SpecConfig());
  const Message first = DecodedSpec(MustWrap(alice, "one", "id-1", kT0));
  EXPECT_EQ(first.sender_id, "alice");
  EXPECT_EQ(first.lamport_timestamp, static_cast<std::uint64_t>(kT0));
  ASSERT_TRUE(first.bloom_filter.has_value());
  EXPECT_TRUE(IsSpecBloom(*first.bloom_filter));

  const Message second = DecodedSpec(MustWrap(alice, "two", "id-2", kT0));
  EXPECT_EQ(second.lamport_timestamp, static_cast<std::uint64_t>(kT0 + 1));  // max(now, L + 1)
  EXPECT_EQ(IdsOf(second.causal_history), std::vector<MessageId>{"id-1"});
  EXPECT_EQ(second.causal_history.EntryAt(0).sender_id, "alice");
  // The filter is set with the peer's hash: the peer finds id-1 in it.
  EXPECT_TRUE(second.bloom_filter->Contains("id-1", StringHash::kJsWaku));
  EXPECT_FALSE(second.bloom_filter->Contains("id-1", StringHash::kFarm));
}

TEST(SpecEngine, FilterKeepsThePeersSizeAfterRollingOver) {
  // Past 12,000 ids a nim-sized filter would grow to 12,000 capacity, which
  // the peer drops. A spec channel rolls at its fixed size instead.
  Config config = SpecConfig();
  config.max_outgoing_buffer = 20000;
  ReliabilityManager alice("alice", config);
  for (int i = 0; i < 12500; ++i) {
    MustWrap(alice, "x", "roll-" + std::to_string(i), kT0 + i);
  }
  const Message late = DecodedSpec(MustWrap(alice, "late", "roll-late", kT0 + 20000));
  ASSERT_TRUE(late.bloom_filter.has_value());
  EXPECT_TRUE(IsSpecBloom(*late.bloom_filter));
  EXPECT_TRUE(late.bloom_filter->Contains("roll-12499", StringHash::kJsWaku));
}

TEST(SpecEngine, SyncAndEphemeralMessages) {
  ReliabilityManager alice("alice", SpecConfig());
  MustWrap(alice, "one", "id-1", kT0);
  Result<std::optional<Bytes>> sync = alice.WrapSync(kChannel, kT0 + 10);
  ASSERT_TRUE(sync.has_value() && sync->has_value());
  const Message sync_message = DecodedSpec(**sync);
  EXPECT_TRUE(sync_message.content.empty());
  EXPECT_EQ(sync_message.lamport_timestamp, static_cast<std::uint64_t>(kT0 + 10));
  EXPECT_EQ(IdsOf(sync_message.causal_history), std::vector<MessageId>{"id-1"});
  EXPECT_TRUE(sync_message.bloom_filter.has_value());

  Result<Bytes> ephemeral = alice.WrapEphemeral(kChannel, ToBytes("ping"), "e-1");
  ASSERT_TRUE(ephemeral.has_value()) << ephemeral.error().ToString();
  const Message ephemeral_message = DecodedSpec(*ephemeral);
  EXPECT_FALSE(ephemeral_message.lamport_timestamp.has_value());
  EXPECT_FALSE(ephemeral_message.bloom_filter.has_value());
  EXPECT_TRUE(ephemeral_message.causal_history.empty());
  EXPECT_EQ(ephemeral_message.content, ToBytes("ping"));
}

TEST(SpecEngine, ReadsBothDialectsAndTellsWhich) {
  ReliabilityManager bob("bob", SpecConfig());
  const Message spec = PeerMessage("s1", 5, {}, ToBytes("a"), kChannel, "alice");
  const Message nim = PeerMessage("n1", 6, {}, ToBytes("b"), kChannel, "carol");
  EXPECT_EQ(MustUnwrap(bob, SpecBytes(spec), kT0).dialect, Dialect::kSpec);
  EXPECT_EQ(MustUnwrap(bob, Serialize(nim), kT0).dialect, Dialect::kNim);
  EXPECT_EQ(IdsOfKind(bob.TakeEvents(), EventKind::kDelivered),
            (std::vector<MessageId>{"s1", "n1"}));
}

TEST(SpecEngine, ContentAddressedIds) {
  Config config = SpecConfig();
  config.content_addressed_ids = true;
  ReliabilityManager alice("alice", config);
  const MessageId hello = ContentMessageId(ToBytes("hello"));
  EXPECT_EQ(DecodedSpec(MustWrap(alice, "hello", "", kT0)).message_id, hello);
  // The derived id, given explicitly, is accepted; any other id is not.
  EXPECT_EQ(
      DecodedSpec(MustWrap(alice, "again", ContentMessageId(ToBytes("again")), kT0)).message_id,
      ContentMessageId(ToBytes("again")));
  Result<Bytes> wrong = alice.Wrap(kChannel, ToBytes("x"), "my-id", kT0);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().kind, ErrorKind::kInvalidArgument);
  // The same content twice is the same message.
  Result<Bytes> twice = alice.Wrap(kChannel, ToBytes("hello"), "", kT0);
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().kind, ErrorKind::kDuplicateMessageId);
  EXPECT_NE(twice.error().message.find("already used"), std::string::npos);

  Result<Bytes> ephemeral = alice.WrapEphemeral(kChannel, ToBytes("ping"), "");
  ASSERT_TRUE(ephemeral.has_value()) << ephemeral.error().ToString();
  EXPECT_EQ(DecodedSpec(*ephemeral).message_id, ContentMessageId(ToBytes("ping")));
  Result<Bytes> wrong_ephemeral = alice.WrapEphemeral(kChannel, ToBytes("ping"), "e-1");
  ASSERT_FALSE(wrong_ephemeral.has_value());
  EXPECT_EQ(wrong_ephemeral.error().kind, ErrorKind::kInvalidArgument);

  // Without the option an empty id is still refused.
  ReliabilityManager bob("bob", SpecConfig());
  Result<Bytes> empty = bob.Wrap(kChannel, ToBytes("hello"), "", kT0);
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().kind, ErrorKind::kInvalidArgument);
}

TEST(SpecEngine, RepairRequestIsDueAtThePeersTReq) {
  ReliabilityManager carol("carol", SpecConfig());
  const Message waiting =
      PeerMessage("w1", 9, {Entry("m0", "alice")}, ToBytes("needs m0"), kChannel, "alice");
  EXPECT_FALSE(MustUnwrap(carol, SpecBytes(waiting), kT0).missing.empty());

  Result<std::optional<Bytes>> early = carol.WrapSync(kChannel, kT0 + kCarolTReqForM0 - 1);
  ASSERT_TRUE(early.has_value());
  EXPECT_FALSE(early->has_value());  // nothing logged, nothing due: no sync

  Result<std::optional<Bytes>> due = carol.WrapSync(kChannel, kT0 + kCarolTReqForM0);
  ASSERT_TRUE(due.has_value() && due->has_value());
  const Message request = DecodedSpec(**due);
  ASSERT_EQ(request.repair_request.size(), 1u);
  EXPECT_EQ(request.repair_request[0], Entry("m0", "alice"));
}

TEST(SpecEngine, RepairResponseIsDueAtThePeersTResp) {
  ReliabilityManager bob("bob", SpecConfig());
  const Message one = PeerMessage(std::string(kIdOne), 3, {}, ToBytes("one"), kChannel, "alice");
  MustUnwrap(bob, SpecBytes(one), kT0);
  Message sync = PeerMessage("sync-dave", 4, {}, {}, kChannel, "dave");
  sync.repair_request = {Entry(std::string(kIdOne), "alice")};
  MustUnwrap(bob, SpecBytes(sync), kT0);
  bob.TakeEvents();

  bob.Tick(kT0 + kBobTRespForOne - 1);
  EXPECT_EQ(CountKind(bob.TakeEvents(), EventKind::kRepairReady), 0u);
  bob.Tick(kT0 + kBobTRespForOne);
  const std::vector<Event> ready = OfKind(bob.TakeEvents(), EventKind::kRepairReady);
  ASSERT_EQ(ready.size(), 1u);
  const Message repaired = DecodedSpec(ready[0].bytes);
  EXPECT_EQ(repaired.message_id, kIdOne);
  EXPECT_EQ(repaired.sender_id, "alice");
  EXPECT_EQ(repaired.content, ToBytes("one"));
}

}  // namespace
}  // namespace sds
