// Fault injection under a ChannelStore on a SqliteStore (what a job's Web
// Worker runs). A conversation of Alice (persisted, on the FaultVfs) with
// Bob (in memory): sends, a lost message, acknowledgements, a gap and its
// repair request, ids marked met, resends, two restarts. It runs once to
// count its file operations, then once per injection point (every xRead,
// xWrite, xSync and xTruncate failing in turn; the disk filling up during
// every write). The conversation goes on after a failed commit (the engine
// keeps the delta for its next commit); a failed restart ends it. Checked:
//  - every storage error is the injected one, typed, and none appears
//    without a fault; a failed commit or load is a PersistenceError;
//  - a fault that reports nothing happened while the database closed;
//  - afterwards the database opens with the default VFS, integrity_check is
//    "ok" and the channel loads; what it holds is a state Alice's memory
//    was in since her last commit that succeeded: the state of that commit,
//    or of a later step whose commit reported failure (a commit whose sync
//    failed after its commit point is on disk all the same).
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "channel_test_support.h"
#include "fault_vfs.h"

namespace channels::testing {
namespace {

using persistency::testing_support::FaultKindName;
using persistency::testing_support::FaultPlan;
using persistency::testing_support::FaultVfs;
using persistency::testing_support::IsInjected;
using persistency::testing_support::TempDirInMemory;

// The storage errors ChannelStore saw (it reports them as PersistenceError).
class RecordingKv final : public KvAccess {
 public:
  RecordingKv(persistency::SqliteStore& store, std::vector<persistency::Error>& errors)
      : inner_(store), errors_(errors) {}

  persistency::Status Commit(persistency::WriteBatch batch) override {
    return Record(inner_.Commit(std::move(batch)));
  }
  persistency::Result<std::optional<persistency::Bytes>> Get(std::string_view category,
                                                             const persistency::Key& key) override {
    return Record(inner_.Get(category, key));
  }
  persistency::Result<std::vector<persistency::KvRow>> ScanPrefix(
      std::string_view category, const persistency::Key& prefix) override {
    return Record(inner_.ScanPrefix(category, prefix));
  }

 private:
  template <class T>
  T Record(T result) {
    if (!result) errors_.push_back(result.error());
    return result;
  }
  StoreKv inner_;
  std::vector<persistency::Error>& errors_;
};

// The outcome of every Commit, which the engine keeps to itself.
class CommitOutcomes final : public sds::Persistence {
 public:
  explicit CommitOutcomes(ChannelStore& store) : store_(store) {}

  sds::Result<sds::ChannelSnapshot> LoadChannel(const sds::ChannelId& channel) override {
    return store_.LoadChannel(channel);
  }
  sds::Status Commit(const sds::ChannelId& channel, const sds::ChannelDelta& delta) override {
    sds::Status committed = store_.Commit(channel, delta);
    if (!committed) failures.push_back(committed.error());
    return committed;
  }
  sds::Status DropChannel(const sds::ChannelId& channel) override {
    return store_.DropChannel(channel);
  }

  std::vector<sds::Error> failures;

 private:
  ChannelStore& store_;
};

// Alice's side: the database on the FaultVfs and her manager over it.
class Alice {
 public:
  Alice(const std::string& path, const persistency::StoreOptions& options, const Config& config,
        std::vector<persistency::Error>& storage_errors) {
    persistency::Result<std::unique_ptr<persistency::SqliteStore>> store =
        persistency::SqliteStore::Open(path, options);
    if (!store) {
      storage_errors.push_back(store.error());
      open_error_ = store.error().ToString();
      return;
    }
    store_ = std::move(*store);
    channels_ = std::make_unique<ChannelStore>(std::make_unique<RecordingKv>(*store_, storage_errors));
    outcomes_ = std::make_unique<CommitOutcomes>(*channels_);
    rm_ = std::make_unique<sds::ReliabilityManager>("alice", config, outcomes_.get());
    if (sds::Status ensured = rm_->EnsureChannel(kChannel); !ensured) {
      load_error_ = ensured.error();
      open_error_ = ensured.error().ToString();
    }
  }
  bool ready() const { return open_error_.empty(); }
  const std::string& open_error() const { return open_error_; }
  const std::optional<sds::Error>& load_error() const { return load_error_; }
  sds::ReliabilityManager& rm() { return *rm_; }
  ChannelSnapshot Memory() { return Canonical(sds::engine_test::MustFind(*rm_, kChannel).Snapshot()); }
  std::vector<sds::Error>& commit_failures() { return outcomes_->failures; }

