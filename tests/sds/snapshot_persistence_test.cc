// SnapshotPersistence (src/sds/snapshot_persistence.h): the engine over a
// store written against nim-sds's snapshot contract (saveChannelMeta /
// updateHistory / loadChannel / dropChannel).
//
// The first two suites run nim-sds's tests/test_persistence.nim cases, by
// their original names (in the comment above each test), against
// ReliabilityManager + SnapshotPersistence + InMemorySnapshotStore, a test
// store shaped like nim-sds's in_memory_persistence (meta replaced
// wholesale, history appended/evicted, injected failures by operation, call
// counters). "Restart" = a new SnapshotPersistence and ReliabilityManager
// over the same store. Time is injected (now_ms); the lamport clock follows
// the spec rule in milliseconds.
//
// The third suite covers what the adapter adds: when it calls the store,
// the order it writes history in, seq numbering on load, retries that send
// each change once, and a randomized run that checks the mirror and the
// store against the engine after every step.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine_test_support.h"
#include "sds/channel_records.h"
#include "sds/config.h"
#include "sds/error.h"
#include "sds/event.h"
#include "sds/message.h"
#include "sds/nim_codec.h"
#include "sds/reliability_manager.h"
#include "sds/repair.h"
#include "sds/snapshot_codec.h"
#include "sds/snapshot_persistence.h"

namespace sds {
namespace {

using namespace engine_test;  // NOLINT(google-build-using-namespace)

const ChannelId kChannel(kTestChannel);

// ---- an in-memory nim-style store ----------------------------------------------

class InMemorySnapshotStore final : public SnapshotStore {
 public:
  enum class Op { kSaveChannelMeta, kUpdateHistory, kLoadChannel, kDropChannel };
  struct Call {
    Op op;
    ChannelId channel;
    bool ok;
  };

  Status SaveChannelMeta(const ChannelId& channel, const ChannelMeta& meta) override {
    if (!Enter(Op::kSaveChannelMeta, channel)) return Injected("saveChannelMeta");
    Stored& stored = channels_[channel];
    stored.meta = meta;
    if (!keep_seqs_) {
      for (OutgoingEntry& entry : stored.meta.outgoing) entry.seq = 0;
    }
    return {};
  }

  Status UpdateHistory(const ChannelId& channel, const HistoryUpdate& update) override {
    CheckContract(update);
    if (!Enter(Op::kUpdateHistory, channel)) return Injected("updateHistory");
    std::vector<Message>& history = channels_[channel].history;
    for (const MessageId& id : update.evict) Erase(history, id);
    for (const Message& message : update.append) {
      Erase(history, message.message_id);  // an append of a held id moves it to the newest place
      history.push_back(message);
    }
    updates_[channel].push_back(update);
    return {};
  }

  Result<ChannelData> LoadChannel(const ChannelId& channel) override {
    if (!Enter(Op::kLoadChannel, channel)) return Injected("loadChannel");
    return Peek(channel);
  }

  Status DropChannel(const ChannelId& channel) override {
    if (!Enter(Op::kDropChannel, channel)) return Injected("dropChannel");
    channels_.erase(channel);
    return {};
  }

  // nim's `failingOps`: every call of `op` fails until healed.
  void Fail(Op op) { failing_.insert(op); }
  void Heal(Op op) { failing_.erase(op); }
  void SetFailing(Op op, bool failing) { failing ? Fail(op) : Heal(op); }
  bool failing(Op op) const { return failing_.contains(op); }
  // A store that does not keep outgoing seqs (writes them as 0).
  void set_keep_seqs(bool keep) { keep_seqs_ = keep; }

  // Calls of `op` (failed ones included), optionally for one channel only.
  int calls(Op op) const {
    return static_cast<int>(std::ranges::count(log_, op, &Call::op));
  }
  int calls(Op op, const ChannelId& channel) const {
    return static_cast<int>(std::ranges::count_if(
        log_, [&](const Call& call) { return call.op == op && call.channel == channel; }));
  }
  int failed_calls(Op op) const {
    return static_cast<int>(
        std::ranges::count_if(log_, [&](const Call& call) { return call.op == op && !call.ok; }));
  }
  const std::vector<Call>& call_log() const { return log_; }
  // The operations called since `from` (an index into call_log()).
  std::vector<Op> OpsSince(std::size_t from) const {
    std::vector<Op> ops;
    for (std::size_t i = from; i < log_.size(); ++i) ops.push_back(log_[i].op);
    return ops;
  }
  // The batches UpdateHistory took for `channel`, in order.
  const std::vector<HistoryUpdate>& updates(const ChannelId& channel) {
    return updates_[channel];
  }

  // What the store holds, without counting a call.
  ChannelData Peek(const ChannelId& channel) const {
    auto found = channels_.find(channel);
    if (found == channels_.end()) return {};
    return ChannelData{found->second.meta, found->second.history};
  }
  bool HasChannel(const ChannelId& channel) const { return channels_.contains(channel); }

 private:
  struct Stored {
    ChannelMeta meta;
    std::vector<Message> history;
  };

  bool Enter(Op op, const ChannelId& channel) {
    const bool ok = !failing_.contains(op);
    log_.push_back({op, channel, ok});
    return ok;
  }
  static std::unexpected<Error> Injected(std::string_view op) {
    return MakeError(ErrorKind::kPersistenceError, "injected backend failure: " + std::string(op));
  }
  static void Erase(std::vector<Message>& history, const MessageId& id) {
    std::erase_if(history, [&](const Message& message) { return message.message_id == id; });
  }
  // No id twice in one batch, nor in both lists.
  static void CheckContract(const HistoryUpdate& update) {
    std::set<MessageId> ids;
    for (const Message& message : update.append) {
      if (!ids.insert(message.message_id).second) {
        ADD_FAILURE() << "appended twice: " << message.message_id;
      }
    }
    for (const MessageId& id : update.evict) {
      if (!ids.insert(id).second) ADD_FAILURE() << "in both lists or evicted twice: " << id;
    }
  }

  std::map<ChannelId, Stored> channels_;
  std::map<ChannelId, std::vector<HistoryUpdate>> updates_;
  std::set<Op> failing_;
  std::vector<Call> log_;
  bool keep_seqs_ = true;
};

using Op = InMemorySnapshotStore::Op;

// ---- sessions and helpers ------------------------------------------------------

// One run of the application: an adapter and a manager ("alice" unless
// told) over `store`, with kTestChannel loaded. Destroying it is a restart.
struct Session {
  explicit Session(SnapshotStore& store, Config config = {}, ParticipantId participant = "alice")
      : persistence(std::make_unique<SnapshotPersistence>(store)),
        rm(std::make_unique<ReliabilityManager>(std::move(participant), std::move(config),
                                                persistence.get())) {
    Status ensured = rm->EnsureChannel(kChannel);
    EXPECT_TRUE(ensured.has_value()) << (ensured ? "" : ensured.error().ToString());
  }
  ReliabilityManager* operator->() { return rm.get(); }
  ReliabilityManager& operator*() { return *rm; }
  const Channel& channel() { return MustFind(*rm); }

