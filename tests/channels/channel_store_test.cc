// ChannelStore beyond the nim-sds port: exact restoration and a conversation
// that goes on across restarts, disk and memory in step under random steps
// and failures, one transaction per step, isolation of many channels, a
// full disk, rows that do not decode, the documented layout, and the limits
// of the key encoding.

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "channel_test_support.h"
#include "persistency/encoding.h"
#include "sds/snapshot_codec.h"

namespace channels::testing {
namespace {

using ChannelStoreTest = ChannelStoreFixture;
using ChannelStoreOnSqliteStore = ChannelStoreFixture;

INSTANTIATE_TEST_SUITE_P(Backends, ChannelStoreTest,
                         ::testing::Values(Backend::kStore, Backend::kJob), BackendName);
INSTANTIATE_TEST_SUITE_P(Backend, ChannelStoreOnSqliteStore, ::testing::Values(Backend::kStore),
                         BackendName);

// Passes the bytes `events` carry (resends, repair responses, syncs) to `to`.
void Relay(const std::vector<sds::Event>& events, sds::ReliabilityManager& to,
           std::int64_t now_ms) {
  for (const sds::Event& event : events) {
    if (event.kind == EventKind::kResend || event.kind == EventKind::kRepairReady ||
        event.kind == EventKind::kSyncReady) {
      MustUnwrap(to, event.bytes, now_ms);
    }
  }
}

Config ConversationConfig() {
  Config config;
  config.resend_interval_ms = 10'000;
  config.buffer_sweep_interval_ms = 100;
  config.repair_t_min_ms = 100;
  config.repair_t_max_ms = 1'000;
  config.repair_sweep_interval_ms = 50;
  config.sync_message_interval_ms = 1'000'000;
  return config;
}

// ---- restart ---------------------------------------------------------------------------

// Alice and Bob, each with a database of their own, restart at every stage of
// an exchange that needs every kind of persisted state: after each restart
// the channel is exactly what it was (records, clock, bloom filter bits),
// and the conversation goes on: an acknowledgement, an SDS-R repair and a
// resend all complete across restarts.
TEST_P(ChannelStoreTest, RestartRestoresStateExactlyAndTheConversationContinues) {
  ScratchDir bob_dir;
  const Config config = ConversationConfig();
  auto alice = std::make_unique<Session>(GetParam(), scratch_.path(), config, "alice");
  auto bob = std::make_unique<Session>(GetParam(), bob_dir.path(), config, "bob");
  // Both restart; each must come back exactly as it was.
  auto restart_both = [&] {
    const ChannelSnapshot alice_before = InMemory(*alice);
    const ChannelSnapshot bob_before = InMemory(*bob);
    const sds::BloomFilter alice_bloom = alice->channel().bloom().filter();
    const sds::BloomFilter bob_bloom = bob->channel().bloom().filter();
    alice.reset();
    bob.reset();
    alice = std::make_unique<Session>(GetParam(), scratch_.path(), config, "alice");
    bob = std::make_unique<Session>(GetParam(), bob_dir.path(), config, "bob");
    EXPECT_EQ(InMemory(*alice), alice_before);
    EXPECT_EQ(InMemory(*bob), bob_before);
    EXPECT_TRUE(alice->channel().bloom().filter() == alice_bloom);
    EXPECT_TRUE(bob->channel().bloom().filter() == bob_bloom);
  };

  MustUnwrap(bob->rm(), MustWrap(alice->rm(), "one", "a1", 1000), 1000);
  MustWrap(alice->rm(), "two", "a2", 1100);  // lost on the way to Bob
  sds::UnwrapResult waiting =
      MustUnwrap(bob->rm(), MustWrap(alice->rm(), "three", "a3", 1200), 1200);
  EXPECT_EQ(IdsOf(waiting.missing), std::vector<MessageId>{"a2"});
  ASSERT_TRUE(bob->channel().outgoing_repair().contains("a2"));
  // Bob's next message cites a1 (an acknowledgement) and carries a bloom
  // filter holding a3, which he keeps buffered (a first possible ack).
  MustUnwrap(alice->rm(), MustWrap(bob->rm(), "four", "b1", 1201), 1201);
  std::vector<sds::Event> alice_events = alice->rm().TakeEvents();
  EXPECT_EQ(IdsOfKind(alice_events, EventKind::kAcknowledged), std::vector<MessageId>{"a1"});
  EXPECT_EQ(IdsOfKind(alice_events, EventKind::kPossiblyAcknowledged),
            std::vector<MessageId>{"a3"});
  bob->rm().TakeEvents();
  restart_both();

  // Bob's repair request for a2 is due; it rides on his next message.
  const Message b2 = Deserialize(MustWrap(bob->rm(), "five", "b2", 2300));
  EXPECT_EQ(IdsOf(b2.repair_request), std::vector<MessageId>{"a2"});
  // Its bloom filter is the second hit on a3, which completes that
  // acknowledgement: the possible-ack count survived the restart.
  MustUnwrap(alice->rm(), Serialize(b2), 2300);
  ASSERT_TRUE(alice->channel().incoming_repair().contains("a2"));
  EXPECT_EQ(IdsOfKind(alice->rm().TakeEvents(), EventKind::kAcknowledged),
            std::vector<MessageId>{"a3"});
  restart_both();

  // Alice, restarted, answers the repair; Bob delivers a2 and the a3 it held.
  alice->rm().Tick(2300);
  std::vector<sds::Event> answered = alice->rm().TakeEvents();
  EXPECT_EQ(IdsOfKind(answered, EventKind::kRepairReady), std::vector<MessageId>{"a2"});
  Relay(answered, bob->rm(), 2300);
  EXPECT_EQ(IdsOfKind(bob->rm().TakeEvents(), EventKind::kDelivered),
            (std::vector<MessageId>{"a2", "a3"}));
  EXPECT_TRUE(bob->channel().incoming().empty());
  EXPECT_TRUE(bob->channel().outgoing_repair().empty());

  // Bob's next message acknowledges a2.
  MustUnwrap(alice->rm(), MustWrap(bob->rm(), "six", "b3", 2400), 2400);
  EXPECT_EQ(IdsOfKind(alice->rm().TakeEvents(), EventKind::kAcknowledged),
            std::vector<MessageId>{"a2"});
  EXPECT_TRUE(alice->channel().outgoing().empty());

  // A lost message is resent by the restarted Alice once its interval passed.
  MustWrap(alice->rm(), "seven", "a4", 2500);
  restart_both();
  const std::int64_t resend_at = 2500 + config.resend_interval_ms + 1;
  alice->rm().Tick(resend_at);
  std::vector<sds::Event> resent = alice->rm().TakeEvents();
  EXPECT_EQ(IdsOfKind(resent, EventKind::kResend), std::vector<MessageId>{"a4"});
  Relay(resent, bob->rm(), resend_at);
  EXPECT_EQ(IdsOfKind(bob->rm().TakeEvents(), EventKind::kDelivered), std::vector<MessageId>{"a4"});
  restart_both();
  EXPECT_EQ(OnDisk().outgoing.at(0).resend_attempts, 1u);
  EXPECT_EQ(InMemory(*alice), Canonical(OnDisk()));
}

// Random steps (sends, receipts with gaps and repair requests, marks, ticks),
// some with the database refusing writes, and occasional restarts. After a
// step whose transaction could commit, the disk holds exactly the memory;
// after a refused one, the disk is unchanged; after a restart, the memory is
// exactly the disk (the refused changes not yet retried are lost, as in a
// crash).
TEST_P(ChannelStoreTest, DiskFollowsMemoryThroughRandomStepsFailuresAndRestarts) {
  Config config = ConversationConfig();
  config.max_message_history = 8;
  config.bloom_filter_capacity = 16;
  config.max_resend_attempts = 2;
  config.resend_interval_ms = 300;
  std::mt19937 random(20240611);
  auto chance = [&](int percent) { return static_cast<int>(random() % 100) < percent; };
  auto session = std::make_unique<Session>(GetParam(), scratch_.path(), config, "alice");
  std::vector<MessageId> seen;  // ids a peer may cite
  std::int64_t now = 1000;

  for (int step = 0; step < 300; ++step) {
    now += static_cast<std::int64_t>(random() % 120);
    const bool refused = chance(20);
    side_.RefuseWrites(refused);
    const ChannelSnapshot disk_before = OnDisk();
    sds::ReliabilityManager& rm = session->rm();
    switch (random() % 4) {
      case 0: {
        // Random ids: key order (by id) is not send order.
        MessageId id = Numbered("a", random() % 1'000'000);
        MustWrap(rm, "x", id, now);
        seen.push_back(id);
        break;
      }
      case 1: {
        MessageId id = Numbered("p", random() % 1'000'000);
        std::vector<sds::HistoryEntry> history;
        if (!seen.empty()) history.push_back(Entry(seen[random() % seen.size()], "bob"));
        if (chance(30)) history.push_back(Entry(Numbered("never", step), "bob"));
        Message message = PeerMessage(id, static_cast<std::uint64_t>(step), history, {1}, kChannel,
                                      chance(50) ? "bob" : "carol");
        if (!seen.empty() && chance(30)) {
          // A recent id: one Alice may still hold, and so answer for.
          const std::size_t recent = std::min<std::size_t>(seen.size(), 8);
          message.repair_request = {Entry(seen[seen.size() - 1 - random() % recent], "alice")};
        }
        MustUnwrap(rm, message, now);
        seen.push_back(id);
        break;
      }
      case 2:
        MustMarkMet(rm, {Numbered("never", static_cast<long long>(random() % (step + 1)))}, now);
        break;
      default:
        rm.Tick(now);
        break;
    }
    rm.TakeEvents();
    side_.RefuseWrites(false);
    if (refused) {
      ASSERT_EQ(OnDisk(), disk_before) << "step " << step;
    } else {
      ASSERT_EQ(Canonical(OnDisk()), InMemory(*session)) << "step " << step;
    }
    if (chance(5)) {
      session.reset();
      session = std::make_unique<Session>(GetParam(), scratch_.path(), config, "alice");
      ASSERT_EQ(InMemory(*session), Canonical(OnDisk())) << "restart after step " << step;
    }
  }
}

// ---- transactions --------------------------------------------------------------------

// Every step that changes a channel commits exactly one transaction; a step
// that changes nothing commits none.
TEST_P(ChannelStoreTest, EachStepIsOneTransaction) {
  Config config = ConversationConfig();
  config.resend_interval_ms = 100;
  Session session = Open(config);
  commits_.Take();

  MustWrap(*session, "x", "m1", 1000);
  EXPECT_EQ(commits_.Take(), 1) << "wrap";
  MustUnwrap(*session, PeerMessage("p1", 1, History({"m1", "gap"}), {1}, kChannel, "bob"), 1001);
  EXPECT_EQ(commits_.Take(), 1) << "unwrap into the buffer, with an ack and a repair entry";
  MustMarkMet(*session, {"gap"}, 1002);
  EXPECT_EQ(commits_.Take(), 1) << "markDependenciesMet releasing the buffer";
  MustWrap(*session, "y", "m2", 1003);
  commits_.Take();
  session->Tick(1200);
  EXPECT_EQ(commits_.Take(), 1) << "tick resending";
  session->Tick(1201);
  EXPECT_EQ(commits_.Take(), 0) << "tick with nothing due";
  EXPECT_TRUE(MustUnwrap(*session, PeerMessage("p1", 1, {}, {1}, kChannel, "bob"), 1202).duplicate);
  EXPECT_EQ(commits_.Take(), 0) << "duplicate";
  ASSERT_TRUE(session->RemoveChannel(kChannel).has_value());
  EXPECT_EQ(commits_.Take(), 1) << "removeChannel";
}

// A full disk (PRAGMA max_page_count at the size the database had when the
// session opened it) refuses a large step as a whole: nothing of it is on
// disk, and the error is a kPersistenceError carrying QuotaExceeded. The
// session that restarts with room again holds exactly what is on disk.
TEST_P(ChannelStoreTest, FullDiskRefusesAStepAsAWhole) {
  { MustWrap(*Open(), "x", "m1", 1000); }
  const std::vector<std::string> rows = side_.AllRows();
  const std::string big(256 * 1024, 'b');
  {
    DatabaseSizeCap cap;
    Session session = Open();
    ASSERT_TRUE(session->Wrap(kChannel, ToBytes(big), "big", 2000).has_value());
    EXPECT_EQ(session.channel().LogIds(), (std::vector<MessageId>{"m1", "big"}));
    EXPECT_EQ(side_.AllRows(), rows);

    sds::ChannelDelta delta;
    delta.lamport = 3000;
    delta.log.emplace("direct", sds::LoggedMessage{99, PeerMessage("direct", 9, {}, ToBytes(big))});
    sds::Status direct = session.channels().Commit(kChannel, delta);
    ASSERT_FALSE(direct.has_value());
    EXPECT_EQ(direct.error().kind, ErrorKind::kPersistenceError);
    EXPECT_NE(direct.error().message.find("QuotaExceeded"), std::string::npos)
        << direct.error().ToString();
    EXPECT_EQ(side_.AllRows(), rows);
  }
  Session session = Open();
  EXPECT_EQ(session.channel().LogIds(), std::vector<MessageId>{"m1"});
  EXPECT_EQ(session.channel().lamport(), 1000u);
  MustWrap(*session, big, "big", 4000);
  EXPECT_EQ(Canonical(OnDisk()), InMemory(session));
}

// Room again on the same connection: the step after a refused one writes
// both (the engine merged the refused delta into it).
TEST_P(ChannelStoreOnSqliteStore, FullDiskThenRoomAgainTheNextStepCatchesUp) {
  Session session = Open();
  MustWrap(*session, "x", "m1", 1000);
  persistency::SqliteConnection& connection = session.database().store().connection();
  const std::int64_t pages = MustGet(connection.QueryInt64("PRAGMA page_count"), "page_count");
  MustSucceed(connection.Exec("PRAGMA max_page_count=" + std::to_string(pages)), "cap");
  const std::vector<std::string> rows = side_.AllRows();

  ASSERT_TRUE(
      session->Wrap(kChannel, ToBytes(std::string(256 * 1024, 'b')), "big", 2000).has_value());
  EXPECT_EQ(side_.AllRows(), rows);

  MustSucceed(connection.Exec("PRAGMA max_page_count=1000000"), "uncap");
  MustWrap(*session, "x", "m2", 3000);
  EXPECT_EQ(Canonical(OnDisk()), InMemory(session));
  EXPECT_EQ(LogIdsOf(OnDisk()), (std::vector<MessageId>{"m1", "big", "m2"}));
}

// A job closed under the store: commits fail (the engine keeps the change),
// loads and drops surface kPersistenceError naming the closed job.
TEST(ChannelStoreOnJob, AClosedJobFailsEveryCallAsPersistenceError) {
  ScratchDir scratch;
  auto persistency = MustGet(persistency::Persistency::Open(scratch.path().string()), "open");
  std::shared_ptr<persistency::Job> job = MustGet(persistency->OpenJob("sds"), "job");
  ChannelStore store(std::make_unique<JobKv>(job));
  sds::ReliabilityManager rm("alice", {}, &store);
  MustWrap(rm, "x", "m1", 1000);
  job->Close();

  EXPECT_TRUE(rm.Wrap(kChannel, ToBytes("y"), "m2", 1001).has_value());
  sds::Status removed = rm.RemoveChannel(kChannel);
  ASSERT_FALSE(removed.has_value());
  EXPECT_EQ(removed.error().kind, ErrorKind::kPersistenceError);
  EXPECT_NE(removed.error().message.find("Closed"), std::string::npos)
      << removed.error().ToString();
  sds::Result<ChannelSnapshot> loaded = store.LoadChannel("other");
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().kind, ErrorKind::kPersistenceError);
  persistency->Close();
}

// ---- channels ------------------------------------------------------------------------

// Channels whose ids are prefixes of one another, or differ only in a NUL
// byte, are stored apart: each restarts with its own state, and dropping
// some leaves the others' rows untouched.
TEST_P(ChannelStoreTest, ManyChannelsAreIsolated) {
  std::vector<sds::ChannelId> ids = {
      "c", "ch", "ch1", "ch10", std::string("ch\0", 3), std::string(300, 'x')};
  for (int i = 0; i < 24; ++i) ids.push_back(Numbered("room-", i));
  std::map<sds::ChannelId, ChannelSnapshot> before;
  {
    Session session = Open();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const auto t = static_cast<std::int64_t>(1000 + i);
      MustWrap(*session, "x", Numbered("own-", static_cast<long long>(i)), t, ids[i]);
      MustUnwrap(*session,
                 PeerMessage(Numbered("peer-", static_cast<long long>(i)), i + 1,
                             History({"gap-" + std::to_string(i % 3)}), {1}, ids[i], "bob"),
                 t);
      if (i % 2 == 0)
        MustMarkMet(*session, {Numbered("met-", static_cast<long long>(i))}, t, ids[i]);
    }
    for (const sds::ChannelId& id : ids) before[id] = InMemory(session, id);
  }
  Session session = Open();
  for (const sds::ChannelId& id : ids) {
    ASSERT_TRUE(session->EnsureChannel(id).has_value());
    EXPECT_EQ(InMemory(session, id), before[id]) << id;
    EXPECT_EQ(Canonical(OnDisk(id)), before[id]) << id;
  }
  for (const sds::ChannelId& id : {ids[1], ids[4], ids[10]}) {
    ASSERT_TRUE(session->RemoveChannel(id).has_value());
  }
  for (const sds::ChannelId& id : ids) {
    const bool dropped = id == ids[1] || id == ids[4] || id == ids[10];
    EXPECT_EQ(OnDisk(id).empty(), dropped) << id;
    if (!dropped) {
      EXPECT_EQ(Canonical(OnDisk(id)), before[id]) << id;
    }
  }
}

