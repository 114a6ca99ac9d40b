// nim-sds tests/test_persistence.nim, every case by its original name (in
// the comment above each test), run against ChannelStore on a real SQLite
// database file, once over a bare SqliteStore and once over a native Job.
// tests/sds/persistence_test.cc runs the same cases on InMemoryPersistence;
// this port follows it step for step.
//
// "Restart" = the Session is destroyed (manager, ChannelStore and database
// closed) and a new one opens the same file. What is "on disk" is read by a
// second connection (SideConnection), so only committed state counts.
//
// Failures are real SQLite failures: triggers make the database refuse
// writes (every statement of the step's transaction fails and it is rolled
// back), and a row the layout never writes makes loading fail. The nim
// failure-policy cases map as in tests/sds/persistence_test.cc: meta-save and
// history-update failures during a send are both a failed Commit during Wrap
// (not surfaced); the R2 pending-write queue is the failed delta the engine
// keeps and merges into the next step's Commit; load and drop failures
// surface as kPersistenceError.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "channel_test_support.h"

namespace channels::testing {
namespace {

using ChannelStoreRestart = ChannelStoreFixture;
using ChannelStoreFailurePolicy = ChannelStoreFixture;

INSTANTIATE_TEST_SUITE_P(Backends, ChannelStoreRestart,
                         ::testing::Values(Backend::kStore, Backend::kJob), BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, ChannelStoreFailurePolicy,
                         ::testing::Values(Backend::kStore, Backend::kJob), BackendName);

// ==== Persistence: write -> restart -> read-back ===============================

// nim: "outgoing buffer survives restart"
TEST_P(ChannelStoreRestart, OutgoingBufferSurvivesRestart) {
  {
    Session rm1 = Open();
    MustWrap(*rm1, "\x01\x02\x03", "msg-1", 1000);
    EXPECT_EQ(OutgoingIdsOf(OnDisk()), std::vector<MessageId>{"msg-1"});
  }
  Config config;
  config.resend_interval_ms = 100;
  config.buffer_sweep_interval_ms = 10;
  Session rm2 = Open(config);
  ASSERT_EQ(rm2.channel().OutgoingIds(), std::vector<MessageId>{"msg-1"});
  const sds::OutgoingEntry& entry = rm2.channel().outgoing().at("msg-1");
  EXPECT_EQ(entry.message.content, (Bytes{1, 2, 3}));
  EXPECT_EQ(entry.message.lamport_timestamp, 1000u);
  EXPECT_EQ(entry.send_time_ms, 1000);
  EXPECT_EQ(entry.resend_attempts, 0u);

  rm2->Tick(1050);
  rm2->Tick(1200);
  std::vector<sds::Event> resends = OfKind(rm2->TakeEvents(), EventKind::kResend);
  ASSERT_EQ(resends.size(), 1u);
  EXPECT_EQ(Deserialize(resends[0].bytes).message_id, "msg-1");
  EXPECT_EQ(OnDisk().outgoing.at(0).resend_attempts, 1u);
}

// nim: "lamport clock survives restart"
// Spec rule, differs from nim-sds: max(now_ms, L + 1) on send.
TEST_P(ChannelStoreRestart, LamportClockSurvivesRestart) {
  {
    Session rm1 = Open();
    MustWrap(*rm1, "x", "m1", 42);
    EXPECT_EQ(OnDisk().lamport, 42u);
  }
  Session rm2 = Open();
  EXPECT_EQ(rm2.channel().lamport(), 42u);
}

// nim: "delivered messages survive restart and rebuild bloom"
TEST_P(ChannelStoreRestart, DeliveredMessagesSurviveRestartAndRebuildBloom) {
  const Bytes delivered = Serialize(PeerMessage("delivered-1", 1, {}, {9, 9}, kChannel, "bob"));
  {
    Session rm1 = Open();
    MustUnwrap(*rm1, delivered, 1000);
    EXPECT_EQ(LogIdsOf(OnDisk()), std::vector<MessageId>{"delivered-1"});
  }
  Session rm2 = Open();
  EXPECT_EQ(rm2.channel().LogIds(), std::vector<MessageId>{"delivered-1"});
  EXPECT_TRUE(rm2.channel().bloom().Contains("delivered-1"));
  EXPECT_EQ(rm2.channel().FindLogged("delivered-1")->message.content, (Bytes{9, 9}));
  EXPECT_EQ(rm2.channel().FindLogged("delivered-1")->message.sender_id, "bob");
  EXPECT_TRUE(MustUnwrap(*rm2, delivered, 2000).duplicate);
  EXPECT_EQ(CountKind(rm2->TakeEvents(), EventKind::kDelivered), 0u);
}

// nim: "ack removes outgoing entry from persistence"
// Spec behaviour: the empty-content acknowledging message is a sync message.
TEST_P(ChannelStoreRestart, AckRemovesOutgoingEntryFromPersistence) {
  Session rm = Open();
  MustWrap(*rm, "\x01", "msg-x", 1000);
  ASSERT_EQ(OutgoingIdsOf(OnDisk()), std::vector<MessageId>{"msg-x"});

  UnwrapResult result =
      MustUnwrap(*rm, PeerMessage("ack-bearer", 5, History({"msg-x"}), {}, kChannel, "bob"), 1001);
  EXPECT_EQ(result.kind, MessageKind::kSync);
  EXPECT_EQ(IdsOfKind(rm->TakeEvents(), EventKind::kAcknowledged), std::vector<MessageId>{"msg-x"});
  ChannelSnapshot stored = OnDisk();
  EXPECT_TRUE(stored.outgoing.empty());
  EXPECT_EQ(LogIdsOf(stored), std::vector<MessageId>{"msg-x"});
}

// nim: "removeChannel issues exactly one dropChannel call and wipes all state"
// Here: RemoveChannel commits exactly one transaction, after which the
// database holds no row of the channel in any category.
TEST_P(ChannelStoreRestart, RemoveChannelIssuesExactlyOneDropChannelCallAndWipesAllState) {
  Session rm = Open({}, "bob");
  MustWrap(*rm, "\x01", "msg-r", 1000);
  MustUnwrap(*rm, PeerMessage("waiting", 3, {Entry("gap", "alice")}, {1}, kChannel, "alice"), 1001);
  MustUnwrap(*rm, PeerMessage("held", 2, {}, {1}, kChannel, "alice"), 1002);
  Message request = PeerMessage("req", 4, {}, {1}, kChannel, "carol");
  request.repair_request = {Entry("held", "alice")};
  MustUnwrap(*rm, request, 1003);
  MustMarkMet(*rm, {"fetched"}, 1004);
  ChannelSnapshot before = OnDisk();
  ASSERT_EQ(before.outgoing.size(), 1u);
  ASSERT_GT(before.lamport, 0u);
  ASSERT_FALSE(before.log.empty());
  ASSERT_FALSE(before.incoming.empty());
  ASSERT_FALSE(before.outgoing_repair.empty());
  ASSERT_FALSE(before.incoming_repair.empty());
  ASSERT_FALSE(before.met.empty());
  ASSERT_EQ(side_.AllRows().size(), 1 + before.log.size() + before.outgoing.size() +
                                        before.incoming.size() + before.outgoing_repair.size() +
                                        before.incoming_repair.size() + before.met.size());

  commits_.Take();
  ASSERT_TRUE(rm->RemoveChannel(kChannel).has_value());
  EXPECT_EQ(commits_.Take(), 1);
  EXPECT_TRUE(side_.AllRows().empty());
  EXPECT_TRUE(OnDisk().empty());
  EXPECT_FALSE(rm->HasChannel(kChannel));
}

// nim: "noOpPersistence keeps existing manager working"
// Here: a manager without a Persistence runs next to a database and never
// touches it.
TEST_P(ChannelStoreRestart, NoOpPersistenceKeepsExistingManagerWorking) {
  Database database(GetParam(), scratch_.path());
  commits_.Take();
  sds::ReliabilityManager rm("alice");
  ASSERT_TRUE(rm.EnsureChannel(kChannel).has_value());
  MustWrap(rm, "\x01", "msg-n", 1000);
  EXPECT_EQ(MustFind(rm).OutgoingIds(), std::vector<MessageId>{"msg-n"});
  rm.Tick(1000);
  ASSERT_TRUE(rm.RemoveChannel(kChannel).has_value());
  EXPECT_EQ(commits_.count(), 0);
  EXPECT_TRUE(side_.AllRows().empty());
}

// nim: "continue operating after restart: lamport stays monotonic"
TEST_P(ChannelStoreRestart, ContinueOperatingAfterRestartLamportStaysMonotonic) {
  std::uint64_t lamport_after_session1 = 0;
  {
    Session rm1 = Open();
    MustWrap(*rm1, "\x01", "m1", 1000);
    lamport_after_session1 = OnDisk().lamport;
    EXPECT_GT(lamport_after_session1, 0u);
  }
  Session rm2 = Open();
  EXPECT_EQ(rm2.channel().lamport(), lamport_after_session1);
  Message m2 = Deserialize(MustWrap(*rm2, "\x02", "m2", 10));
  EXPECT_GT(*m2.lamport_timestamp, lamport_after_session1);
  EXPECT_GT(OnDisk().lamport, lamport_after_session1);
  EXPECT_EQ(rm2.channel().OutgoingIds(), (std::vector<MessageId>{"m1", "m2"}));
}

// nim: "multiple restart cycles preserve state"
TEST_P(ChannelStoreRestart, MultipleRestartCyclesPreserveState) {
  for (int i = 1; i <= 3; ++i) {
    Session rm = Open();
    MustWrap(*rm, "x", Numbered("m", i), 1000 * i);
  }
  Session final_session = Open();
  const std::vector<MessageId> expected{"m1", "m2", "m3"};
  EXPECT_EQ(final_session.channel().OutgoingIds(), expected);
  EXPECT_EQ(final_session.channel().LogIds(), expected);
  Message m4 = Deserialize(MustWrap(*final_session, "x", "m4", 4000));
  EXPECT_EQ(IdsOf(m4.causal_history), expected);
}

// nim: "incoming dep-waiting buffer survives restart with missingDeps intact"
TEST_P(ChannelStoreRestart, IncomingDepWaitingBufferSurvivesRestartWithMissingDepsIntact) {
  {
    Session rm1 = Open();
    MustUnwrap(*rm1,
               PeerMessage("msg-with-deps", 10, History({"missing-dep"}), {7}, kChannel, "carol"),
               1000);
    EXPECT_EQ(IncomingIdsOf(OnDisk()), std::vector<MessageId>{"msg-with-deps"});
  }
  Session rm2 = Open();
  ASSERT_TRUE(rm2.channel().IsBuffered("msg-with-deps"));
  const sds::IncomingEntry& entry = rm2.channel().incoming().at("msg-with-deps");
  EXPECT_EQ(entry.missing, std::vector<MessageId>{"missing-dep"});
  EXPECT_EQ(entry.received_at_ms, 1000);
  EXPECT_EQ(entry.message.content, Bytes{7});

  MustMarkMet(*rm2, {"missing-dep"}, 2000);
  EXPECT_EQ(IdsOfKind(rm2->TakeEvents(), EventKind::kDelivered),
            std::vector<MessageId>{"msg-with-deps"});
  EXPECT_TRUE(OnDisk().incoming.empty());
}

// nim: "removeChannel + recreate does not inherit stale lamport"
TEST_P(ChannelStoreRestart, RemoveChannelAndRecreateDoesNotInheritStaleLamport) {
  {
    Session rm1 = Open();
    MustWrap(*rm1, "\x01", "m-old", 5000);
    EXPECT_EQ(OnDisk().lamport, 5000u);
    ASSERT_TRUE(rm1->RemoveChannel(kChannel).has_value());
    EXPECT_TRUE(side_.AllRows().empty());
  }
  Session rm2 = Open();
  EXPECT_EQ(rm2.channel().lamport(), 0u);
  EXPECT_TRUE(rm2.channel().outgoing().empty());
  EXPECT_EQ(Deserialize(MustWrap(*rm2, "x", "m-new", 1)).lamport_timestamp, 1u);
  EXPECT_TRUE(rm2->Wrap(kChannel, ToBytes("x"), "m-old", 2).has_value());
}

// nim: "SDS-R outgoing repair buffer survives restart with absolute t_req_at"
// Times are milliseconds here (nim-sds stores seconds).
TEST_P(ChannelStoreRestart, SdsROutgoingRepairBufferSurvivesRestartWithAbsoluteTReq) {
  const std::int64_t received_at = 1'700'000'000'123;
  std::int64_t original_t_req = 0;
  {
    Session rm1 = Open();
    MustUnwrap(
        *rm1,
        PeerMessage("msg-needs-repair", 5, {Entry("missing-dep", "bob")}, {1}, kChannel, "bob"),
        received_at);
    ChannelSnapshot stored = OnDisk();
    ASSERT_EQ(OutgoingRepairIdsOf(stored), std::vector<MessageId>{"missing-dep"});
    original_t_req = stored.outgoing_repair[0].t_req_ms;
    const Config defaults;
    EXPECT_EQ(original_t_req,
              received_at + sds::ComputeTReq("alice", "missing-dep", defaults.repair_t_min_ms,
                                             defaults.repair_t_max_ms, sds::StringHash::kFarm));
  }
  Session rm2 = Open();
  ASSERT_TRUE(rm2.channel().outgoing_repair().contains("missing-dep"));
  EXPECT_EQ(rm2.channel().outgoing_repair().at("missing-dep").t_req_ms, original_t_req);
  EXPECT_EQ(rm2.channel().outgoing_repair().at("missing-dep").entry, Entry("missing-dep", "bob"));

  Message early = Deserialize(MustWrap(*rm2, "x", "early", original_t_req - 1));
  EXPECT_TRUE(early.repair_request.empty());
  Message due = Deserialize(MustWrap(*rm2, "x", "due", original_t_req));
  EXPECT_EQ(IdsOf(due.repair_request), std::vector<MessageId>{"missing-dep"});
}

// nim: "FIFO eviction state survives restart"
TEST_P(ChannelStoreRestart, FifoEvictionStateSurvivesRestart) {
  Config small;
  small.max_message_history = 3;
  small.bloom_filter_capacity = 3;
  {
    Session rm1 = Open(small);
    for (int i = 1; i <= 5; ++i) {
      MustUnwrap(
          *rm1,
          PeerMessage(Numbered("m", i), i, {}, {static_cast<std::uint8_t>(i)}, kChannel, "bob"),
          1000 + i);
    }
    EXPECT_EQ(LogIdsOf(OnDisk()), (std::vector<MessageId>{"m3", "m4", "m5"}));
  }
  Session rm2 = Open(small);
  EXPECT_EQ(rm2.channel().LogIds(), (std::vector<MessageId>{"m3", "m4", "m5"}));
  MustUnwrap(*rm2, PeerMessage("m6", 6, {}, {6}, kChannel, "bob"), 2000);
  EXPECT_EQ(rm2.channel().LogIds(), (std::vector<MessageId>{"m4", "m5", "m6"}));
  EXPECT_EQ(LogIdsOf(OnDisk()), (std::vector<MessageId>{"m4", "m5", "m6"}));
}

// nim: "dep-clear cascade resumes correctly across a restart"
// (The root message comes from dave, as in tests/sds/persistence_test.cc.)
TEST_P(ChannelStoreRestart, DepClearCascadeResumesCorrectlyAcrossARestart) {
  {
    Session rm1 = Open();
    MustUnwrap(*rm1, PeerMessage("c", 30, History({"b"}), {3}, kChannel, "carol"), 1000);
    MustUnwrap(*rm1, PeerMessage("b", 20, History({"a"}), {2}, kChannel, "bob"), 1001);
    EXPECT_EQ(IncomingIdsOf(OnDisk()), (std::vector<MessageId>{"b", "c"}));
  }
  Session rm2 = Open();
  EXPECT_TRUE(rm2.channel().IsBuffered("b"));
  EXPECT_TRUE(rm2.channel().IsBuffered("c"));

  MustUnwrap(*rm2, PeerMessage("a", 10, {}, {1}, kChannel, "dave"), 2000);
  EXPECT_EQ(IdsOfKind(rm2->TakeEvents(), EventKind::kDelivered),
            (std::vector<MessageId>{"a", "b", "c"}));
  EXPECT_EQ(rm2.channel().LogIds(), (std::vector<MessageId>{"a", "b", "c"}));
  EXPECT_TRUE(rm2.channel().incoming().empty());
  ChannelSnapshot stored = OnDisk();
  EXPECT_TRUE(stored.incoming.empty());
  EXPECT_EQ(LogIdsOf(stored), (std::vector<MessageId>{"a", "b", "c"}));
  EXPECT_EQ(stored.lamport, 30u);
}

// ==== Persistence: failure policy ==============================================

// nim: "loadChannel failure surfaces as rePersistenceError on bootstrap"
// Here: a row that does not decode (garbage in sds.meta) fails the load.
TEST_P(ChannelStoreFailurePolicy, LoadChannelFailureSurfacesAsPersistenceErrorOnBootstrap) {
  const persistency::Key meta_key = *ChannelKey(kChannel);
  MustSucceed(side_.store().Apply(persistency::WriteBatch().Put(
                  std::string(kMetaCategory), meta_key, persistency::Bytes{0xde, 0xad})),
              "corrupt sds.meta");
  Database database(GetParam(), scratch_.path());
  sds::ReliabilityManager rm("alice", {}, &database.channels());

  sds::Status ensured = rm.EnsureChannel(kChannel);
  ASSERT_FALSE(ensured.has_value());
  EXPECT_EQ(ensured.error().kind, ErrorKind::kPersistenceError);
  EXPECT_NE(ensured.error().message.find("sds.meta"), std::string::npos)
      << ensured.error().ToString();
  EXPECT_FALSE(rm.HasChannel(kChannel));

  sds::Result<Bytes> wrapped = rm.Wrap(kChannel, ToBytes("x"), "m1", 1000);
  ASSERT_FALSE(wrapped.has_value());
  EXPECT_EQ(wrapped.error().kind, ErrorKind::kPersistenceError);

  sds::Result<UnwrapResult> unwrapped = rm.Unwrap(Serialize(PeerMessage("p1", 1, {}, {1})), 1000);
  ASSERT_FALSE(unwrapped.has_value());
  EXPECT_EQ(unwrapped.error().kind, ErrorKind::kPersistenceError);
  EXPECT_FALSE(rm.HasChannel(kChannel));
  EXPECT_TRUE(rm.TakeEvents().empty());

  // Nothing was half-created: once the row is repaired, the next attempt
  // loads and works.
  MustSucceed(side_.store().Apply(persistency::WriteBatch().Put(std::string(kMetaCategory),
                                                                meta_key, MetaPayload(7))),
              "repair sds.meta");
  EXPECT_TRUE(rm.EnsureChannel(kChannel).has_value());
  EXPECT_EQ(MustFind(rm).lamport(), 7u);
  EXPECT_TRUE(rm.Wrap(kChannel, ToBytes("x"), "m1", 1000).has_value());
  EXPECT_EQ(OutgoingIdsOf(OnDisk()), std::vector<MessageId>{"m1"});
}

// nim: "saveChannelMeta failure during send does NOT surface"
// Here: the database refuses the Wrap's transaction (clock, outgoing, log).
TEST_P(ChannelStoreFailurePolicy, SaveChannelMetaFailureDuringSendDoesNotSurface) {
  Session rm = Open();
  side_.RefuseWrites(true);
  sds::Result<Bytes> wrapped = rm->Wrap(kChannel, ToBytes("x"), "m1", 1000);
  side_.RefuseWrites(false);
  ASSERT_TRUE(wrapped.has_value()) << wrapped.error().ToString();
  EXPECT_EQ(rm.channel().lamport(), 1000u);
  EXPECT_EQ(rm.channel().OutgoingIds(), std::vector<MessageId>{"m1"});
  ChannelSnapshot stored = OnDisk();
  EXPECT_EQ(stored.lamport, 0u);
  EXPECT_TRUE(stored.outgoing.empty());
  EXPECT_TRUE(stored.log.empty());
}

// nim: "updateHistory failure during send does NOT surface"
TEST_P(ChannelStoreFailurePolicy, UpdateHistoryFailureDuringSendDoesNotSurface) {
  Session rm = Open();
  MustWrap(*rm, "x", "m0", 999);
  side_.RefuseWrites(true);
  sds::Result<Bytes> wrapped = rm->Wrap(kChannel, ToBytes("x"), "m1", 1000);
  ASSERT_TRUE(wrapped.has_value()) << wrapped.error().ToString();
  EXPECT_EQ(rm.channel().LogIds(), (std::vector<MessageId>{"m0", "m1"}));
  EXPECT_EQ(LogIdsOf(OnDisk()), std::vector<MessageId>{"m0"});
  // A receiver's failure is not surfaced either.
  EXPECT_TRUE(rm->Unwrap(Serialize(PeerMessage("p1", 1, {}, {1})), 1001).has_value());
  side_.RefuseWrites(false);
  EXPECT_TRUE(rm.channel().IsLogged("p1"));
  EXPECT_EQ(LogIdsOf(OnDisk()), std::vector<MessageId>{"m0"});
}

// nim: "updateHistory failure is retried via R2 pending-write queue"
// Here: the next step's transaction carries the refused change too.
TEST_P(ChannelStoreFailurePolicy, UpdateHistoryFailureIsRetriedViaPendingDelta) {
  {
    Session rm = Open();
    side_.RefuseWrites(true);
    MustWrap(*rm, "x", "m1", 1000);
    side_.RefuseWrites(false);
    EXPECT_TRUE(OnDisk().log.empty());
    commits_.Take();
    MustWrap(*rm, "y", "m2", 1001);
    EXPECT_EQ(commits_.Take(), 1);
  }
  Session restarted = Open();
  EXPECT_EQ(restarted.channel().LogIds(), (std::vector<MessageId>{"m1", "m2"}));
  EXPECT_EQ(restarted.channel().OutgoingIds(), (std::vector<MessageId>{"m1", "m2"}));
  EXPECT_EQ(restarted.channel().lamport(), 1001u);
}

// nim: "evict-then-re-add merge rule preserves the re-added message on disk"
TEST_P(ChannelStoreFailurePolicy, EvictThenReAddMergeRulePreservesReAddedMessage) {
  Config config;
  config.max_message_history = 1;
  const Bytes m1 = Serialize(PeerMessage("m1", 1, {}, {1}, kChannel, "bob"));
  {
    Session rm = Open(config);
    MustUnwrap(*rm, m1, 1000);
    ASSERT_EQ(LogIdsOf(OnDisk()), std::vector<MessageId>{"m1"});

    side_.RefuseWrites(true);
    MustUnwrap(*rm, PeerMessage("m2", 2, {}, {2}, kChannel, "bob"), 1001);  // evicts m1
    side_.RefuseWrites(false);
    ASSERT_EQ(rm.channel().LogIds(), std::vector<MessageId>{"m2"});
    ASSERT_EQ(LogIdsOf(OnDisk()), std::vector<MessageId>{"m1"});

    EXPECT_FALSE(MustUnwrap(*rm, m1, 1002).duplicate);
    ASSERT_EQ(rm.channel().LogIds(), std::vector<MessageId>{"m1"});
    EXPECT_EQ(LogIdsOf(OnDisk()), std::vector<MessageId>{"m1"});
  }
  Session restarted = Open(config);
  EXPECT_EQ(restarted.channel().LogIds(), std::vector<MessageId>{"m1"});
}

// nim: "pending queue survives idle ops (flush on next op without history changes)"
TEST_P(ChannelStoreFailurePolicy, PendingDeltaSurvivesIdleOps) {
  Session rm = Open();
  const Bytes p1 = Serialize(PeerMessage("p1", 1, {}, {1}, kChannel, "bob"));
  MustUnwrap(*rm, p1, 999);

  // A duplicate receipt.
  side_.RefuseWrites(true);
  MustWrap(*rm, "x", "m1", 1000);
  side_.RefuseWrites(false);
  ASSERT_FALSE(Contains(LogIdsOf(OnDisk()), "m1"));
  EXPECT_TRUE(MustUnwrap(*rm, p1, 1001).duplicate);
  EXPECT_TRUE(Contains(LogIdsOf(OnDisk()), "m1"));

  // MarkDependenciesMet with nothing to mark.
  side_.RefuseWrites(true);
  MustWrap(*rm, "x", "m2", 1002);
  side_.RefuseWrites(false);
  ASSERT_FALSE(Contains(LogIdsOf(OnDisk()), "m2"));
  MustMarkMet(*rm, {}, 1003);
  EXPECT_TRUE(Contains(LogIdsOf(OnDisk()), "m2"));

  // A Tick with nothing due.
  side_.RefuseWrites(true);
  MustWrap(*rm, "x", "m3", 1004);
  side_.RefuseWrites(false);
  ASSERT_FALSE(Contains(LogIdsOf(OnDisk()), "m3"));
  rm->Tick(1005);
  EXPECT_TRUE(Contains(LogIdsOf(OnDisk()), "m3"));
  EXPECT_EQ(OutgoingIdsOf(OnDisk()), (std::vector<MessageId>{"m1", "m2", "m3"}));
}

// nim: "dropChannel failure during removeChannel surfaces as rePersistenceError"
TEST_P(ChannelStoreFailurePolicy, DropChannelFailureDuringRemoveChannelSurfacesAsPersistenceError) {
  Session rm = Open();
  MustWrap(*rm, "x", "m1", 1000);
  const std::vector<std::string> rows = side_.AllRows();

  side_.RefuseWrites(true);
  sds::Status removed = rm->RemoveChannel(kChannel);
  ASSERT_FALSE(removed.has_value());
  EXPECT_EQ(removed.error().kind, ErrorKind::kPersistenceError);
  EXPECT_NE(removed.error().message.find("writes refused by the test"), std::string::npos)
      << removed.error().ToString();
  // Nothing was dropped, in memory or on disk.
  EXPECT_TRUE(rm->HasChannel(kChannel));
  EXPECT_EQ(rm.channel().OutgoingIds(), std::vector<MessageId>{"m1"});
  EXPECT_EQ(side_.AllRows(), rows);

  sds::Status reset = rm->Reset();
  ASSERT_FALSE(reset.has_value());
  EXPECT_EQ(reset.error().kind, ErrorKind::kPersistenceError);
  side_.RefuseWrites(false);

  EXPECT_TRUE(rm->RemoveChannel(kChannel).has_value());
  EXPECT_TRUE(side_.AllRows().empty());
}

}  // namespace
}  // namespace channels::testing