  std::unique_ptr<SnapshotPersistence> persistence;  // outlives rm
  std::unique_ptr<ReliabilityManager> rm;
};

// The store's content as a snapshot, for the id helpers of engine_test_support.h.
ChannelSnapshot OnDisk(const InMemorySnapshotStore& store,
                       std::string_view channel = kTestChannel) {
  return ToChannelSnapshot(store.Peek(std::string(channel)));
}

std::vector<MessageId> AppendIds(const HistoryUpdate& update) {
  std::vector<MessageId> ids;
  for (const Message& message : update.append) ids.push_back(message.message_id);
  return ids;
}

std::vector<Message> LogMessages(const ChannelSnapshot& snapshot) {
  std::vector<Message> messages;
  for (const LoggedMessage& logged : snapshot.log) messages.push_back(logged.message);
  return messages;
}

// Met ids sorted: ChannelDelta does not say in which order one step marked
// several ids, so only the set is comparable.
ChannelMeta MetSorted(ChannelMeta meta) {
  std::ranges::sort(meta.met);
  return meta;
}

Message FromBob(std::string id, std::uint64_t lamport, std::uint8_t content) {
  return PeerMessage(std::move(id), lamport, {}, {content}, kChannel, "bob");
}

// ==== nim-sds: "Persistence: write → restart → read-back" =========================

// nim: "outgoing buffer survives restart"
TEST(SnapshotPersistenceRestart, OutgoingBufferSurvivesRestart) {
  InMemorySnapshotStore store;
  {
    Session s1(store);
    MustWrap(*s1, "\x01\x02\x03", "msg-1", 1000);
    EXPECT_EQ(OutgoingIdsOf(OnDisk(store)), std::vector<MessageId>{"msg-1"});
  }
  Config config;
  config.resend_interval_ms = 100;
  config.buffer_sweep_interval_ms = 10;
  Session s2(store, config);
  ASSERT_EQ(s2.channel().OutgoingIds(), std::vector<MessageId>{"msg-1"});
  const OutgoingEntry& entry = s2.channel().outgoing().at("msg-1");
  EXPECT_EQ(entry.message.content, (Bytes{1, 2, 3}));
  EXPECT_EQ(entry.message.lamport_timestamp, 1000u);
  EXPECT_EQ(entry.send_time_ms, 1000);
  EXPECT_EQ(entry.resend_attempts, 0u);

  // Still resent after the restart, and the attempt is stored.
  s2->Tick(1050);
  s2->Tick(1200);
  std::vector<Event> resends = OfKind(s2->TakeEvents(), EventKind::kResend);
  ASSERT_EQ(resends.size(), 1u);
  EXPECT_EQ(Deserialize(resends[0].bytes).message_id, "msg-1");
  ASSERT_EQ(OnDisk(store).outgoing.size(), 1u);
  EXPECT_EQ(OnDisk(store).outgoing[0].resend_attempts, 1u);
}

// nim: "lamport clock survives restart"
// Spec rule, differs from nim-sds: the clock is max(now_ms, L + 1) on send
// (nim's updateLamportTimestamp(42) stores max(42, 0) + 1 = 43).
TEST(SnapshotPersistenceRestart, LamportClockSurvivesRestart) {
  InMemorySnapshotStore store;
  {
    Session s1(store);
    MustWrap(*s1, "x", "m1", 42);
    EXPECT_EQ(store.Peek(kChannel).meta.lamport, 42u);
  }
  Session s2(store);
  EXPECT_EQ(s2.channel().lamport(), 42u);
}

// nim: "delivered messages survive restart and rebuild bloom"
TEST(SnapshotPersistenceRestart, DeliveredMessagesSurviveRestartAndRebuildBloom) {
  InMemorySnapshotStore store;
  const Bytes delivered = Serialize(PeerMessage("delivered-1", 1, {}, {9, 9}, kChannel, "bob"));
  {
    Session s1(store);
    MustUnwrap(*s1, delivered, 1000);
    ChannelData disk = store.Peek(kChannel);
    ASSERT_EQ(disk.history.size(), 1u);
    EXPECT_EQ(disk.history[0].message_id, "delivered-1");
    EXPECT_EQ(disk.history[0].content, (Bytes{9, 9}));
  }
  Session s2(store);
  EXPECT_EQ(s2.channel().LogIds(), std::vector<MessageId>{"delivered-1"});
  EXPECT_TRUE(s2.channel().bloom().Contains("delivered-1"));  // rebuilt from the log
  EXPECT_EQ(s2.channel().FindLogged("delivered-1")->message.sender_id, "bob");
  EXPECT_TRUE(MustUnwrap(*s2, delivered, 2000).duplicate);
  EXPECT_EQ(CountKind(s2->TakeEvents(), EventKind::kDelivered), 0u);
}

// nim: "ack removes outgoing entry from persistence"
// Spec behaviour, differs from nim-sds: the empty-content acknowledging
// message is a sync message here (processed for acks, never logged), so the
// step saves the meta and leaves the history alone.
TEST(SnapshotPersistenceRestart, AckRemovesOutgoingEntryFromPersistence) {
  InMemorySnapshotStore store;
  Session s(store);
  MustWrap(*s, "\x01", "msg-x", 1000);
  ASSERT_EQ(OutgoingIdsOf(OnDisk(store)), std::vector<MessageId>{"msg-x"});
  const int updates = store.calls(Op::kUpdateHistory);

  UnwrapResult result =
      MustUnwrap(*s, PeerMessage("ack-bearer", 5, History({"msg-x"}), {}, kChannel, "bob"), 1001);
  EXPECT_EQ(result.kind, MessageKind::kSync);
  EXPECT_EQ(IdsOfKind(s->TakeEvents(), EventKind::kAcknowledged), std::vector<MessageId>{"msg-x"});
  EXPECT_TRUE(OnDisk(store).outgoing.empty());
  EXPECT_EQ(LogIdsOf(OnDisk(store)), std::vector<MessageId>{"msg-x"});
  EXPECT_EQ(store.calls(Op::kUpdateHistory), updates);
}

// nim: "removeChannel issues exactly one dropChannel call and wipes all state"
TEST(SnapshotPersistenceRestart, RemoveChannelIssuesExactlyOneDropChannelCallAndWipesAllState) {
  InMemorySnapshotStore store;
  Session s(store, {}, "bob");
  MustWrap(*s, "\x01", "msg-r", 1000);
  MustUnwrap(*s, PeerMessage("waiting", 3, {Entry("gap", "alice")}, {1}, kChannel, "alice"), 1001);
  MustUnwrap(*s, PeerMessage("held", 2, {}, {1}, kChannel, "alice"), 1002);
  Message request = PeerMessage("req", 4, {}, {1}, kChannel, "carol");
  request.repair_request = {Entry("held", "alice")};
  MustUnwrap(*s, request, 1003);
  MustMarkMet(*s, {"fetched"}, 1004);
  ChannelData before = store.Peek(kChannel);
  ASSERT_EQ(before.meta.outgoing.size(), 1u);
  ASSERT_GT(before.meta.lamport, 0u);
  ASSERT_FALSE(before.history.empty());
  ASSERT_FALSE(before.meta.incoming.empty());
  ASSERT_FALSE(before.meta.outgoing_repair.empty());
  ASSERT_FALSE(before.meta.incoming_repair.empty());
  ASSERT_FALSE(before.meta.met.empty());
  ASSERT_EQ(store.calls(Op::kDropChannel), 0);

  ASSERT_TRUE(s->RemoveChannel(kChannel).has_value());
  EXPECT_EQ(store.calls(Op::kDropChannel, kChannel), 1);
  EXPECT_EQ(store.calls(Op::kDropChannel), 1);
  EXPECT_FALSE(store.HasChannel(kChannel));
  EXPECT_TRUE(store.Peek(kChannel).empty());
  EXPECT_FALSE(s->HasChannel(kChannel));
  EXPECT_FALSE(s.persistence->Mirrored(kChannel).has_value());
}

// nim: "continue operating after restart: lamport stays monotonic"
TEST(SnapshotPersistenceRestart, ContinueOperatingAfterRestartLamportStaysMonotonic) {
  InMemorySnapshotStore store;
  std::uint64_t lamport_after_session1 = 0;
  {
    Session s1(store);
    MustWrap(*s1, "\x01", "m1", 1000);
    lamport_after_session1 = store.Peek(kChannel).meta.lamport;
    EXPECT_GT(lamport_after_session1, 0u);
  }
  Session s2(store);
  EXPECT_EQ(s2.channel().lamport(), lamport_after_session1);
  // Even with a wall clock behind the stored clock.
  Message m2 = Deserialize(MustWrap(*s2, "\x02", "m2", 10));
  EXPECT_GT(*m2.lamport_timestamp, lamport_after_session1);
  EXPECT_GT(store.Peek(kChannel).meta.lamport, lamport_after_session1);
  EXPECT_EQ(s2.channel().OutgoingIds(), (std::vector<MessageId>{"m1", "m2"}));
}

// nim: "multiple restart cycles preserve state"
TEST(SnapshotPersistenceRestart, MultipleRestartCyclesPreserveState) {
  InMemorySnapshotStore store;
  for (int i = 1; i <= 3; ++i) {
    Session s(store);
    MustWrap(*s, "x", Numbered("m", i), 1000 * i);
  }
  Session final_session(store);
  const std::vector<MessageId> expected{"m1", "m2", "m3"};
  EXPECT_EQ(final_session.channel().OutgoingIds(), expected);
  EXPECT_EQ(final_session.channel().LogIds(), expected);
  EXPECT_EQ(LogIdsOf(OnDisk(store)), expected);
  // Each session's message cites the ones before it.
  Message m4 = Deserialize(MustWrap(*final_session, "x", "m4", 4000));
  EXPECT_EQ(IdsOf(m4.causal_history), expected);
}

// nim: "incoming dep-waiting buffer survives restart with missingDeps intact"
TEST(SnapshotPersistenceRestart, IncomingDepWaitingBufferSurvivesRestartWithMissingDepsIntact) {
  InMemorySnapshotStore store;
  {
    Session s1(store);
    MustUnwrap(*s1,
               PeerMessage("msg-with-deps", 10, History({"missing-dep"}), {7}, kChannel, "carol"),
               1000);
    EXPECT_EQ(IncomingIdsOf(OnDisk(store)), std::vector<MessageId>{"msg-with-deps"});
  }
  Session s2(store);
  ASSERT_TRUE(s2.channel().IsBuffered("msg-with-deps"));
  const IncomingEntry& entry = s2.channel().incoming().at("msg-with-deps");
  EXPECT_EQ(entry.missing, std::vector<MessageId>{"missing-dep"});
  EXPECT_EQ(entry.received_at_ms, 1000);
  EXPECT_EQ(entry.message.content, Bytes{7});

  MustMarkMet(*s2, {"missing-dep"}, 2000);
  EXPECT_EQ(IdsOfKind(s2->TakeEvents(), EventKind::kDelivered),
            std::vector<MessageId>{"msg-with-deps"});
  EXPECT_TRUE(OnDisk(store).incoming.empty());
  EXPECT_EQ(LogIdsOf(OnDisk(store)), std::vector<MessageId>{"msg-with-deps"});
}

// nim: "removeChannel + recreate does not inherit stale lamport"
TEST(SnapshotPersistenceRestart, RemoveChannelAndRecreateDoesNotInheritStaleLamport) {
  InMemorySnapshotStore store;
  {
    Session s1(store);
    MustWrap(*s1, "\x01", "m-old", 5000);
    EXPECT_EQ(store.Peek(kChannel).meta.lamport, 5000u);
    ASSERT_TRUE(s1->RemoveChannel(kChannel).has_value());
    EXPECT_FALSE(store.HasChannel(kChannel));
  }
  Session s2(store);
  EXPECT_EQ(s2.channel().lamport(), 0u);
  EXPECT_TRUE(s2.channel().outgoing().empty());
  EXPECT_TRUE(s2.channel().LogIds().empty());
  EXPECT_EQ(Deserialize(MustWrap(*s2, "x", "m-new", 1)).lamport_timestamp, 1u);
  EXPECT_EQ(store.Peek(kChannel).meta.lamport, 1u);
}

// nim: "SDS-R outgoing repair buffer survives restart with absolute t_req_at"
// Times are milliseconds here (nim-sds stores seconds).
TEST(SnapshotPersistenceRestart, SdsROutgoingRepairBufferSurvivesRestartWithAbsoluteTReqAt) {
  InMemorySnapshotStore store;
  const std::int64_t received_at = 1'700'000'000'123;
  std::int64_t original_t_req = 0;
  {
    Session s1(store);
    MustUnwrap(*s1,
               PeerMessage("msg-needs-repair", 5, {Entry("missing-dep", "bob")}, {1}, kChannel,
                           "bob"),
               received_at);
    ChannelSnapshot disk = OnDisk(store);
    ASSERT_EQ(OutgoingRepairIdsOf(disk), std::vector<MessageId>{"missing-dep"});
    original_t_req = disk.outgoing_repair[0].t_req_ms;
    const Config defaults;
    EXPECT_EQ(original_t_req,
              received_at + ComputeTReq("alice", "missing-dep", defaults.repair_t_min_ms,
                                        defaults.repair_t_max_ms, StringHash::kFarm));
  }
  Session s2(store);
  ASSERT_TRUE(s2.channel().outgoing_repair().contains("missing-dep"));
  EXPECT_EQ(s2.channel().outgoing_repair().at("missing-dep").t_req_ms, original_t_req);
  EXPECT_EQ(s2.channel().outgoing_repair().at("missing-dep").entry, Entry("missing-dep", "bob"));

  // Due at the stored time, not relative to the restart.
  Message early = Deserialize(MustWrap(*s2, "x", "early", original_t_req - 1));
  EXPECT_TRUE(early.repair_request.empty());
  Message due = Deserialize(MustWrap(*s2, "x", "due", original_t_req));
  EXPECT_EQ(IdsOf(due.repair_request), std::vector<MessageId>{"missing-dep"});
  EXPECT_TRUE(OnDisk(store).outgoing_repair.empty());
}

// nim: "FIFO eviction state survives restart" (max history 3)
TEST(SnapshotPersistenceRestart, FifoEvictionStateSurvivesRestart) {
  Config small;
  small.max_message_history = 3;
  small.bloom_filter_capacity = 3;
  InMemorySnapshotStore store;
  {
    Session s1(store, small);
    for (int i = 1; i <= 5; ++i) {
      const auto n = static_cast<std::uint8_t>(i);
      MustUnwrap(*s1, FromBob(Numbered("m", i), n, n), 1000 + i);
    }
    EXPECT_EQ(LogIdsOf(OnDisk(store)), (std::vector<MessageId>{"m3", "m4", "m5"}));
  }
  Session s2(store, small);
  EXPECT_EQ(s2.channel().LogIds(), (std::vector<MessageId>{"m3", "m4", "m5"}));
  // FIFO continues after the restart: m6 evicts m3, not a stale entry.
  MustUnwrap(*s2, FromBob("m6", 6, 6), 2000);
  EXPECT_EQ(s2.channel().LogIds(), (std::vector<MessageId>{"m4", "m5", "m6"}));
  EXPECT_EQ(LogIdsOf(OnDisk(store)), (std::vector<MessageId>{"m4", "m5", "m6"}));
  const HistoryUpdate& last = store.updates(kChannel).back();
  EXPECT_EQ(AppendIds(last), std::vector<MessageId>{"m6"});
  EXPECT_EQ(last.evict, std::vector<MessageId>{"m3"});
}

// nim: "dep-clear cascade resumes correctly across a restart"
TEST(SnapshotPersistenceRestart, DepClearCascadeResumesCorrectlyAcrossARestart) {
  InMemorySnapshotStore store;
  {
    Session s1(store);
    MustUnwrap(*s1, PeerMessage("c", 30, History({"b"}), {3}, kChannel, "carol"), 1000);
    MustUnwrap(*s1, PeerMessage("b", 20, History({"a"}), {2}, kChannel, "bob"), 1001);
    EXPECT_EQ(IncomingIdsOf(OnDisk(store)), (std::vector<MessageId>{"b", "c"}));
  }
  Session s2(store);
  EXPECT_TRUE(s2.channel().IsBuffered("b"));
  EXPECT_TRUE(s2.channel().IsBuffered("c"));

  // The root, alice's own message as in nim-sds (e.g. recovered from a store).
  const int updates = store.calls(Op::kUpdateHistory);
  MustUnwrap(*s2, PeerMessage("a", 10, {}, {1}, kChannel, "alice"), 2000);
  EXPECT_EQ(IdsOfKind(s2->TakeEvents(), EventKind::kDelivered),
            (std::vector<MessageId>{"a", "b", "c"}));
  EXPECT_EQ(s2.channel().LogIds(), (std::vector<MessageId>{"a", "b", "c"}));
  EXPECT_TRUE(s2.channel().incoming().empty());
  ChannelSnapshot disk = OnDisk(store);
  EXPECT_TRUE(disk.incoming.empty());
  EXPECT_EQ(LogIdsOf(disk), (std::vector<MessageId>{"a", "b", "c"}));
  EXPECT_EQ(disk.lamport, 30u);
  // The whole cascade is one history write.
  EXPECT_EQ(store.calls(Op::kUpdateHistory), updates + 1);
  EXPECT_EQ(AppendIds(store.updates(kChannel).back()), (std::vector<MessageId>{"a", "b", "c"}));
}

// ==== nim-sds: "Persistence: failure policy" ===================================

// nim: "loadChannel failure surfaces as rePersistenceError on bootstrap"
TEST(SnapshotPersistenceFailurePolicy, LoadChannelFailureSurfacesAsPersistenceErrorOnBootstrap) {
  InMemorySnapshotStore store;
  SnapshotPersistence persistence(store);
  ReliabilityManager rm("alice", {}, &persistence);

  store.Fail(Op::kLoadChannel);
  Status ensured = rm.EnsureChannel(kChannel);
  ASSERT_FALSE(ensured.has_value());
  EXPECT_EQ(ensured.error().kind, ErrorKind::kPersistenceError);
  EXPECT_FALSE(rm.HasChannel(kChannel));
  EXPECT_FALSE(persistence.Mirrored(kChannel).has_value());

  Result<Bytes> wrapped = rm.Wrap(kChannel, ToBytes("x"), "m1", 1000);
  ASSERT_FALSE(wrapped.has_value());
  EXPECT_EQ(wrapped.error().kind, ErrorKind::kPersistenceError);
  Result<UnwrapResult> unwrapped = rm.Unwrap(Serialize(PeerMessage("p1", 1, {}, {1})), 1000);
  ASSERT_FALSE(unwrapped.has_value());
  EXPECT_EQ(unwrapped.error().kind, ErrorKind::kPersistenceError);
  EXPECT_FALSE(rm.HasChannel(kChannel));
  EXPECT_TRUE(rm.TakeEvents().empty());
  EXPECT_EQ(store.calls(Op::kSaveChannelMeta), 0);
  EXPECT_EQ(store.calls(Op::kUpdateHistory), 0);

  // Nothing was half-created: once the store answers, the channel loads.
  store.Heal(Op::kLoadChannel);
  EXPECT_TRUE(rm.EnsureChannel(kChannel).has_value());
  EXPECT_TRUE(rm.Wrap(kChannel, ToBytes("x"), "m1", 1000).has_value());
  EXPECT_EQ(OutgoingIdsOf(OnDisk(store)), std::vector<MessageId>{"m1"});
}

// nim: "saveChannelMeta failure during send does NOT surface — non-fatal policy"
TEST(SnapshotPersistenceFailurePolicy, SaveChannelMetaFailureDuringSendDoesNotSurface) {
  InMemorySnapshotStore store;
  Session s(store);
  store.Fail(Op::kSaveChannelMeta);
  Result<Bytes> wrapped = s->Wrap(kChannel, ToBytes("\x01"), "m1", 1000);
  ASSERT_TRUE(wrapped.has_value()) << wrapped.error().ToString();
  // In memory: correct.
  EXPECT_EQ(s.channel().OutgoingIds(), std::vector<MessageId>{"m1"});
  EXPECT_EQ(s.channel().lamport(), 1000u);
  // On disk: no meta; the history write of the same step went through (as
  // in nim-sds, the two are independent).
  EXPECT_EQ(store.failed_calls(Op::kSaveChannelMeta), 1);
  EXPECT_TRUE(OnDisk(store).outgoing.empty());
  EXPECT_EQ(OnDisk(store).lamport, 0u);
  EXPECT_EQ(LogIdsOf(OnDisk(store)), std::vector<MessageId>{"m1"});

  // Recovery: the next op's save carries both messages.
  store.Heal(Op::kSaveChannelMeta);
  ASSERT_TRUE(s->Wrap(kChannel, ToBytes("\x02"), "m2", 1001).has_value());
  EXPECT_EQ(OutgoingIdsOf(OnDisk(store)), (std::vector<MessageId>{"m1", "m2"}));
  EXPECT_EQ(OnDisk(store).lamport, 1001u);
  EXPECT_EQ(LogIdsOf(OnDisk(store)), (std::vector<MessageId>{"m1", "m2"}));
  // m1's history append is not sent again.
  EXPECT_EQ(AppendIds(store.updates(kChannel).back()), std::vector<MessageId>{"m2"});
}

// nim: "updateHistory failure during send does NOT surface — non-fatal policy"
TEST(SnapshotPersistenceFailurePolicy, UpdateHistoryFailureDuringSendDoesNotSurface) {
  InMemorySnapshotStore store;
  Session s(store);
  store.Fail(Op::kUpdateHistory);
  Result<Bytes> wrapped = s->Wrap(kChannel, ToBytes("\x01"), "m1", 1000);
  ASSERT_TRUE(wrapped.has_value()) << wrapped.error().ToString();
  EXPECT_EQ(s.channel().LogIds(), std::vector<MessageId>{"m1"});
  // The meta save of the same step went through.
  EXPECT_EQ(OutgoingIdsOf(OnDisk(store)), std::vector<MessageId>{"m1"});
  EXPECT_TRUE(OnDisk(store).log.empty());
  // Receiving is not failed either.
  EXPECT_TRUE(s->Unwrap(Serialize(PeerMessage("p1", 1, {}, {1})), 1001).has_value());
  EXPECT_TRUE(s.channel().IsLogged("p1"));
  EXPECT_EQ(store.failed_calls(Op::kUpdateHistory), 2);
}

// nim: "updateHistory failure is retried via R2 pending-write queue"
// Here the queue is the engine's kept delta: after a failed Commit the next
// step's Commit carries the earlier changes, merged.
TEST(SnapshotPersistenceFailurePolicy, UpdateHistoryFailureIsRetriedViaR2PendingWriteQueue) {
  InMemorySnapshotStore store;
  Session s(store);

  store.Fail(Op::kUpdateHistory);
  MustWrap(*s, "\x01", "m1", 1000);
  EXPECT_EQ(s.channel().LogIds(), std::vector<MessageId>{"m1"});
  EXPECT_TRUE(OnDisk(store).log.empty());
  MustWrap(*s, "\x02", "m2", 1001);
  EXPECT_TRUE(OnDisk(store).log.empty());
  EXPECT_EQ(store.failed_calls(Op::kUpdateHistory), 2);

  // Recovery: the next op drains everything pending plus its own change in
  // ONE call, in log order.
  store.Heal(Op::kUpdateHistory);
  const int calls_before = store.calls(Op::kUpdateHistory);
  MustWrap(*s, "\x03", "m3", 1002);
  EXPECT_EQ(store.calls(Op::kUpdateHistory), calls_before + 1);
  ASSERT_EQ(store.updates(kChannel).size(), 1u);
  EXPECT_EQ(AppendIds(store.updates(kChannel)[0]), (std::vector<MessageId>{"m1", "m2", "m3"}));
  EXPECT_EQ(LogIdsOf(OnDisk(store)), (std::vector<MessageId>{"m1", "m2", "m3"}));

  // A restart sees it all.
  Session restarted(store);
  EXPECT_EQ(restarted.channel().LogIds(), (std::vector<MessageId>{"m1", "m2", "m3"}));
  EXPECT_EQ(restarted.channel().OutgoingIds(), (std::vector<MessageId>{"m1", "m2", "m3"}));
}

// nim: "evict-then-re-add merge rule preserves the re-added message on disk"
TEST(SnapshotPersistenceFailurePolicy, EvictThenReAddMergeRulePreservesTheReAddedMessageOnDisk) {
  Config small;
  small.max_message_history = 2;
  small.bloom_filter_capacity = 2;
  InMemorySnapshotStore store;
  const Bytes m1 = Serialize(FromBob("m1", 1, 1));
  {
    Session s(store, small);
    // Break the backend, then fill past max history so m1 is evicted before
    // any flush succeeded.
    store.Fail(Op::kUpdateHistory);
    MustUnwrap(*s, m1, 1000);
    MustUnwrap(*s, FromBob("m2", 2, 2), 1001);
    MustUnwrap(*s, FromBob("m3", 3, 3), 1002);
    ASSERT_EQ(s.channel().LogIds(), (std::vector<MessageId>{"m2", "m3"}));

    // Re-delivery of m1 (e.g. an SDS-R repair): no longer logged, so logged
    // anew, evicting m2. Latest wins: m1's append replaces its eviction.
    EXPECT_FALSE(MustUnwrap(*s, m1, 1003).duplicate);
    ASSERT_EQ(s.channel().LogIds(), (std::vector<MessageId>{"m3", "m1"}));

    // Recover and flush (an op with no changes of its own).
    store.Heal(Op::kUpdateHistory);
    ASSERT_TRUE(s->EnsureChannel(kChannel).has_value());
    EXPECT_TRUE(Contains(LogIdsOf(OnDisk(store)), "m1"));
    EXPECT_EQ(LogIdsOf(OnDisk(store)), (std::vector<MessageId>{"m3", "m1"}));
    const HistoryUpdate& flushed = store.updates(kChannel).back();
    EXPECT_EQ(AppendIds(flushed), (std::vector<MessageId>{"m3", "m1"}));
    EXPECT_EQ(flushed.evict, std::vector<MessageId>{"m2"});
  }
  Session restarted(store, small);
  EXPECT_EQ(restarted.channel().LogIds(), (std::vector<MessageId>{"m3", "m1"}));
}

// nim: "pending queue survives idle ops (flush on next op without history changes)"
TEST(SnapshotPersistenceFailurePolicy, PendingQueueSurvivesIdleOps) {
  InMemorySnapshotStore store;
  Session s(store);
  s->Tick(0);  // so that the Tick below has nothing due
  const Bytes p1 = Serialize(PeerMessage("p1", 1, {}, {1}, kChannel, "bob"));
  MustUnwrap(*s, p1, 999);

  // nim's case: markDependenciesMet of an unknown id.
  store.Fail(Op::kUpdateHistory);
  MustWrap(*s, "\x01", "m1", 1000);
  ASSERT_FALSE(Contains(LogIdsOf(OnDisk(store)), "m1"));
  store.Heal(Op::kUpdateHistory);
  MustMarkMet(*s, {"nonexistent"}, 1001);
  EXPECT_TRUE(Contains(LogIdsOf(OnDisk(store)), "m1"));

  // Steps that change nothing at all flush as well, with a history write
  // only (the meta already reached the store).
  auto flushes_history_only = [&](auto idle_op, std::string_view id, std::int64_t now_ms) {
    store.Fail(Op::kUpdateHistory);
    MustWrap(*s, "\x02", id, now_ms);
    ASSERT_FALSE(Contains(LogIdsOf(OnDisk(store)), id));
    store.Heal(Op::kUpdateHistory);
    const std::size_t from = store.call_log().size();
    idle_op(now_ms + 1);
    EXPECT_EQ(store.OpsSince(from), std::vector<Op>{Op::kUpdateHistory}) << id;
    EXPECT_TRUE(Contains(LogIdsOf(OnDisk(store)), id)) << id;
  };
  flushes_history_only([&](std::int64_t now) { MustMarkMet(*s, {}, now); }, "m2", 1002);
  flushes_history_only([&](std::int64_t now) { EXPECT_TRUE(MustUnwrap(*s, p1, now).duplicate); },
                       "m3", 1004);
  flushes_history_only([&](std::int64_t now) { s->Tick(now); }, "m4", 1006);
  flushes_history_only([&](std::int64_t) { ASSERT_TRUE(s->EnsureChannel(kChannel).has_value()); },
                       "m5", 1008);
  EXPECT_EQ(LogIdsOf(OnDisk(store)), (std::vector<MessageId>{"p1", "m1", "m2", "m3", "m4", "m5"}));
  EXPECT_EQ(OutgoingIdsOf(OnDisk(store)), (std::vector<MessageId>{"m1", "m2", "m3", "m4", "m5"}));
}

// nim: "dropChannel failure during removeChannel surfaces as rePersistenceError"
TEST(SnapshotPersistenceFailurePolicy, DropChannelFailureDuringRemoveChannelSurfacesAsPersistenceError) {
  InMemorySnapshotStore store;
  Session s(store);
  MustWrap(*s, "x", "m1", 1000);

  store.Fail(Op::kDropChannel);
  Status removed = s->RemoveChannel(kChannel);
  ASSERT_FALSE(removed.has_value());
  EXPECT_EQ(removed.error().kind, ErrorKind::kPersistenceError);
  Status reset = s->Reset();
  ASSERT_FALSE(reset.has_value());
  EXPECT_EQ(reset.error().kind, ErrorKind::kPersistenceError);
  // Nothing was dropped, in memory, in the mirror or on disk; the channel
  // keeps working.
  EXPECT_TRUE(s->HasChannel(kChannel));
  EXPECT_TRUE(s.persistence->Mirrored(kChannel).has_value());
  EXPECT_TRUE(store.HasChannel(kChannel));
  MustWrap(*s, "x", "m2", 1001);
  EXPECT_EQ(OutgoingIdsOf(OnDisk(store)), (std::vector<MessageId>{"m1", "m2"}));

  store.Heal(Op::kDropChannel);
  EXPECT_TRUE(s->RemoveChannel(kChannel).has_value());
  EXPECT_FALSE(store.HasChannel(kChannel));
  EXPECT_FALSE(s.persistence->Mirrored(kChannel).has_value());
  EXPECT_EQ(store.calls(Op::kDropChannel, kChannel), 3);
}

// ==== The adapter ==================================================================

// One save of the whole meta when the meta changed, one history write when
// the log changed, in that order, and no call for a step that changed
// nothing.
TEST(SnapshotPersistenceAdapter, CallsTheStoreOnlyForWhatChanged) {
  InMemorySnapshotStore store;
  Session s(store);
  auto ops_of = [&](auto step) {
    const std::size_t from = store.call_log().size();
    step();
    return store.OpsSince(from);
  };
  using Ops = std::vector<Op>;

  // A send: clock, outgoing buffer and log.
  EXPECT_EQ(ops_of([&] { MustWrap(*s, "x", "m1", 1000); }),
            (Ops{Op::kSaveChannelMeta, Op::kUpdateHistory}));
  EXPECT_EQ(store.Peek(kChannel).meta, *s.persistence->Mirrored(kChannel));
  // A delivery below our clock: the log only.
  EXPECT_EQ(ops_of([&] { MustUnwrap(*s, PeerMessage("p1", 1, {}, {1}, kChannel, "bob"), 1001); }),
            Ops{Op::kUpdateHistory});
  // An acknowledgement by a sync message: the meta only.
  EXPECT_EQ(ops_of([&] {
              MustUnwrap(*s, PeerMessage("s1", 2, History({"m1"}), {}, kChannel, "bob"), 1002);
            }),
            Ops{Op::kSaveChannelMeta});
  EXPECT_TRUE(OnDisk(store).outgoing.empty());
  // Nothing changes: no call.
  EXPECT_EQ(ops_of([&] { MustUnwrap(*s, PeerMessage("p1", 1, {}, {1}, kChannel, "bob"), 1003); }),
            Ops{});
  EXPECT_EQ(ops_of([&] { MustMarkMet(*s, {}, 1004); }), Ops{});
  // A met id: the meta only.
  EXPECT_EQ(ops_of([&] { MustMarkMet(*s, {"fetched"}, 1005); }), Ops{Op::kSaveChannelMeta});
  EXPECT_EQ(store.Peek(kChannel).meta.met, std::vector<MessageId>{"fetched"});
}

// The history is written in log order (delivery order), not id order, and
// read back in that order.
TEST(SnapshotPersistenceAdapter, HistoryFollowsTheLogOrder) {
  InMemorySnapshotStore store;
  {
    Session s(store);
    MustUnwrap(*s, PeerMessage("a", 30, History({"b"}), {1}, kChannel, "bob"), 1000);
    MustUnwrap(*s, PeerMessage("b", 20, History({"c"}), {2}, kChannel, "bob"), 1001);
    MustUnwrap(*s, PeerMessage("c", 10, {}, {3}, kChannel, "bob"), 1002);
    ASSERT_EQ(s.channel().LogIds(), (std::vector<MessageId>{"c", "b", "a"}));
    EXPECT_EQ(AppendIds(store.updates(kChannel).back()), (std::vector<MessageId>{"c", "b", "a"}));
    MustWrap(*s, "x", "z", 2000);
  }
  EXPECT_EQ(LogIdsOf(OnDisk(store)), (std::vector<MessageId>{"c", "b", "a", "z"}));
  Session s(store);
  EXPECT_EQ(s.channel().LogIds(), (std::vector<MessageId>{"c", "b", "a", "z"}));
  // New messages go after the loaded ones, and cite them in order.
  Message next = Deserialize(MustWrap(*s, "x", "y", 3000));
  EXPECT_EQ(IdsOf(next.causal_history), (std::vector<MessageId>{"c", "b", "a", "z"}));
  EXPECT_EQ(s.channel().LogIds(), (std::vector<MessageId>{"c", "b", "a", "z", "y"}));
  EXPECT_EQ(LogIdsOf(OnDisk(store)), (std::vector<MessageId>{"c", "b", "a", "z", "y"}));
}

// An evicted message that comes back while its eviction has not reached
// the store is appended again; the store moves it to the newest place.
TEST(SnapshotPersistenceAdapter, ReAddOfAMessageStillOnDiskMovesItToTheNewestPlace) {
  Config small;
  small.max_message_history = 2;
  InMemorySnapshotStore store;
  const Bytes m1 = Serialize(FromBob("m1", 1, 1));
  {
    Session s(store, small);
    MustUnwrap(*s, m1, 1000);
    MustUnwrap(*s, FromBob("m2", 2, 2), 1001);
    ASSERT_EQ(LogIdsOf(OnDisk(store)), (std::vector<MessageId>{"m1", "m2"}));

    store.Fail(Op::kUpdateHistory);
    MustUnwrap(*s, FromBob("m3", 3, 3), 1002);  // evicts m1: not on disk
    MustUnwrap(*s, m1, 1003);                // m1 again, evicts m2
    ASSERT_EQ(s.channel().LogIds(), (std::vector<MessageId>{"m3", "m1"}));
    store.Heal(Op::kUpdateHistory);
    ASSERT_TRUE(s->EnsureChannel(kChannel).has_value());
    const HistoryUpdate& flushed = store.updates(kChannel).back();
    EXPECT_EQ(AppendIds(flushed), (std::vector<MessageId>{"m3", "m1"}));
    EXPECT_EQ(flushed.evict, std::vector<MessageId>{"m2"});
    EXPECT_EQ(LogIdsOf(OnDisk(store)), (std::vector<MessageId>{"m3", "m1"}));
  }
  Session s(store, small);
  EXPECT_EQ(s.channel().LogIds(), (std::vector<MessageId>{"m3", "m1"}));
  MustUnwrap(*s, FromBob("m4", 4, 4), 2000);  // FIFO evicts m3, the oldest
  EXPECT_EQ(LogIdsOf(OnDisk(store)), (std::vector<MessageId>{"m1", "m4"}));
}

// After a failed Commit the engine sends the delta again; the adapter sends
// the store only what it has not taken yet.
TEST(SnapshotPersistenceAdapter, RetriesSendEachChangeOnce) {
  InMemorySnapshotStore store;
  Session s(store);

  // The meta save failed, the history write did not.
  store.Fail(Op::kSaveChannelMeta);
  MustWrap(*s, "x", "m1", 1000);
  store.Heal(Op::kSaveChannelMeta);
  std::size_t from = store.call_log().size();
  MustMarkMet(*s, {}, 1001);  // no change of its own
  EXPECT_EQ(store.OpsSince(from), std::vector<Op>{Op::kSaveChannelMeta});
  EXPECT_EQ(OutgoingIdsOf(OnDisk(store)), std::vector<MessageId>{"m1"});
  EXPECT_EQ(store.updates(kChannel).size(), 1u);

  // The history write failed, the meta save did not.
  store.Fail(Op::kUpdateHistory);
  MustWrap(*s, "x", "m2", 1002);
  store.Heal(Op::kUpdateHistory);
  from = store.call_log().size();
  MustMarkMet(*s, {}, 1003);
  EXPECT_EQ(store.OpsSince(from), std::vector<Op>{Op::kUpdateHistory});
  EXPECT_EQ(AppendIds(store.updates(kChannel).back()), std::vector<MessageId>{"m2"});

  // Both failed: both are retried, with the newer changes merged in.
  store.Fail(Op::kSaveChannelMeta);
  store.Fail(Op::kUpdateHistory);
  MustWrap(*s, "x", "m3", 1004);
  store.Heal(Op::kSaveChannelMeta);
  store.Heal(Op::kUpdateHistory);
  from = store.call_log().size();
  MustWrap(*s, "x", "m4", 1005);
  EXPECT_EQ(store.OpsSince(from), (std::vector<Op>{Op::kSaveChannelMeta, Op::kUpdateHistory}));
  EXPECT_EQ(AppendIds(store.updates(kChannel).back()), (std::vector<MessageId>{"m3", "m4"}));
  EXPECT_EQ(OutgoingIdsOf(OnDisk(store)), (std::vector<MessageId>{"m1", "m2", "m3", "m4"}));
  EXPECT_EQ(LogIdsOf(OnDisk(store)), (std::vector<MessageId>{"m1", "m2", "m3", "m4"}));
  EXPECT_EQ(store.Peek(kChannel).meta, *s.persistence->Mirrored(kChannel));
}

// Seqs: a store may keep them or not; the outgoing buffer comes back in send
// order either way, and new records are numbered after the loaded ones.
TEST(SnapshotPersistenceAdapter, SendOrderSurvivesAStoreThatKeepsNoSeqs) {
  InMemorySnapshotStore store;
  store.set_keep_seqs(false);
  {
    Session s(store);
    MustWrap(*s, "x", "zz", 1000);
    MustWrap(*s, "x", "mm", 1001);
    MustWrap(*s, "x", "aa", 1002);
    for (const OutgoingEntry& entry : store.Peek(kChannel).meta.outgoing) EXPECT_EQ(entry.seq, 0u);
  }
  Session s(store);
  EXPECT_EQ(s.channel().OutgoingIds(), (std::vector<MessageId>{"zz", "mm", "aa"}));
  MustWrap(*s, "x", "bb", 2000);
  EXPECT_EQ(s.channel().OutgoingIds(), (std::vector<MessageId>{"zz", "mm", "aa", "bb"}));
  EXPECT_EQ(s.channel().LogIds(), (std::vector<MessageId>{"zz", "mm", "aa", "bb"}));
  EXPECT_EQ(OutgoingIdsOf(OnDisk(store)), (std::vector<MessageId>{"zz", "mm", "aa", "bb"}));
}

TEST(SnapshotPersistenceAdapter, ToChannelSnapshotNumbersSeqsAndKeepsTheLastCopyOfAnId) {
  ChannelData data;
  auto outgoing = [](std::string id, std::uint64_t seq) {
    return OutgoingEntry{.seq = seq, .message = FromBob(std::move(id), 1, 1)};
  };
  data.meta.lamport = 9;
  data.meta.outgoing = {outgoing("o1", 7), outgoing("o2", 0), outgoing("o3", 3), outgoing("o4", 0)};
  data.meta.met = {"x"};
  data.history = {FromBob("h1", 1, 1), FromBob("h2", 2, 2), FromBob("h1", 3, 3),
                  FromBob("h3", 4, 4)};

  ChannelSnapshot snapshot = ToChannelSnapshot(data);
  EXPECT_EQ(snapshot.lamport, 9u);
  EXPECT_EQ(snapshot.met, std::vector<MessageId>{"x"});
  std::vector<std::uint64_t> outgoing_seqs;
  for (const OutgoingEntry& entry : snapshot.outgoing) outgoing_seqs.push_back(entry.seq);
  EXPECT_EQ(outgoing_seqs, (std::vector<std::uint64_t>{7, 8, 3, 9}));
  ASSERT_EQ(LogIdsOf(snapshot), (std::vector<MessageId>{"h2", "h1", "h3"}));
  EXPECT_EQ(snapshot.log[1].message.content, Bytes{3});  // the later copy
  std::vector<std::uint64_t> log_seqs;
  for (const LoggedMessage& logged : snapshot.log) log_seqs.push_back(logged.seq);
  EXPECT_EQ(log_seqs, (std::vector<std::uint64_t>{10, 11, 12}));

  ChannelData back = ToChannelData(snapshot);
  EXPECT_EQ(back.history,
            (std::vector<Message>{FromBob("h2", 2, 2), FromBob("h1", 3, 3), FromBob("h3", 4, 4)}));
  EXPECT_EQ(back.meta, MetaOf(snapshot));
  EXPECT_EQ(ToChannelSnapshot(back), snapshot);
}

// A Commit for a channel the adapter has not loaded (a new adapter under a
// caller that did not load through it) loads it first, so the saved meta is
// complete rather than just the delta.
TEST(SnapshotPersistenceAdapter, CommitOfAChannelNotLoadedLoadsItFirst) {
  InMemorySnapshotStore store;
  { Session s(store); MustWrap(*s, "x", "m1", 1000); }

  SnapshotPersistence fresh(store);
  ChannelDelta delta;
  delta.lamport = 5000;
  ASSERT_TRUE(fresh.Commit(kChannel, delta).has_value());
  EXPECT_EQ(store.Peek(kChannel).meta.lamport, 5000u);
  EXPECT_EQ(OutgoingIdsOf(OnDisk(store)), std::vector<MessageId>{"m1"});
  EXPECT_EQ(LogIdsOf(OnDisk(store)), std::vector<MessageId>{"m1"});

  // When that load fails, nothing is written and the Commit fails.
  SnapshotPersistence other(store);
  store.Fail(Op::kLoadChannel);
  const int saves = store.calls(Op::kSaveChannelMeta);
  Status committed = other.Commit(kChannel, delta);
  ASSERT_FALSE(committed.has_value());
  EXPECT_EQ(committed.error().kind, ErrorKind::kPersistenceError);
  EXPECT_EQ(store.calls(Op::kSaveChannelMeta), saves);
  EXPECT_FALSE(other.Mirrored(kChannel).has_value());
}

// Reset drops every channel, one call each, and forgets their mirrors.
TEST(SnapshotPersistenceAdapter, ResetDropsEveryChannel) {
  InMemorySnapshotStore store;
  SnapshotPersistence persistence(store);
  ReliabilityManager rm("alice", {}, &persistence);
  MustWrap(rm, "x", "a1", 1000, "ch-a");
  MustWrap(rm, "x", "b1", 1000, "ch-b");
  ASSERT_TRUE(store.HasChannel("ch-a"));
  ASSERT_TRUE(store.HasChannel("ch-b"));
  ASSERT_TRUE(rm.Reset().has_value());
  EXPECT_EQ(store.calls(Op::kDropChannel, "ch-a"), 1);
  EXPECT_EQ(store.calls(Op::kDropChannel, "ch-b"), 1);
  EXPECT_FALSE(store.HasChannel("ch-a"));
  EXPECT_FALSE(store.HasChannel("ch-b"));
  EXPECT_FALSE(persistence.Mirrored("ch-a").has_value());
  EXPECT_FALSE(persistence.Mirrored("ch-b").has_value());
}

// A store that keeps bytes only, written with the snapshot codec: the meta
// as one blob (EncodeChannelSnapshot of a log-less snapshot), the history as
// one row per message (EncodeNim), the batches passed through
// EncodeHistoryUpdate as across an FFI boundary.
class CodecSnapshotStore final : public SnapshotStore {
 public:
  Status SaveChannelMeta(const ChannelId& channel, const ChannelMeta& meta) override {
    Result<Bytes> blob = EncodeChannelSnapshot(ToChannelSnapshot(ChannelData{meta, {}}));
    if (!blob) return std::unexpected(blob.error());
    channels_[channel].meta = std::move(*blob);
    return {};
  }
  Status UpdateHistory(const ChannelId& channel, const HistoryUpdate& update) override {
    Result<Bytes> wire = EncodeHistoryUpdate(update);
    if (!wire) return std::unexpected(wire.error());
    Result<HistoryUpdate> received = DecodeHistoryUpdate(*wire);
    if (!received) return std::unexpected(received.error());
    auto& rows = channels_[channel].history;
    auto erase = [&](const MessageId& id) {
      std::erase_if(rows, [&](const auto& row) { return row.first == id; });
    };
    for (const MessageId& id : received->evict) erase(id);
    for (const Message& message : received->append) {
      Result<Bytes> row = EncodeNim(message);
      if (!row) return std::unexpected(row.error());
      erase(message.message_id);
      rows.emplace_back(message.message_id, std::move(*row));
    }
    return {};
  }
  Result<ChannelData> LoadChannel(const ChannelId& channel) override {
    ChannelData data;
    auto found = channels_.find(channel);
    if (found == channels_.end()) return data;
    if (!found->second.meta.empty()) {
      Result<ChannelSnapshot> meta = DecodeChannelSnapshot(found->second.meta);
      if (!meta) return std::unexpected(meta.error());
      data.meta = MetaOf(*meta);
    }
    for (const auto& [id, row] : found->second.history) {
      Result<Message> message = DecodeNim(row);
      if (!message) return std::unexpected(message.error());
      data.history.push_back(std::move(*message));
    }
    return data;
  }
  Status DropChannel(const ChannelId& channel) override {
    channels_.erase(channel);
    return {};
  }