// ---- what is stored ------------------------------------------------------------------

// The rows are where docs/channels.md says: persistency keys (channel) and
// (channel, message id), the snapshot codec's record encodings.
TEST_P(ChannelStoreTest, RowsFollowTheDocumentedLayout) {
  Session session = Open();
  MustWrap(*session, "x", "m1", 1000);
  MustUnwrap(*session, PeerMessage("p1", 5, History({"gap"}), {2}, kChannel, "bob"), 1001);
  MustMarkMet(*session, {"fetched"}, 1002);
  persistency::SqliteStore& disk = side_.store();
  auto get = [&](std::string_view category, const persistency::Key& key) {
    std::optional<Bytes> payload = MustGet(disk.Get(category, key), "get");
    if (!payload) throw std::runtime_error("no row in " + std::string(category));
    return *payload;
  };
  const std::string channel(kChannel);
  EXPECT_EQ(get("sds.meta", persistency::MakeKey(channel)),
            persistency::MakePayload(std::uint8_t{1}, std::uint64_t{1000}));
  sds::Result<sds::LoggedMessage> logged =
      sds::DecodeLoggedMessage(get("sds.log", persistency::MakeKey(channel, std::string("m1"))));
  ASSERT_TRUE(logged.has_value());
  EXPECT_EQ(logged->message.content, ToBytes("x"));
  EXPECT_TRUE(sds::DecodeOutgoingEntry(
                  get("sds.outgoing", persistency::MakeKey(channel, std::string("m1"))))
                  .has_value());
  sds::Result<sds::IncomingEntry> incoming = sds::DecodeIncomingEntry(
      get("sds.incoming", persistency::MakeKey(channel, std::string("p1"))));
  ASSERT_TRUE(incoming.has_value());
  EXPECT_EQ(incoming->missing, std::vector<MessageId>{"gap"});
  EXPECT_TRUE(sds::DecodeOutgoingRepairEntry(
                  get("sds.repair.out", persistency::MakeKey(channel, std::string("gap"))))
                  .has_value());
  EXPECT_EQ(get("sds.met", persistency::MakeKey(channel, std::string("fetched"))),
            persistency::MakePayload(std::uint64_t{0}));
  EXPECT_EQ(side_.AllRows().size(), 6u);
}

