// Reading the local log (Channel::LoggedAfter): own and delivered messages
// in delivery order with their seqs, the seq of each delivered event, and
// seqs that survive a restart and keep growing after it.
//
// "Restart" = a new ReliabilityManager over the same InMemoryPersistence.

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine_test_support.h"
#include "sds/channel_records.h"
#include "sds/config.h"
#include "sds/event.h"
#include "sds/in_memory_persistence.h"
#include "sds/reliability_manager.h"

namespace sds {
namespace {

using namespace engine_test;  // NOLINT(google-build-using-namespace)

constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();

std::unique_ptr<ReliabilityManager> Session(InMemoryPersistence& store, Config config = {}) {
  auto rm = std::make_unique<ReliabilityManager>("alice", std::move(config), &store);
  Status ensured = rm->EnsureChannel(std::string(kTestChannel));
  EXPECT_TRUE(ensured.has_value()) << (ensured ? "" : ensured.error().ToString());
  return rm;
}

std::vector<MessageId> IdsOf(const std::vector<LoggedMessage>& logged) {
  std::vector<MessageId> ids;
  for (const LoggedMessage& entry : logged) ids.push_back(entry.message.message_id);
  return ids;
}

std::vector<std::uint64_t> SeqsOf(const std::vector<LoggedMessage>& logged) {
  std::vector<std::uint64_t> seqs;
  for (const LoggedMessage& entry : logged) seqs.push_back(entry.seq);
  return seqs;
}

// Own "own-1", then peer "m2" (buffered: it needs "m1"), then "m1", which
// releases "m2": the log reads own-1, m1, m2.
void ExchangeSome(ReliabilityManager& rm) {
  MustWrap(rm, "mine", "own-1", 1000);
  MustUnwrap(rm, PeerMessage("m2", 12, History({"m1"}), ToBytes("second")), 1001);
  MustUnwrap(rm, PeerMessage("m1", 11, {}, ToBytes("first")), 1002);
}

TEST(ChannelLog, ListsOwnAndDeliveredMessagesInDeliveryOrderWithGrowingSeqs) {
  ReliabilityManager rm("alice");
  ExchangeSome(rm);
  std::vector<LoggedMessage> logged = MustFind(rm).LoggedAfter(0, kAll);
  EXPECT_EQ(IdsOf(logged), (std::vector<MessageId>{"own-1", "m1", "m2"}));
  ASSERT_EQ(logged.size(), 3u);
  EXPECT_LT(logged[0].seq, logged[1].seq);
  EXPECT_LT(logged[1].seq, logged[2].seq);
  EXPECT_EQ(logged[0].message.sender_id, "alice");
  EXPECT_EQ(logged[1].message.sender_id, "peer");
  EXPECT_EQ(logged[2].message.content, ToBytes("second"));
  EXPECT_EQ(logged[2].message.lamport_timestamp, 12u);
}

TEST(ChannelLog, DeliveredEventsCarryTheSeqOfTheirLogEntry) {
  ReliabilityManager rm("alice");
  ExchangeSome(rm);
  std::vector<Event> delivered = OfKind(rm.TakeEvents(), EventKind::kDelivered);
  std::vector<LoggedMessage> logged = MustFind(rm).LoggedAfter(0, kAll);
  ASSERT_EQ(delivered.size(), 2u);
  EXPECT_EQ(delivered[0].message_id, "m1");
  EXPECT_EQ(delivered[0].seq, logged[1].seq);
  EXPECT_EQ(delivered[1].message_id, "m2");
  EXPECT_EQ(delivered[1].seq, logged[2].seq);
}

TEST(ChannelLog, AfterAndLimitSelectAWindow) {
  ReliabilityManager rm("alice");
  ExchangeSome(rm);
  const Channel& channel = MustFind(rm);
  const std::vector<std::uint64_t> seqs = SeqsOf(channel.LoggedAfter(0, kAll));
  ASSERT_EQ(seqs.size(), 3u);
  EXPECT_EQ(IdsOf(channel.LoggedAfter(seqs[0], kAll)), (std::vector<MessageId>{"m1", "m2"}));
  EXPECT_EQ(IdsOf(channel.LoggedAfter(seqs[0], 1)), (std::vector<MessageId>{"m1"}));
  EXPECT_EQ(IdsOf(channel.LoggedAfter(0, 2)), (std::vector<MessageId>{"own-1", "m1"}));
  // A seq no entry has (own-1's outgoing entry took the one before its log entry's) starts
  // at the next entry.
  ASSERT_GT(seqs[0], 1u);
  EXPECT_EQ(IdsOf(channel.LoggedAfter(seqs[0] - 1, kAll)).front(), "own-1");
  EXPECT_TRUE(channel.LoggedAfter(seqs[2], kAll).empty());
  EXPECT_TRUE(channel.LoggedAfter(std::numeric_limits<std::uint64_t>::max(), kAll).empty());
  EXPECT_TRUE(channel.LoggedAfter(0, 0).empty());
}

TEST(ChannelLog, EvictedMessagesLeaveTheLogWithTheirSeqs) {
  Config config;
  config.max_message_history = 2;
  ReliabilityManager rm("alice", config);
  ExchangeSome(rm);
  std::vector<LoggedMessage> logged = MustFind(rm).LoggedAfter(0, kAll);
  EXPECT_EQ(IdsOf(logged), (std::vector<MessageId>{"m1", "m2"}));
  // A reader that had only seen own-1 gets exactly what followed it.
  EXPECT_EQ(IdsOf(MustFind(rm).LoggedAfter(1, kAll)), (std::vector<MessageId>{"m1", "m2"}));
}

TEST(ChannelLog, SeqsSurviveARestartAndKeepGrowingAfterIt) {
  InMemoryPersistence store;
  std::vector<LoggedMessage> before;
  std::uint64_t last_seen = 0;
  {
    auto rm = Session(store);
    ExchangeSome(*rm);
    before = MustFind(*rm).LoggedAfter(0, kAll);
    // The application saw m1's event, then the session died before m2's reached it.
    last_seen = OfKind(rm->TakeEvents(), EventKind::kDelivered).front().seq;
  }
  auto rm = Session(store);
  const Channel& channel = MustFind(*rm);
  EXPECT_EQ(channel.LoggedAfter(0, kAll), before);
  EXPECT_EQ(IdsOf(channel.LoggedAfter(last_seen, kAll)), (std::vector<MessageId>{"m2"}));

  // New entries take seqs above every restored one (Restore moves next_seq_ past them).
  MustWrap(*rm, "after", "own-2", 2000);
  MustUnwrap(*rm, PeerMessage("m3", 13, History({"m2"}), ToBytes("third")), 2001);
  std::vector<Event> delivered = OfKind(rm->TakeEvents(), EventKind::kDelivered);
  std::vector<LoggedMessage> now = channel.LoggedAfter(before.back().seq, kAll);
  EXPECT_EQ(IdsOf(now), (std::vector<MessageId>{"own-2", "m3"}));
  ASSERT_EQ(now.size(), 2u);
  EXPECT_GT(now[0].seq, before.back().seq);
  EXPECT_GT(now[1].seq, now[0].seq);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].seq, now[1].seq);

  // And across a second restart the whole log reads the same.
  std::vector<LoggedMessage> all = channel.LoggedAfter(0, kAll);
  rm = Session(store);
  EXPECT_EQ(MustFind(*rm).LoggedAfter(0, kAll), all);
}

}  // namespace
}  // namespace sds
