// Helpers for the ChannelStore suites: real SQLite databases in scratch
// directories, opened either as a bare SqliteStore (what a job's Web Worker
// owns) or as a native Job; sessions of a manager over them (destroying one
// closes the database: a restart); a second connection that reads what is
// committed and can make the database refuse writes; and a commit counter.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "channels/channel_layout.h"
#include "channels/channel_store.h"
#include "channels/job_kv.h"
#include "channels/store_kv.h"
#include "engine_test_support.h"
#include "persistency/job.h"
#include "persistency/persistency.h"
#include "persistency/sqlite_store.h"
#include "sds/channel_records.h"
#include "sds/config.h"
#include "sds/reliability_manager.h"
#include "test_support.h"

namespace channels::testing {

namespace fs = std::filesystem;
using persistency::testing_support::ScratchDir;

// The engine's names and test helpers the ChannelStore suites use unqualified.
using namespace sds::engine_test;  // NOLINT(google-build-using-namespace)
using sds::Bytes;
using sds::ChannelSnapshot;
using sds::Config;
using sds::ErrorKind;
using sds::EventKind;
using sds::Message;
using sds::MessageId;
using sds::MessageKind;
using sds::UnwrapResult;

inline const sds::ChannelId kChannel(kTestChannel);

enum class Backend { kStore, kJob };

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kStore ? "SqliteStore" : "Job";
}

// The job id every session opens; its file is <dir>/sds.db.
inline constexpr std::string_view kJobId = "sds";

inline fs::path DatabasePath(const fs::path& dir) { return dir / (std::string(kJobId) + ".db"); }

template <class T>
T MustGet(persistency::Result<T> result, std::string_view what) {
  if (!result) throw std::runtime_error(std::string(what) + ": " + result.error().ToString());
  return std::move(*result);
}

inline void MustSucceed(const persistency::Status& status, std::string_view what) {
  if (!status) throw std::runtime_error(std::string(what) + ": " + status.error().ToString());
}

// ---- the commit counter ------------------------------------------------------------

// Counts the transactions committed by every SQLite connection opened while
// it exists (a commit hook installed through sqlite3_auto_extension), on any
// thread: a Job's storage thread included. Connections opened by a
// SideConnection are not counted.
class CommitCounter {
 public:
  CommitCounter() {
    count_ = 0;
    sqlite3_auto_extension(reinterpret_cast<void (*)()>(&Install));
  }
  ~CommitCounter() { sqlite3_cancel_auto_extension(reinterpret_cast<void (*)()>(&Install)); }
  CommitCounter(const CommitCounter&) = delete;
  CommitCounter& operator=(const CommitCounter&) = delete;

  int count() const { return count_.load(); }
  // Commits since the last call.
  int Take() { return count_.exchange(0); }

  static void Ignore(sqlite3* db) { sqlite3_commit_hook(db, nullptr, nullptr); }

 private:
  static int Install(sqlite3* db, char**, const sqlite3_api_routines*) {
    sqlite3_commit_hook(db, &OnCommit, nullptr);
    return SQLITE_OK;
  }
  static int OnCommit(void*) {
    ++count_;
    return 0;  // let it commit
  }
  static inline std::atomic<int> count_{0};
};

// Caps every SQLite connection opened while it exists at the database's
// size at that moment (PRAGMA max_page_count, through sqlite3_auto_extension):
// a write that needs a new page fails with SQLITE_FULL, as on a full disk.
class DatabaseSizeCap {
 public:
  DatabaseSizeCap() { sqlite3_auto_extension(reinterpret_cast<void (*)()>(&Install)); }
  ~DatabaseSizeCap() { sqlite3_cancel_auto_extension(reinterpret_cast<void (*)()>(&Install)); }
  DatabaseSizeCap(const DatabaseSizeCap&) = delete;
  DatabaseSizeCap& operator=(const DatabaseSizeCap&) = delete;