 private:
  struct Stored {
    Bytes meta;
    std::vector<std::pair<MessageId, Bytes>> history;
  };
  std::map<ChannelId, Stored> channels_;
};

TEST(SnapshotPersistenceAdapter, RoundTripsThroughAStoreThatKeepsCodecBytes) {
  Config config;
  config.max_message_history = 4;
  CodecSnapshotStore store;
  ChannelSnapshot before;
  {
    Session s(store, config, "bob");
    s->SetRetrievalHintProvider([](const MessageId& id) { return ToBytes("hint-" + id); });
    MustWrap(*s, "\x01", "own-1", 1000);
    MustUnwrap(*s, PeerMessage("waiting", 3, {Entry("gap", "alice", "h")}, {1}, kChannel, "alice"),
               1001);
    for (int i = 1; i <= 4; ++i) {
      MustUnwrap(*s,
                 PeerMessage(Numbered("held", i), 2, History({"own-1"}), {2}, kChannel, "alice"),
                 1002 + i);
    }
    Message request = PeerMessage("req", 4, {}, {1}, kChannel, "carol");
    request.repair_request = {Entry("held4", "alice")};
    MustUnwrap(*s, request, 1010);
    MustMarkMet(*s, {"fetched"}, 1011);
    MustWrap(*s, "\x02", "own-2", 1012);
    before = s.channel().Snapshot();
    ASSERT_FALSE(before.incoming.empty());
    ASSERT_FALSE(before.outgoing_repair.empty());
    ASSERT_FALSE(before.incoming_repair.empty());
  }
  Session s(store, config, "bob");
  ChannelSnapshot after = s.channel().Snapshot();
  EXPECT_EQ(MetaOf(after), MetaOf(before));
  EXPECT_EQ(LogMessages(after), LogMessages(before));
}

// A randomized run with store failures switched on and off: after every
// step the mirror equals the engine's state; once the store is healthy again
// and one step flushes, the store equals it too, and a restart restores it.
TEST(SnapshotPersistenceAdapter, MirrorAndStoreFollowTheEngineUnderRandomFailures) {
  Config config;
  config.max_message_history = 8;
  config.max_causal_history = 3;
  config.resend_interval_ms = 2'000;
  config.max_resend_attempts = 2;
  config.buffer_sweep_interval_ms = 1'000;
  config.repair_t_min_ms = 500;
  config.repair_t_max_ms = 4'000;
  config.repair_sweep_interval_ms = 500;
  config.sync_message_interval_ms = 3'000;
  config.incoming_buffer_timeout_ms = 15'000;
  config.bloom_filter_capacity = 40;  // also caps the met ids

  InMemorySnapshotStore store;
  Session alice(store, config);
  std::mt19937 rng(2882);
  auto below = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  auto chance = [&](std::size_t percent) { return below(100) < percent; };

  std::vector<MessageId> own;
  std::vector<MessageId> known;  // every id seen on the wire, own or not
  std::vector<Bytes> sent_by_peers;
  std::int64_t now = 1'000;
  int next = 0;
  auto any_id = [&]() -> MessageId {
    if (known.empty() || chance(25)) return Numbered("ghost", static_cast<long long>(below(12)));
    return known[below(known.size())];
  };

  for (int step = 0; step < 600; ++step) {
    now += static_cast<std::int64_t>(below(1'500));
    if (chance(15)) store.SetFailing(Op::kSaveChannelMeta, !store.failing(Op::kSaveChannelMeta));
    if (chance(15)) store.SetFailing(Op::kUpdateHistory, !store.failing(Op::kUpdateHistory));
    const std::size_t action = below(10);
    if (action < 2) {
      MessageId id = Numbered("a", ++next);
      MustWrap(*alice, "x", id, now);
      own.push_back(id);
      known.push_back(id);
    } else if (action < 5) {
      MessageId id = Numbered("p", ++next);
      std::vector<HistoryEntry> history;
      for (std::size_t k = below(4); k > 0; --k) {
        MessageId dep = any_id();
        if (std::ranges::find(history, dep, &HistoryEntry::message_id) == history.end()) {
          history.push_back(Entry(dep, "bob"));
        }
      }
      const auto lamport = static_cast<std::uint64_t>(below(static_cast<std::size_t>(now))) + 1;
      Message message = PeerMessage(id, lamport, std::move(history), {1}, kChannel,
                                    chance(50) ? "bob" : "carol");
      if (!own.empty() && chance(30)) message.bloom_filter = PeerBloom({own[below(own.size())]});
      if (chance(20)) message.repair_request = {Entry(any_id(), chance(50) ? "alice" : "bob")};
      sent_by_peers.push_back(Serialize(message));
      known.push_back(id);
      MustUnwrap(*alice, sent_by_peers.back(), now);
    } else if (action < 6 && !sent_by_peers.empty()) {
      MustUnwrap(*alice, sent_by_peers[below(sent_by_peers.size())], now);  // again
    } else if (action < 7 && !own.empty()) {
      // A sync message acknowledging one of ours.
      Message sync = PeerMessage(Numbered("s", ++next), static_cast<std::uint64_t>(now),
                                 {Entry(own[below(own.size())])}, {}, kChannel, "bob");
      MustUnwrap(*alice, sync, now);
    } else if (action < 8) {
      MustMarkMet(*alice, {any_id(), any_id()}, now);
    } else {
      alice->Tick(now);
    }
    alice->TakeEvents();
    std::optional<ChannelMeta> mirrored = alice.persistence->Mirrored(kChannel);
    ASSERT_TRUE(mirrored.has_value());
    ASSERT_TRUE(MetSorted(*mirrored) == MetSorted(MetaOf(alice.channel().Snapshot())))
        << "mirror differs from the engine after step " << step;
  }
  // The run exercised failures and recoveries of both writes.
  EXPECT_GT(store.failed_calls(Op::kSaveChannelMeta), 0);
  EXPECT_GT(store.failed_calls(Op::kUpdateHistory), 0);

  store.Heal(Op::kSaveChannelMeta);
  store.Heal(Op::kUpdateHistory);
  ASSERT_TRUE(alice->EnsureChannel(kChannel).has_value());  // flushes what is pending
  const ChannelSnapshot engine = alice.channel().Snapshot();
  const ChannelData disk = store.Peek(kChannel);
  EXPECT_TRUE(MetSorted(disk.meta) == MetSorted(MetaOf(engine)));
  EXPECT_EQ(disk.history, LogMessages(engine));

  Session restarted(store, config);
  const ChannelSnapshot again = restarted.channel().Snapshot();
  EXPECT_TRUE(MetSorted(MetaOf(again)) == MetSorted(MetaOf(engine)));
  EXPECT_EQ(LogMessages(again), LogMessages(engine));
  EXPECT_EQ(restarted.channel().lamport(), alice.channel().lamport());
}

}  // namespace
}  // namespace sds