 private:
  std::unique_ptr<persistency::SqliteStore> store_;
  std::unique_ptr<ChannelStore> channels_;
  std::unique_ptr<CommitOutcomes> outcomes_;
  std::unique_ptr<sds::ReliabilityManager> rm_;
  std::string open_error_;
  std::optional<sds::Error> load_error_;
};

Config FaultConfig() {
  Config config;
  config.resend_interval_ms = 1'000;
  config.buffer_sweep_interval_ms = 100;
  config.repair_t_min_ms = 100;
  config.repair_t_max_ms = 500;
  config.repair_sweep_interval_ms = 50;
  config.sync_message_interval_ms = 1'000'000;
  return config;
}

struct Outcome {
  std::vector<persistency::Error> storage_errors;
  std::vector<sds::Error> channel_errors;  // failed commits and loads
  std::string open_error;                  // the restart that ended the run
  std::vector<ChannelSnapshot> candidates;  // what the disk may hold
  bool fault_in_close = false;
};

// One run of the conversation. The candidates: Alice's state at her last
// successful commit (or load), and at every later step whose commit failed.
Outcome Converse(const std::string& path, const persistency::StoreOptions& options) {
  const Config config = FaultConfig();
  Outcome run;
  run.candidates.push_back(ChannelSnapshot{});
  sds::ReliabilityManager bob("bob", config);
  std::int64_t now = 1000;
  std::unique_ptr<Alice> alice;

  auto close = [&] {
    const std::uint64_t before = FaultVfs::Instance().failures();
    alice.reset();
    if (FaultVfs::Instance().failures() > before) run.fault_in_close = true;
  };
  auto open = [&] {
    close();
    alice = std::make_unique<Alice>(path, options, config, run.storage_errors);
    if (!alice->ready()) {
      if (alice->load_error()) run.channel_errors.push_back(*alice->load_error());
      run.open_error = alice->open_error();
      return false;
    }
    const ChannelSnapshot loaded = alice->Memory();
    // What was loaded must be a state the disk could hold; from now on it is.
    if (std::ranges::find(run.candidates, loaded) == run.candidates.end()) {
      run.open_error = "loaded a state Alice was never in";
      return false;
    }
    run.candidates = {loaded};
    return true;
  };
  // Runs one step of Alice's, then records what the disk may hold.
  auto step = [&](auto&& action) {
    std::vector<sds::Error>& failures = alice->commit_failures();
    const std::size_t failed_before = failures.size();
    action(alice->rm());
    alice->rm().TakeEvents();
    if (failures.size() > failed_before) {
      run.channel_errors.insert(run.channel_errors.end(), failures.begin() + failed_before,
                                failures.end());
      run.candidates.push_back(alice->Memory());
    } else {
      run.candidates = {alice->Memory()};
    }
  };
  auto alice_sends = [&](std::string_view id, bool lost) {
    step([&](sds::ReliabilityManager& rm) {
      sds::Bytes bytes = MustWrap(rm, "from alice", id, now);
      if (!lost) MustUnwrap(bob, bytes, now);
    });
  };
  auto bob_sends = [&](std::string_view id, bool lost) {
    sds::Bytes bytes = MustWrap(bob, "from bob", id, now);
    if (!lost) step([&](sds::ReliabilityManager& rm) { MustUnwrap(rm, bytes, now); });
    return bytes;
  };

  if (open()) {
    alice_sends("a1", false);
    alice_sends("a2", true);
    bob_sends("b1", false);  // acknowledges a1
    const sds::Bytes b2 = bob_sends("b2", true);
    bob_sends("b3", false);  // waits for b2: buffered, b2 requested
    step([&](sds::ReliabilityManager& rm) { MustMarkMet(rm, {"x1", "x2"}, now); });
    now += 600;
    if (open()) {
      step([&](sds::ReliabilityManager& rm) { rm.Tick(now); });
      step([&](sds::ReliabilityManager& rm) { MustUnwrap(rm, b2, now); });  // b2, b3 delivered
      alice_sends("a3", false);
      now += config.resend_interval_ms + 1;
      step([&](sds::ReliabilityManager& rm) { rm.Tick(now); });  // a2 resent
      if (open()) {
        alice_sends("a4", false);
        bob_sends("b4", false);  // acknowledges a2 to a4
      }
    }
  }
  close();
  return run;
}

struct FaultCase {
  const char* name;
  persistency::JournalMode journal_mode;
  bool exclusive_locking;
};

// The browser worker's setting, and a rollback journal.
constexpr FaultCase kCases[] = {
    {"WalExclusiveFull", persistency::JournalMode::kWal, true},
    {"TruncateJournalFull", persistency::JournalMode::kTruncate, false},
};

void PrintTo(const FaultCase& c, std::ostream* out) { *out << c.name; }

class ChannelFaultInjection : public ::testing::TestWithParam<FaultCase> {
 protected:
  persistency::StoreOptions Options(bool through_faults) const {
    persistency::StoreOptions options;
    options.journal_mode = GetParam().journal_mode;
    options.exclusive_locking = GetParam().exclusive_locking;
    options.synchronous_full = true;
    if (through_faults) options.vfs = FaultVfs::kName;
    return options;
  }
  // The channel as stored, read with the default VFS.
  ChannelSnapshot Stored(const std::string& path, std::string& integrity) {
    auto store = MustGet(persistency::SqliteStore::Open(path, Options(false)), "reopen");
    integrity = MustGet(store->IntegrityCheck(), "integrity_check");
    ChannelStore channels(std::make_unique<StoreKv>(*store));
    return Canonical(sds::engine_test::Stored(channels, kChannel));
  }
};

INSTANTIATE_TEST_SUITE_P(Journals, ChannelFaultInjection, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST_P(ChannelFaultInjection, EveryFailingCallLeavesAChannelThatLoadsConsistently) {
  TempDirInMemory in_memory;
  FaultVfs& vfs = FaultVfs::Instance();

  std::vector<FaultPlan> plans;
  {
    ScratchDir scratch;
    const std::string path = scratch.Sub("alice.db");
    vfs.CountOnly();
    Outcome run = Converse(path, Options(true));
    ASSERT_EQ(run.open_error, "");
    ASSERT_TRUE(run.storage_errors.empty()) << run.storage_errors[0].ToString();
    ASSERT_EQ(run.candidates.size(), 1u);
    plans = vfs.EveryPlan();
    std::string integrity;
    const ChannelSnapshot stored = Stored(path, integrity);
    EXPECT_EQ(integrity, "ok");
    ASSERT_EQ(stored, run.candidates[0]);
    ASSERT_EQ(stored.log.size(), 8u);  // a1-a4 and b1-b4
    ASSERT_EQ(stored.met.size(), 2u);
  }

  std::map<std::string, std::map<std::string, int>> tallies;
  for (const FaultPlan& plan : plans) {
    SCOPED_TRACE(plan.ToString());
    ScratchDir scratch;
    const std::string path = scratch.Sub("alice.db");
    vfs.Arm(plan);
    Outcome run = Converse(path, Options(true));
    const std::uint64_t injected = vfs.failures();
    vfs.CountOnly();

    std::map<std::string, int>& tally =
        tallies[plan.full_disk ? "full-disk" : std::string(FaultKindName(plan.kind))];
    ++tally["points"];
    for (const persistency::Error& error : run.storage_errors) {
      EXPECT_GT(injected, 0u) << "an error without a fault: " << error.ToString();
      EXPECT_TRUE(IsInjected(error, plan)) << error.ToString();
    }
    for (const sds::Error& error : run.channel_errors) {
      EXPECT_EQ(error.kind, sds::ErrorKind::kPersistenceError) << error.ToString();
    }
    if (!run.storage_errors.empty()) {
      ++tally["surfaced"];
    } else if (injected > 0) {
      ++tally["absorbed"];
      EXPECT_TRUE(run.fault_in_close) << "a fault went unreported outside a close";
    }
    EXPECT_NE(run.open_error, "loaded a state Alice was never in");
    if (!run.channel_errors.empty() && run.open_error.empty()) ++tally["went on after"];

    std::string integrity;
    const ChannelSnapshot stored = Stored(path, integrity);
    EXPECT_EQ(integrity, "ok");
    EXPECT_NE(std::ranges::find(run.candidates, stored), run.candidates.end())
        << "the stored channel (" << stored.log.size() << " logged) is none of the "
        << run.candidates.size() << " states the disk may hold";
    if (HasFailure()) return;
  }
  // The sweep injects for real: commits fail, and a full disk is seen.
  EXPECT_GT(tallies["xWrite"]["went on after"], 0);
  EXPECT_GT(tallies["full-disk"]["surfaced"], 0);
  for (const auto& [kind, tally] : tallies) {
    auto count = [&](const char* key) { return tally.contains(key) ? tally.at(key) : 0; };
    std::printf("[ faults   ] %-10s %4d points: %4d surfaced as errors (%d with the conversation "
                "going on), %3d absorbed while closing\n",
                kind.c_str(), count("points"), count("surfaced"), count("went on after"),
                count("absorbed"));
  }
}

}  // namespace
}  // namespace channels::testing