 private:
  static int Install(sqlite3* db, char**, const sqlite3_api_routines*) {
    sqlite3_int64 pages = 0;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      pages = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    const std::string cap = "PRAGMA max_page_count=" + std::to_string(pages);
    return sqlite3_exec(db, cap.c_str(), nullptr, nullptr, nullptr);
  }
};

// ---- the database, as a store or as a job ------------------------------------------

// One open database file and the ChannelStore on it.
class Database {
 public:
  Database(Backend backend, const fs::path& dir) : backend_(backend) {
    if (backend == Backend::kStore) {
      store_ = MustGet(persistency::SqliteStore::Open(DatabasePath(dir).string()), "open store");
      channels_ = std::make_unique<ChannelStore>(std::make_unique<StoreKv>(*store_));
    } else {
      persistency_ = MustGet(persistency::Persistency::Open(dir.string()), "open persistency");
      job_ = MustGet(persistency_->OpenJob(std::string(kJobId)), "open job");
      channels_ = std::make_unique<ChannelStore>(std::make_unique<JobKv>(job_));
    }
  }
  ~Database() {
    channels_.reset();
    job_.reset();
    if (persistency_) persistency_->Close();
  }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Backend backend() const { return backend_; }
  ChannelStore& channels() { return *channels_; }
  // The bare store; only for Backend::kStore.
  persistency::SqliteStore& store() { return *store_; }

 private:
  Backend backend_;
  std::unique_ptr<persistency::SqliteStore> store_;
  std::unique_ptr<persistency::Persistency> persistency_;
  std::shared_ptr<persistency::Job> job_;
  std::unique_ptr<ChannelStore> channels_;
};

// One run of the application: the database opened, a ChannelStore and a
// manager ("alice" unless told) on it, with kTestChannel loaded. Destroying
// it closes the database: the next Session is a restart.
class Session {
 public:
  Session(Backend backend, const fs::path& dir, sds::Config config = {},
          sds::ParticipantId participant = "alice")
      : database_(std::make_unique<Database>(backend, dir)),
        rm_(std::make_unique<sds::ReliabilityManager>(std::move(participant), std::move(config),
                                                      &database_->channels())) {
    sds::Status ensured = rm_->EnsureChannel(std::string(sds::engine_test::kTestChannel));
    EXPECT_TRUE(ensured.has_value()) << (ensured ? "" : ensured.error().ToString());
  }

  sds::ReliabilityManager* operator->() { return rm_.get(); }
  sds::ReliabilityManager& operator*() { return *rm_; }
  sds::ReliabilityManager& rm() { return *rm_; }
  ChannelStore& channels() { return database_->channels(); }
  Database& database() { return *database_; }
  const sds::Channel& channel(std::string_view id = sds::engine_test::kTestChannel) {
    return sds::engine_test::MustFind(*rm_, id);
  }

 private:
  std::unique_ptr<Database> database_;
  std::unique_ptr<sds::ReliabilityManager> rm_;  // destroyed first
};

// ---- a second connection -----------------------------------------------------------

// Another connection to <dir>/sds.db, as a second process would have: it
// reads only what is committed, edits rows behind the session's back, and
// switches write refusal on and off. Its own commits are not counted.
class SideConnection {
 public:
  explicit SideConnection(const fs::path& dir)
      : store_(MustGet(persistency::SqliteStore::Open(DatabasePath(dir).string()), "side open")),
        channels_(std::make_unique<StoreKv>(*store_)) {
    CommitCounter::Ignore(store_->connection().handle());
  }

  // What is committed for `channel`, as LoadChannel reads it.
  sds::ChannelSnapshot Stored(std::string_view channel = sds::engine_test::kTestChannel) {
    return sds::engine_test::Stored(channels_, channel);
  }
  persistency::SqliteStore& store() { return *store_; }

  // Every row of every category, in (category, key) order.
  std::vector<std::string> AllRows() {
    std::vector<std::string> rows;
    for (std::string_view category : kAllCategories) {
      for (const persistency::KvRow& row :
           MustGet(store_->Scan(category, persistency::KeyRange{}), "scan")) {
        rows.push_back(std::string(category) + " " + row.key.ToHex() + " " +
                       persistency::Key::Raw(row.payload).ToHex());
      }
    }
    return rows;
  }