// Met ids come back in the order they were marked, which decides which the
// engine forgets first; a commit to a channel the store has not loaded ranks
// its ids after the stored ones.
TEST_P(ChannelStoreTest, MetIdsKeepTheOrderTheyWereMarkedIn) {
  {
    Session session = Open();
    MustMarkMet(*session, {"z"}, 1000);
    MustMarkMet(*session, {"a"}, 1001);
    MustMarkMet(*session, {"m"}, 1002);
  }
  {
    Database database(GetParam(), scratch_.path());
    sds::ChannelDelta delta;
    delta.met.emplace("b", true);
    Seed(database.channels(), kChannel, delta);
  }
  Config small;
  small.bloom_filter_capacity = 4;
  Session session = Open(small);
  EXPECT_EQ(session.channel().Snapshot().met, (std::vector<MessageId>{"z", "a", "m", "b"}));
  MustMarkMet(*session, {"c"}, 2000);  // over capacity: the oldest, z, goes
  EXPECT_FALSE(session.channel().IsMet("z"));
  EXPECT_EQ(OnDisk().met, (std::vector<MessageId>{"a", "m", "b", "c"}));
}

// Rows the layout never writes fail the load with the category and id named;
// once the row is gone, the channel loads.
TEST_P(ChannelStoreTest, RowsThatDoNotDecodeFailTheLoad) {
  const std::string channel(kChannel);
  const persistency::Key channel_key = persistency::MakeKey(channel);
  persistency::Key trailing = persistency::MakeKey(channel, std::string("id"));
  trailing.mutable_bytes().push_back(0);
  const sds::Result<Bytes> other_message =
      sds::EncodeOutgoingEntry(sds::OutgoingEntry{1, PeerMessage("other", 1, {}, {1}), 5, 0, 0});
  ASSERT_TRUE(other_message.has_value());
  struct BadRow {
    std::string category;
    persistency::Key key;
    Bytes payload;
    std::string expected;
  };
  const std::vector<BadRow> bad_rows = {
      {"sds.meta", channel_key, persistency::MakePayload(std::uint8_t{2}, std::uint64_t{5}),
       "sds.meta payload"},
      {"sds.log",
       persistency::MakeKey(channel, std::string("x")),
       {0xff, 0xff},
       "sds.log record 'x'"},
      {"sds.outgoing", persistency::MakeKey(channel, std::string("mine")), *other_message,
       "holds message 'other'"},
      {"sds.met", persistency::MakeKey(channel, std::string("y")), {1, 2, 3}, "sds.met record 'y'"},
      {"sds.incoming", trailing, {}, "not one message id"},
  };
  for (const BadRow& bad : bad_rows) {
    SCOPED_TRACE(bad.category);
    MustSucceed(
        side_.store().Apply(persistency::WriteBatch().Put(bad.category, bad.key, bad.payload)),
        "write bad row");
    Database database(GetParam(), scratch_.path());
    sds::ReliabilityManager rm("alice", {}, &database.channels());
    sds::Status ensured = rm.EnsureChannel(kChannel);
    ASSERT_FALSE(ensured.has_value());
    EXPECT_EQ(ensured.error().kind, ErrorKind::kPersistenceError);
    EXPECT_NE(ensured.error().message.find(bad.expected), std::string::npos)
        << ensured.error().ToString();
    MustSucceed(side_.store().Apply(persistency::WriteBatch().Delete(bad.category, bad.key)),
                "remove bad row");
    EXPECT_TRUE(rm.EnsureChannel(kChannel).has_value());
  }
}

// Ids beyond the key encoding's 65535 bytes are refused with a
// kPersistenceError, and a delta holding one writes nothing at all.
TEST_P(ChannelStoreTest, IdsTooLongForAKeyAreRefused) {
  Database database(GetParam(), scratch_.path());
  const std::string long_id(70'000, 'l');
  sds::ChannelDelta delta;
  delta.lamport = 5;
  delta.log.emplace("fine", sds::LoggedMessage{1, PeerMessage("fine", 1, {}, {1})});
  delta.met.emplace(long_id, true);
  sds::Status committed = database.channels().Commit(kChannel, delta);
  ASSERT_FALSE(committed.has_value());
  EXPECT_EQ(committed.error().kind, ErrorKind::kPersistenceError);
  EXPECT_NE(committed.error().message.find("longer than 65535"), std::string::npos)
      << committed.error().ToString();
  EXPECT_TRUE(side_.AllRows().empty());

  sds::Result<ChannelSnapshot> loaded = database.channels().LoadChannel(long_id);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().kind, ErrorKind::kPersistenceError);
  EXPECT_FALSE(database.channels().DropChannel(long_id).has_value());
}

}  // namespace
}  // namespace channels::testing