  // Installs triggers that make every insert, update and delete on the kv
  // table fail while armed (RAISE(ABORT)): the statement fails inside the
  // session's transaction, which is then rolled back.
  void InstallWriteRefusal() {
    MustSucceed(store_->connection().Exec(
                    "CREATE TABLE IF NOT EXISTS refuse_writes(armed INTEGER NOT NULL);"
                    "INSERT INTO refuse_writes SELECT 0 WHERE NOT EXISTS "
                    "  (SELECT 1 FROM refuse_writes);"
                    "CREATE TRIGGER IF NOT EXISTS refuse_insert BEFORE INSERT ON kv "
                    "  WHEN (SELECT armed FROM refuse_writes) "
                    "  BEGIN SELECT RAISE(ABORT, 'writes refused by the test'); END;"
                    "CREATE TRIGGER IF NOT EXISTS refuse_update BEFORE UPDATE ON kv "
                    "  WHEN (SELECT armed FROM refuse_writes) "
                    "  BEGIN SELECT RAISE(ABORT, 'writes refused by the test'); END;"
                    "CREATE TRIGGER IF NOT EXISTS refuse_delete BEFORE DELETE ON kv "
                    "  WHEN (SELECT armed FROM refuse_writes) "
                    "  BEGIN SELECT RAISE(ABORT, 'writes refused by the test'); END;"),
                "install write refusal");
  }
  void RefuseWrites(bool armed) {
    MustSucceed(store_->connection().Exec(std::string("UPDATE refuse_writes SET armed = ") +
                                          (armed ? "1" : "0")),
                "arm write refusal");
  }

  static constexpr std::array<std::string_view, 7> kAllCategories = {
      kMetaCategory,
      kLogCategory,
      kOutgoingCategory,
      kIncomingCategory,
      kOutgoingRepairCategory,
      kIncomingRepairCategory,
      kMetCategory,
  };

 private:
  std::unique_ptr<persistency::SqliteStore> store_;
  ChannelStore channels_;
};

// ---- state comparison -----------------------------------------------------------------

// A snapshot in a canonical order: Channel::Snapshot() and LoadChannel agree
// on the order of the log and the outgoing buffer; the other lists are sets.
inline sds::ChannelSnapshot Canonical(sds::ChannelSnapshot snapshot) {
  std::ranges::sort(snapshot.incoming, {},
                    [](const sds::IncomingEntry& e) { return e.message.message_id; });
  std::ranges::sort(snapshot.outgoing_repair, {},
                    [](const sds::OutgoingRepairEntry& e) { return e.entry.message_id; });
  std::ranges::sort(snapshot.incoming_repair, {},
                    [](const sds::IncomingRepairEntry& e) { return e.entry.message_id; });
  std::ranges::sort(snapshot.met);
  return snapshot;
}

// ---- the fixture ---------------------------------------------------------------------

// A scratch directory whose database the session(s) of a test open with the
// backend under test; a commit counter; a side connection with write
// refusal installed (disarmed).
class ChannelStoreFixture : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { side_.InstallWriteRefusal(); }

  Session Open(sds::Config config = {}, sds::ParticipantId participant = "alice") {
    return Session(GetParam(), scratch_.path(), std::move(config), std::move(participant));
  }
  // What is committed for `channel`.
  sds::ChannelSnapshot OnDisk(std::string_view channel = sds::engine_test::kTestChannel) {
    return side_.Stored(channel);
  }
  // The channel's state in memory, in the order LoadChannel can reproduce.
  static sds::ChannelSnapshot InMemory(Session& session,
                                       std::string_view channel = sds::engine_test::kTestChannel) {
    return Canonical(session.channel(channel).Snapshot());
  }

  ScratchDir scratch_;
  CommitCounter commits_;
  SideConnection side_{scratch_.path()};
};

}  // namespace channels::testing
