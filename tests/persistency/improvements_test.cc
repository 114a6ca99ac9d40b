// Behaviour this port adds to, or deliberately changes from, the original
// layer (spec §1.6, §1.9, §1.11, §1.12, §6), plus the post-merge additions of
// §2.8 that fit here (deletePrefix, the ":memory:" root, the SDS-shaped
// channel drop).

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <latch>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "persistency/encoding.h"
#include "persistency/error.h"
#include "persistency/job_id.h"
#include "persistency/persistency.h"
#include "persistency/sqlite_handle.h"
#include "persistency/sqlite_store.h"
#include "persistency/write_batch.h"
#include "test_support.h"

namespace persistency {
namespace {

namespace fs = std::filesystem;
using testing_support::B;
using testing_support::CurrentDirGuard;
using testing_support::K;
using testing_support::KeysOf;
using testing_support::ListDir;
using testing_support::ReadFile;
using testing_support::ScratchDir;
using testing_support::SqlBlob;
using testing_support::Str;
using testing_support::WriteFile;

// ---------------------------------------------------------------------------
// Helpers

// A plain sqlite3 connection, used to inspect or prepare database files
// behind the layer's back.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    rc_ = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  std::string error() const { return db_ != nullptr ? sqlite3_errmsg(db_) : "no handle"; }

  int Exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }

  // Every row of `sql`, each column as text (NULL as "").
  std::vector<std::vector<std::string>> Query(const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "prepare " << sql << ": " << error();
      return rows;
    }
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const unsigned char* text = sqlite3_column_text(stmt, i);
        row.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    return rows;
  }

  // The first column of the first row, or "<no row>".
  std::string QueryOne(const std::string& sql) {
    std::vector<std::vector<std::string>> rows = Query(sql);
    if (rows.empty() || rows.front().empty()) return "<no row>";
    return rows.front().front();
  }

 private:
  sqlite3* db_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

// Triggers that make a put of a chosen payload fail, so a write error can be
// produced deterministically on any connection.
std::string RejectPayloadTrigger(std::string_view name, std::string_view payload,
                                 std::string_view message) {
  return "CREATE TRIGGER " + std::string(name) + " BEFORE INSERT ON kv WHEN NEW.payload = " +
         SqlBlob(AsBytes(payload)) + " BEGIN SELECT RAISE(ABORT, '" + std::string(message) +
         "'); END";
}
const std::string kPoisonTrigger =
    RejectPayloadTrigger("reject_poison", "poison", "poisoned payload");
const std::string kVenomTrigger = RejectPayloadTrigger("reject_venom", "venom", "venomous payload");

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

std::unique_ptr<SqliteStore> OpenMemoryStore() {
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::OpenInMemory();
  if (!store) {
    ADD_FAILURE() << store.error().ToString();
    return nullptr;
  }
  return std::move(*store);
}

std::int64_t CountAll(SqliteStore& store, std::string_view category) {
  Result<std::int64_t> counted = store.Count(category, KeyRange{});
  if (!counted) {
    ADD_FAILURE() << counted.error().ToString();
    return -1;
  }
  return *counted;
}

// ---------------------------------------------------------------------------
// deletePrefix (post-merge txDeletePrefix / persistDeletePrefix)

// Rows shared by the deletePrefix tests: extensions of key("a") and their
// siblings in "c", and the same extensions in another category.
WriteBatch DeletePrefixFixtureRows() {
  WriteBatch batch;
  batch.Put("c", MakeKey(""), B("empty"))
      .Put("c", MakeKey("a"), B("a"))
      .Put("c", MakeKey("a", std::int64_t{1}), B("a1"))
      .Put("c", MakeKey("a", "x"), B("ax"))
      .Put("c", MakeKey("a", std::numeric_limits<std::int64_t>::max()), B("amax"))
      .Put("c", MakeKey("b"), B("b"))
      .Put("c", MakeKey("ab"), B("ab"))
      .Put("other", MakeKey("a"), B("other-a"))
      .Put("other", MakeKey("a", std::int64_t{1}), B("other-a1"));
  return batch;
}

TEST(PersistencyDeletePrefix, BatchOpRemovesExactlyThePrefixedRowsOfItsCategory) {
  std::unique_ptr<SqliteStore> store = OpenMemoryStore();
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->Apply(DeletePrefixFixtureRows()));
  WriteBatch drop;
  drop.DeletePrefix("c", MakeKey("a"));
  ASSERT_OK(store->Apply(drop));
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> rows, store->Scan("c", KeyRange{}));
  EXPECT_EQ(KeysOf(rows), (std::vector<Key>{MakeKey(""), MakeKey("b"), MakeKey("ab")}));
  EXPECT_EQ(CountAll(*store, "other"), 2);
}

TEST(PersistencyDeletePrefix, AppliesInOrderInsideABatch) {
  std::unique_ptr<SqliteStore> store = OpenMemoryStore();
  ASSERT_NE(store, nullptr);
  WriteBatch batch;
  batch.Put("c", MakeKey("a", std::int64_t{5}), B("before"))
      .DeletePrefix("c", MakeKey("a"))
      .Put("c", MakeKey("a", std::int64_t{6}), B("after"))
      .Put("c", MakeKey("b"), B("sibling"));
  ASSERT_OK(store->Apply(batch));
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> rows, store->Scan("c", KeyRange{}));
  EXPECT_EQ(KeysOf(rows), (std::vector<Key>{MakeKey("a", std::int64_t{6}), MakeKey("b")}));
}

TEST(PersistencyDeletePrefix, AllFFAndEmptyPrefixesDeleteToTheEnd) {
  std::unique_ptr<SqliteStore> store = OpenMemoryStore();
  ASSERT_NE(store, nullptr);
  WriteBatch rows;
  for (const Key& key : {K({0xfe}), K({0xfe, 0xff}), K({0xff}), K({0xff, 0xff}),
                         K({0xff, 0xff, 0x00}), K({0xff, 0xff, 0xff}),
                         K({0xff, 0xff, 0xff, 0xff, 0x01})}) {
    rows.Put("c", key, B("v"));
  }
  rows.Put("other", K({0xff, 0xff}), B("v"));
  ASSERT_OK(store->Apply(rows));

  WriteBatch drop_ff;
  drop_ff.DeletePrefix("c", K({0xff, 0xff}));
  ASSERT_OK(store->Apply(drop_ff));
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> left, store->Scan("c", KeyRange{}));
  EXPECT_EQ(KeysOf(left), (std::vector<Key>{K({0xfe}), K({0xfe, 0xff}), K({0xff})}));

  WriteBatch drop_all;
  drop_all.DeletePrefix("c", Key());
  ASSERT_OK(store->Apply(drop_all));
  EXPECT_EQ(CountAll(*store, "c"), 0);
  EXPECT_EQ(CountAll(*store, "other"), 1);
}

TEST(PersistencyDeletePrefix, JobAndStringIdFormsRemoveThePrefixedRows) {
  ScratchDir scratch;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(scratch.Sub("root")));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("j"));
  ASSERT_OK(job->Write(DeletePrefixFixtureRows()));
  ASSERT_OK(job->DeletePrefix("c", MakeKey("a")));
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> rows, job->Scan("c", KeyRange{}).get());
  EXPECT_EQ(KeysOf(rows), (std::vector<Key>{MakeKey(""), MakeKey("b"), MakeKey("ab")}));
  ASSERT_OK_AND_ASSIGN(std::int64_t others, job->Count("other", KeyRange{}).get());
  EXPECT_EQ(others, 2);

  ASSERT_OK(p->DeletePrefix("j", "other", MakeKey("a")));
  ASSERT_OK_AND_ASSIGN(std::int64_t others_after, p->Count("j", "other", KeyRange{}).get());
  EXPECT_EQ(others_after, 0);
  ASSERT_OK(job->Flush().get());
}

// The shape of the SDS adapter's dropChannel (spec §5.3): one batch of
// deletePrefix(sds.log, toKey(ch)) + delete(sds.meta, toKey(ch)).
TEST(PersistencyDeletePrefix, DropChannelBatchWipesMetaAndLogOfOneChannelOnly) {
  std::unique_ptr<SqliteStore> store = OpenMemoryStore();
  ASSERT_NE(store, nullptr);
  WriteBatch history;
  for (const char* channel : {"ch", "ch2"}) {
    history.Put("sds.meta", MakeKey(channel), B("meta"));
    for (const char* message : {"m1", "m2", "m3"}) {
      history.Put("sds.log", MakeKey(channel, message), B(message));
    }
  }
  ASSERT_OK(store->Apply(history));
  WriteBatch drop;
  drop.DeletePrefix("sds.log", MakeKey("ch")).Delete("sds.meta", MakeKey("ch"));
  ASSERT_OK(store->Apply(drop));
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> dropped, store->ScanPrefix("sds.log", MakeKey("ch")));
  EXPECT_TRUE(dropped.empty());
  ASSERT_OK_AND_ASSIGN(bool meta, store->Exists("sds.meta", MakeKey("ch")));
  EXPECT_FALSE(meta);
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> kept, store->ScanPrefix("sds.log", MakeKey("ch2")));
  EXPECT_EQ(kept.size(), 3u);
  ASSERT_OK_AND_ASSIGN(bool kept_meta, store->Exists("sds.meta", MakeKey("ch2")));
  EXPECT_TRUE(kept_meta);
}

// ---------------------------------------------------------------------------
// ":memory:" root (post-merge InMemoryStoragePath)

TEST(PersistencyInMemoryRoot, JobsArePrivateIsolatedDatabasesAndNoFileAppears) {
  ScratchDir scratch;
  CurrentDirGuard in_scratch(scratch.path());
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(":memory:"));
    EXPECT_TRUE(p->in_memory());
    EXPECT_EQ(p->JobPath("alpha"), ":memory:");
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> alpha, p->OpenJob("alpha"));
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> beta, p->OpenJob("beta"));
    EXPECT_NE(alpha.get(), beta.get());
    ASSERT_OK(alpha->Put("c", MakeKey("k"), B("from-alpha")));
    ASSERT_OK(beta->Put("c", MakeKey("k"), B("from-beta")));
    ASSERT_OK(alpha->Put("c", MakeKey("only-alpha"), B("x")));
    ASSERT_OK_AND_ASSIGN(std::optional<Bytes> a, alpha->Get("c", MakeKey("k")).get());
    ASSERT_OK_AND_ASSIGN(std::optional<Bytes> b, beta->Get("c", MakeKey("k")).get());
    EXPECT_EQ(Str(a), "from-alpha");
    EXPECT_EQ(Str(b), "from-beta");
    ASSERT_OK_AND_ASSIGN(bool beta_sees_alpha, beta->Exists("c", MakeKey("only-alpha")).get());
    EXPECT_FALSE(beta_sees_alpha);

    // A private in-memory database does not outlive its job.
    ASSERT_OK(p->CloseJob("alpha"));
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> reopened, p->OpenJob("alpha"));
    ASSERT_OK_AND_ASSIGN(std::int64_t rows, reopened->Count("c", KeyRange{}).get());
    EXPECT_EQ(rows, 0);

    ASSERT_OK(p->DropJob("alpha"));
    ASSERT_OK(p->DropJob("beta"));
    EXPECT_FALSE(p->HasJob("alpha"));
    EXPECT_FALSE(beta->running());
    // Invalid ids are refused for in-memory roots too.
    EXPECT_ERROR_KIND(p->OpenJob("a/b"), ErrorKind::kInvalidArgument);
  }
  EXPECT_FALSE(fs::exists(scratch.path() / ":memory:"));
  EXPECT_TRUE(ListDir(scratch.path()).empty())
      << "unexpected file: " << ListDir(scratch.path()).front();
}

TEST(PersistencyInMemoryRoot, DropJobTouchesNoFiles) {
  ScratchDir scratch;
  CurrentDirGuard in_scratch(scratch.path());
  // Decoys with the names an in-memory job's "files" would have.
  for (const char* name : {":memory:", ":memory:-wal", ":memory:-shm", ":memory:-journal",
                           "j.db", "j.db-wal"}) {
    WriteFile(scratch.path() / name, name);
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(":memory:"));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("j"));
  ASSERT_OK(job->Put("c", MakeKey("k"), B("v")));
  ASSERT_OK(p->DropJob("j"));
  ASSERT_OK(p->DropJob("never-opened"));
  for (const char* name : {":memory:", ":memory:-wal", ":memory:-shm", ":memory:-journal",
                           "j.db", "j.db-wal"}) {
    ASSERT_TRUE(fs::exists(scratch.path() / name)) << name;
    EXPECT_EQ(ReadFile(scratch.path() / name), name);
  }
  EXPECT_EQ(ListDir(scratch.path()).size(), 6u);
}

// ---------------------------------------------------------------------------
// Zero-length keys, payloads and categories (the original bound them as SQL
// NULL and lost them; spec §1.6 (a)-(c))

TEST(PersistencyEmptyBlobs, StoreKeepsEmptyKeyPayloadAndCategory) {
  std::unique_ptr<SqliteStore> store = OpenMemoryStore();
  ASSERT_NE(store, nullptr);
  WriteBatch batch;
  batch.Put("", Key(), Bytes())
      .Put("", MakeKey("x"), B("v"))
      .Put("c", Key(), Bytes())
      .Put("c", K({0x00}), B("zero"));
  ASSERT_OK(store->Apply(batch));
  // Single-op (autocommit) path too.
  WriteBatch single;
  single.Put("single", Key(), Bytes());
  ASSERT_OK(store->Apply(single));

  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> empty, store->Get("", Key()));
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
  ASSERT_OK_AND_ASSIGN(bool exists, store->Exists("", Key()));
  EXPECT_TRUE(exists);
  ASSERT_OK_AND_ASSIGN(bool single_exists, store->Exists("single", Key()));
  EXPECT_TRUE(single_exists);

  // An empty start key covers the whole category.
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> rows, store->Scan("", KeyRange{}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (KvRow{Key(), Bytes()}));
  EXPECT_EQ(rows[1], (KvRow{MakeKey("x"), B("v")}));
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> prefixed, store->ScanPrefix("c", Key()));
  EXPECT_EQ(KeysOf(prefixed), (std::vector<Key>{Key(), K({0x00})}));
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> bounded, store->Scan("c", KeyRange{Key(), K({0x00})}));
  EXPECT_EQ(KeysOf(bounded), (std::vector<Key>{Key()}));
  EXPECT_EQ(CountAll(*store, ""), 2);
  EXPECT_EQ(CountAll(*store, "c"), 2);
  ASSERT_OK_AND_ASSIGN(std::int64_t prefix_count, store->Count("c", PrefixRange(Key())));
  EXPECT_EQ(prefix_count, 2);

  ASSERT_OK_AND_ASSIGN(bool deleted, store->DeleteOne("", Key()));
  EXPECT_TRUE(deleted);
  EXPECT_EQ(CountAll(*store, ""), 1);
}

TEST(PersistencyEmptyBlobs, JobKeepsEmptyKeyPayloadAndCategory) {
  ScratchDir scratch;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(scratch.Sub("root")));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("j"));
  ASSERT_OK(job->Put("", Key(), Bytes()));
  ASSERT_OK(job->Put("", MakeKey("k"), Bytes()));
  ASSERT_OK(job->Flush().get());
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> value, job->Get("", Key()).get());
  ASSERT_TRUE(value.has_value());
  EXPECT_TRUE(value->empty());
  ASSERT_OK_AND_ASSIGN(bool exists, p->Exists("j", "", Key()).get());
  EXPECT_TRUE(exists);
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> rows, job->ScanPrefix("", Key()).get());
  EXPECT_EQ(KeysOf(rows), (std::vector<Key>{Key(), MakeKey("k")}));
  ASSERT_OK_AND_ASSIGN(std::int64_t counted, job->Count("", KeyRange{}).get());
  EXPECT_EQ(counted, 2);
  ASSERT_OK_AND_ASSIGN(bool acked, job->DeleteAcked("", Key()).get());
  EXPECT_TRUE(acked);
}

// ---------------------------------------------------------------------------
// Job ids are validated before they become file names

std::vector<std::string> InvalidJobIds() {
  return {"",
          "a/b",
          "a\\b",
          "..",
          "../x",
          "x/..",
          ".",
          "/abs",
          std::string(kMaxJobIdLength + 1, 'a'),
          "a\nb",
          "a\tb",
          std::string("a\0b", 3),
          std::string("a") + '\x7f'};
}

TEST(PersistencyJobIds, InvalidIdsAreRefusedBeforeTouchingTheFileSystem) {
  ScratchDir scratch;
  std::string root = scratch.Sub("root");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(root));
  for (const std::string& id : InvalidJobIds()) {
    SCOPED_TRACE("id '" + Key::Raw(AsBytes(id)).ToHex() + "' (hex), size " +
                 std::to_string(id.size()));
    EXPECT_ERROR_KIND(ValidateJobId(id), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(p->OpenJob(id), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(p->DropJob(id), ErrorKind::kInvalidArgument);
    EXPECT_FALSE(p->HasJob(id));
  }
  EXPECT_FALSE(fs::exists(root));
}

TEST(PersistencyJobIds, ValidIdsWithSpacesUnicodeAndDotsWork) {
  ScratchDir scratch;
  std::string root = scratch.Sub("root");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(root));
  const std::vector<std::string> ids = {"my job.v1", "donn\xc3\xa9" "es-\xc3\xbc", "a.b.c",
                                        ".hidden", "-", std::string(kMaxJobIdLength, 'a')};
  for (const std::string& id : ids) {
    SCOPED_TRACE("id '" + id + "'");
    EXPECT_OK(ValidateJobId(id));
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob(id));
    ASSERT_OK(job->Put("c", MakeKey("k"), B(id)));
    ASSERT_OK_AND_ASSIGN(std::optional<Bytes> value, job->Get("c", MakeKey("k")).get());
    EXPECT_EQ(Str(value), id);
    fs::path file = fs::path(root) / (id + ".db");
    EXPECT_TRUE(fs::is_regular_file(file));
    EXPECT_EQ(fs::path(job->path()), file);
    ASSERT_OK(p->DropJob(id));
    EXPECT_FALSE(fs::exists(file));
  }
}

TEST(PersistencyJobIds, DropJobCannotDeleteAFileOutsideTheRoot) {
  ScratchDir scratch;
  std::string root = scratch.Sub("root");
  fs::create_directories(root);
  fs::path victim = scratch.path() / "victim.db";
  WriteFile(victim, "precious");
  WriteFile(scratch.path() / "victim.db-wal", "precious wal");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(root));
  EXPECT_ERROR_KIND(p->DropJob("../victim"), ErrorKind::kInvalidArgument);
  EXPECT_ERROR_KIND(p->OpenJob("../victim"), ErrorKind::kInvalidArgument);
  ASSERT_TRUE(fs::exists(victim));
  EXPECT_EQ(ReadFile(victim), "precious");
  EXPECT_EQ(ReadFile(scratch.path() / "victim.db-wal"), "precious wal");
  EXPECT_TRUE(ListDir(root).empty());
}

// ---------------------------------------------------------------------------
// Write errors are reported, never silently dropped

// A blob longer than the connection's SQLITE_LIMIT_LENGTH cannot be bound.
// (Regression test: BindBlob used to ignore the bind result.)
// The failure must surface as an error; binding must never silently fall
// back to NULL (a NULL start key makes a scan return nothing).
TEST(PersistencyWriteErrors, OversizedBlobsAreReportedNotBoundAsNull) {
  std::unique_ptr<SqliteStore> store = OpenMemoryStore();
  ASSERT_NE(store, nullptr);
  WriteBatch row;
  row.Put("c", K({0x01}), B("v"));
  ASSERT_OK(store->Apply(row));
  sqlite3_limit(store->connection().handle(), SQLITE_LIMIT_LENGTH, 1000);
  const Key huge_start = Key::Raw(Bytes(2000, 0x00));  // sorts before {0x01}

  Result<std::vector<KvRow>> rows = store->Scan("c", KeyRange{huge_start, Key()});
  if (rows.has_value()) {
    EXPECT_EQ(KeysOf(*rows), (std::vector<Key>{K({0x01})})) << "wrong rows, and no error";
  }
  Result<std::int64_t> counted = store->Count("c", KeyRange{huge_start, Key()});
  if (counted.has_value()) {
    EXPECT_EQ(*counted, 1) << "wrong count, and no error";
  }

  WriteBatch too_big;
  too_big.Put("c", MakeKey("k"), Bytes(2000, 0x01));
  Status put = store->Apply(too_big);
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().backend_code & 0xff, SQLITE_TOOBIG) << put.error().ToString();
}

TEST(PersistencyWriteErrors, StoreApplyReturnsTheErrorOfARejectedWrite) {
  std::unique_ptr<SqliteStore> store = OpenMemoryStore();
  ASSERT_NE(store, nullptr);
  WriteBatch seed;
  seed.Put("c", MakeKey("seed"), B("v"));
  ASSERT_OK(store->Apply(seed));
  ASSERT_OK(store->connection().Exec("PRAGMA query_only=ON"));

  WriteBatch single;
  single.Put("c", MakeKey("k"), B("v"));
  Status one = store->Apply(single);
  ASSERT_FALSE(one.has_value());
  EXPECT_EQ(one.error().kind, ErrorKind::kBackend) << one.error().ToString();
  EXPECT_EQ(one.error().backend_code & 0xff, SQLITE_READONLY) << one.error().ToString();

  WriteBatch several;
  several.Put("c", MakeKey("k1"), B("v")).Delete("c", MakeKey("seed"));
  Status many = store->Apply(several);
  ASSERT_FALSE(many.has_value());
  EXPECT_NE(many.error().backend_code, 0) << many.error().ToString();
  EXPECT_FALSE(store->connection().in_transaction());

  Result<bool> acked = store->DeleteOne("c", MakeKey("seed"));
  EXPECT_FALSE(acked.has_value());

  ASSERT_OK(store->connection().Exec("PRAGMA query_only=OFF"));
  EXPECT_EQ(CountAll(*store, "c"), 1);
  ASSERT_OK_AND_ASSIGN(bool seed_kept, store->Exists("c", MakeKey("seed")));
  EXPECT_TRUE(seed_kept);
}

TEST(PersistencyWriteErrors, StoreFullDatabaseIsQuotaExceeded) {
  std::unique_ptr<SqliteStore> store = OpenMemoryStore();
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(std::int64_t pages, store->connection().QueryInt64("PRAGMA page_count"));
  ASSERT_OK(store->connection().Exec("PRAGMA max_page_count=" + std::to_string(pages)));
  WriteBatch big;
  big.Put("c", MakeKey("big"), Bytes(256 * 1024, 0x5a));
  Status status = store->Apply(big);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().kind, ErrorKind::kQuotaExceeded) << status.error().ToString();
  EXPECT_EQ(status.error().backend_code & 0xff, SQLITE_FULL);
}

// Opens `id` in `p` after installing the reject triggers in its database
// file, so writes of "poison"/"venom" payloads fail inside the job.
Result<std::shared_ptr<Job>> OpenPoisonedJob(Persistency& p, const std::string& id) {
  fs::create_directories(p.root());
  {
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(p.JobPath(id));
    if (!store) return std::unexpected(store.error());
    if (Status s = (*store)->connection().Exec(kPoisonTrigger); !s) return std::unexpected(s.error());
    if (Status s = (*store)->connection().Exec(kVenomTrigger); !s) return std::unexpected(s.error());
  }
  return p.OpenJob(id);
}

TEST(PersistencyWriteErrors, JobWriteErrorReachesFlushAndTheErrorListener) {
  ScratchDir scratch;
  std::mutex seen_mutex;
  std::vector<Error> seen;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(scratch.Sub("root")));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, OpenPoisonedJob(*p, "poisoned"));
  job->SetErrorListener([&](const Error& error) {
    std::lock_guard lock(seen_mutex);
    seen.push_back(error);
  });

  // The write is accepted for queuing; its failure surfaces at Flush.
  ASSERT_OK(job->Put("c", MakeKey("bad"), B("poison")));
  Status flushed = job->Flush().get();
  ASSERT_FALSE(flushed.has_value());
  EXPECT_EQ(flushed.error().kind, ErrorKind::kBackend) << flushed.error().ToString();
  EXPECT_TRUE(Contains(flushed.error().message, "poisoned payload")) << flushed.error().ToString();
  EXPECT_EQ(flushed.error().backend_code & 0xff, SQLITE_CONSTRAINT) << flushed.error().ToString();
  {
    std::lock_guard lock(seen_mutex);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].message, flushed.error().message);
    EXPECT_EQ(seen[0].backend_code, flushed.error().backend_code);
  }
  ASSERT_OK_AND_ASSIGN(bool bad_stored, job->Exists("c", MakeKey("bad")).get());
  EXPECT_FALSE(bad_stored);

  // The error was consumed: a good write then flushes cleanly.
  ASSERT_OK(job->Put("c", MakeKey("good"), B("fine")));
  EXPECT_OK(job->Flush().get());
  EXPECT_OK(job->Flush().get());
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> good, job->Get("c", MakeKey("good")).get());
  EXPECT_EQ(Str(good), "fine");

  // Two failures before one Flush: Flush reports the first, the listener
  // sees both, in order; the good write in between is applied.
  ASSERT_OK(job->Put("c", MakeKey("bad1"), B("poison")));
  ASSERT_OK(job->Put("c", MakeKey("between"), B("ok")));
  ASSERT_OK(job->Put("c", MakeKey("bad2"), B("venom")));
  Status first = p->Flush("poisoned").get();
  ASSERT_FALSE(first.has_value());
  EXPECT_TRUE(Contains(first.error().message, "poisoned payload")) << first.error().ToString();
  EXPECT_OK(job->Flush().get());
  {
    std::lock_guard lock(seen_mutex);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_TRUE(Contains(seen[1].message, "poisoned payload")) << seen[1].ToString();
    EXPECT_TRUE(Contains(seen[2].message, "venomous payload")) << seen[2].ToString();
  }
  ASSERT_OK_AND_ASSIGN(bool between, job->Exists("c", MakeKey("between")).get());
  EXPECT_TRUE(between);

  // A failure while Close drains the queue still reaches the listener.
  ASSERT_OK(job->Put("c", MakeKey("bad3"), B("venom")));
  job->Close();
  {
    std::lock_guard lock(seen_mutex);
    ASSERT_EQ(seen.size(), 4u);
    EXPECT_TRUE(Contains(seen[3].message, "venomous payload")) << seen[3].ToString();
  }
  p->Close();
}

// ---------------------------------------------------------------------------
// Batch atomicity with rollback

TEST(PersistencyBatchAtomicity, AFailingOpRollsBackTheEarlierOpsOfItsBatch) {
  std::unique_ptr<SqliteStore> store = OpenMemoryStore();
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->connection().Exec(kPoisonTrigger));
  WriteBatch seed;
  seed.Put("c", MakeKey("existing"), B("old")).Put("c", MakeKey("doomed"), B("x"));
  seed.Put("c", MakeKey("p", std::int64_t{1}), B("p1"));
  ASSERT_OK(store->Apply(seed));

  WriteBatch batch;
  batch.Put("c", MakeKey("new1"), B("1"))
      .Put("c", MakeKey("existing"), B("new"))
      .Delete("c", MakeKey("doomed"))
      .DeletePrefix("c", MakeKey("p"))
      .Put("c", MakeKey("bad"), B("poison"))
      .Put("c", MakeKey("new2"), B("2"));
  Status status = store->Apply(batch);
  ASSERT_FALSE(status.has_value());
  EXPECT_TRUE(Contains(status.error().message, "poisoned payload")) << status.error().ToString();
  EXPECT_FALSE(store->connection().in_transaction());

  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> rows, store->Scan("c", KeyRange{}));
  // (Key order: the 1-byte "p" sorts before the longer names.)
  EXPECT_EQ(rows, (std::vector<KvRow>{{MakeKey("p", std::int64_t{1}), B("p1")},
                                      {MakeKey("doomed"), B("x")},
                                      {MakeKey("existing"), B("old")}}));

  // A single failing op (autocommit path) leaves nothing either.
  WriteBatch single;
  single.Put("c", MakeKey("bad"), B("poison"));
  EXPECT_FALSE(store->Apply(single).has_value());
  EXPECT_EQ(CountAll(*store, "c"), 3);

  // The store is usable afterwards: the same batch minus the bad op commits.
  WriteBatch good;
  good.Put("c", MakeKey("new1"), B("1"))
      .Put("c", MakeKey("existing"), B("new"))
      .Delete("c", MakeKey("doomed"))
      .DeletePrefix("c", MakeKey("p"))
      .Put("c", MakeKey("new2"), B("2"));
  ASSERT_OK(store->Apply(good));
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> after, store->Scan("c", KeyRange{}));
  EXPECT_EQ(after, (std::vector<KvRow>{{MakeKey("new1"), B("1")},
                                       {MakeKey("new2"), B("2")},
                                       {MakeKey("existing"), B("new")}}));
}

TEST(PersistencyBatchAtomicity, JobBatchWithAFailingOpAppliesNothing) {
  ScratchDir scratch;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(scratch.Sub("root")));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, OpenPoisonedJob(*p, "atomic"));
  ASSERT_OK(job->Put("c", MakeKey("existing"), B("old")));
  WriteBatch batch;
  batch.Put("c", MakeKey("new"), B("1"))
      .Delete("c", MakeKey("existing"))
      .Put("c", MakeKey("bad"), B("poison"));
  ASSERT_OK(job->Write(std::move(batch)));
  EXPECT_FALSE(job->Flush().get().has_value());
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> rows, job->Scan("c", KeyRange{}).get());
  EXPECT_EQ(rows, (std::vector<KvRow>{{MakeKey("existing"), B("old")}}));
  p->Close();
}

// ---------------------------------------------------------------------------
// On-disk format: schema, user_version, journal mode

TEST(PersistencySchema, FreshFileGetsUserVersion1TheOriginalSchemaAndWal) {
  ScratchDir scratch;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(scratch.Sub("root")));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("fresh"));
  std::string path = job->path();
  ASSERT_OK(job->Put("c", MakeKey("k"), B("v")));
  ASSERT_OK(p->CloseJob("fresh"));

  RawDb db(path);
  ASSERT_TRUE(db.ok()) << db.error();
  EXPECT_EQ(db.QueryOne("PRAGMA user_version"), "1");
  EXPECT_EQ(db.QueryOne("PRAGMA journal_mode"), "wal");
  std::vector<std::vector<std::string>> objects =
      db.Query("SELECT type, name, sql FROM sqlite_master ORDER BY name");
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0][0], "table");
  EXPECT_EQ(objects[0][1], "kv");
  const std::string& sql = objects[0][2];
  // SQLite keeps the DDL text minus "IF NOT EXISTS".
  EXPECT_EQ(sql,
            "CREATE TABLE kv (category BLOB NOT NULL, key BLOB NOT NULL, payload BLOB NOT NULL, "
            "PRIMARY KEY (category, key)) WITHOUT ROWID");
  for (const char* part : {"WITHOUT ROWID", "category BLOB NOT NULL", "key BLOB NOT NULL",
                           "payload BLOB NOT NULL"}) {
    EXPECT_TRUE(Contains(sql, part)) << part;
  }
  EXPECT_EQ(db.Query("SELECT name, type, \"notnull\", pk FROM pragma_table_info('kv') ORDER BY cid"),
            (std::vector<std::vector<std::string>>{{"category", "BLOB", "1", "1"},
                                                   {"key", "BLOB", "1", "2"},
                                                   {"payload", "BLOB", "1", "0"}}));
  // The category is stored as its raw bytes, the key and payload verbatim.
  EXPECT_EQ(db.Query("SELECT hex(category), hex(key), hex(payload) FROM kv"),
            (std::vector<std::vector<std::string>>{{"63", "00016B", "76"}}));
}

TEST(PersistencySchema, UserVersion7FailsOpenJobWithBackend) {
  ScratchDir scratch;
  std::string root = scratch.Sub("root");
  fs::create_directories(root);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(root));
  std::string path = p->JobPath("future");
  {
    RawDb db(path);
    ASSERT_TRUE(db.ok()) << db.error();
    ASSERT_EQ(db.Exec("PRAGMA user_version=7"), SQLITE_OK) << db.error();
  }
  Result<std::shared_ptr<Job>> job = p->OpenJob("future");
  ASSERT_FALSE(job.has_value());
  EXPECT_EQ(job.error().kind, ErrorKind::kBackend);
  EXPECT_EQ(job.error().message, "incompatible persistency user_version: got 7, expected 1");
  EXPECT_FALSE(p->HasJob("future"));
  RawDb db(path);
  EXPECT_EQ(db.QueryOne("PRAGMA user_version"), "7");

  // A user_version-1 file is accepted (its data is kept: see lifecycle #29).
  ASSERT_EQ(db.Exec("PRAGMA user_version=1"), SQLITE_OK) << db.error();
  ASSERT_OK(p->OpenJob("future"));
}

TEST(PersistencySchema, NonDatabaseFileFailsOpenJobAndIsLeftIntact) {
  ScratchDir scratch;
  std::string root = scratch.Sub("root");
  fs::create_directories(root);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(root));
  fs::path file = p->JobPath("garbage");
  std::string garbage(4096, 'g');
  WriteFile(file, garbage);
  Result<std::shared_ptr<Job>> job = p->OpenJob("garbage");
  ASSERT_FALSE(job.has_value());
  EXPECT_EQ(job.error().kind, ErrorKind::kBackend) << job.error().ToString();
  EXPECT_EQ(job.error().backend_code & 0xff, SQLITE_NOTADB) << job.error().ToString();
  EXPECT_FALSE(p->HasJob("garbage"));
  EXPECT_EQ(ReadFile(file), garbage);
}

// ---------------------------------------------------------------------------
// Ordering and draining

TEST(PersistencyOrdering, ReadsIssuedAfterWritesSeeThemWithoutPolling) {
  ScratchDir scratch;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(scratch.Sub("root")));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("fifo"));
  constexpr int kRounds = 1000;
  std::vector<std::future<Result<std::optional<Bytes>>>> gets;
  std::vector<std::future<Result<std::int64_t>>> counts;
  gets.reserve(kRounds);
  counts.reserve(kRounds);
  // Nothing waits inside the loop, so the queue really holds interleaved
  // writes and reads; every read must observe exactly the writes before it.
  for (int i = 0; i < kRounds; ++i) {
    ASSERT_OK(job->Put("c", MakeKey("latest"), MakePayload(std::int64_t{i})));
    ASSERT_OK(job->Put("c", MakeKey("n", std::int64_t{i}), Bytes()));
    gets.push_back(job->Get("c", MakeKey("latest")));
    counts.push_back(job->Count("c", PrefixRange(MakeKey("n"))));
  }
  for (int i = 0; i < kRounds; ++i) {
    Result<std::optional<Bytes>> got = gets[static_cast<std::size_t>(i)].get();
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    ASSERT_TRUE(got->has_value()) << "round " << i;
    ASSERT_EQ(**got, MakePayload(std::int64_t{i})) << "round " << i;
    Result<std::int64_t> counted = counts[static_cast<std::size_t>(i)].get();
    ASSERT_TRUE(counted.has_value()) << counted.error().ToString();
    ASSERT_EQ(*counted, i + 1) << "round " << i;
  }
}

TEST(PersistencyOrdering, CloseAppliesQueuedWrites) {
  ScratchDir scratch;
  std::string root = scratch.Sub("root");
  constexpr std::int64_t kWrites = 1000;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(root));
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("bulk"));
    for (std::int64_t i = 0; i < kWrites; ++i) {
      ASSERT_OK(job->Put("c", MakeKey("k", i), MakePayload(i)));
    }
    ASSERT_OK(p->CloseJob("bulk"));
    EXPECT_FALSE(job->running());

    ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> reopened, p->OpenJob("bulk"));
    ASSERT_OK_AND_ASSIGN(std::int64_t counted, reopened->Count("c", KeyRange{}).get());
    EXPECT_EQ(counted, kWrites);

    // And through the Persistency destructor.
    for (std::int64_t i = kWrites; i < 2 * kWrites; ++i) {
      ASSERT_OK(reopened->Put("c", MakeKey("k", i), MakePayload(i)));
    }
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(root));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("bulk"));
  ASSERT_OK_AND_ASSIGN(std::int64_t counted, job->Count("c", KeyRange{}).get());
  EXPECT_EQ(counted, 2 * kWrites);
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> last,
                       job->Scan("c", KeyRange{}, {.reverse = true, .limit = 1}).get());
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].payload, MakePayload(2 * kWrites - 1));
}

TEST(PersistencyConcurrency, AJobIsSafeToUseFromSeveralThreads) {
  ScratchDir scratch;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(scratch.Sub("root")));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&p, &failures, t] {
      // Every thread opens the same job; all must get the same one.
      Result<std::shared_ptr<Job>> job = p->OpenJob("shared");
      if (!job) {
        ++failures;
        return;
      }
      for (int i = 0; i < kPerThread; ++i) {
        Key key = MakeKey("t", std::int64_t{t}, std::int64_t{i});
        if (!(*job)->Put("c", key, B("v"))) ++failures;
        Result<bool> seen = (*job)->Exists("c", key).get();
        if (!seen || !*seen) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_OK_AND_ASSIGN(std::int64_t counted, p->Count("shared", "c", KeyRange{}).get());
  EXPECT_EQ(counted, kThreads * kPerThread);
}

// Job::Close is documented idempotent and Persistency as thread-safe, so a
// user's job->Close() racing Persistency::Close() (or CloseJob, DropJob,
// PersistencyRegistry::Reset) must be harmless. Each round closes one job
// from three threads at once; a watchdog turns a deadlock into a failure
// (the stuck threads are detached and only own shared state, so nothing
// dangles). Regression test: this deadlocked in pthread_join before
// StorageThread::Stop and Job::Close were serialised.
TEST(PersistencyConcurrency, ConcurrentCloseOfOneJobDoesNotDeadlock) {
  constexpr int kRounds = 200;
  constexpr auto kDeadline = std::chrono::seconds(20);
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  for (int round = 0; round < kRounds; ++round) {
    Result<std::unique_ptr<Persistency>> opened = Persistency::Open(":memory:");
    ASSERT_OK(opened);
    std::shared_ptr<Persistency> p = std::move(*opened);
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("j"));
    ASSERT_OK(job->Put("c", MakeKey("k"), B("v")));
    auto start = std::make_shared<std::latch>(3);
    std::vector<std::future<void>> finished;
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      std::promise<void> done;
      finished.push_back(done.get_future());
      threads.emplace_back([p, job, start, t, done = std::move(done)]() mutable {
        start->arrive_and_wait();
        if (t == 2) {
          p->Close();
        } else {
          job->Close();
        }
        done.set_value();
      });
    }
    for (std::future<void>& one : finished) {
      if (one.wait_until(deadline) != std::future_status::ready) {
        for (std::thread& thread : threads) thread.detach();
        FAIL() << "Close deadlocked in round " << round;
      }
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_FALSE(job->running());
  }
}

// Runs in a death-test child: a job whose error listener closes the job (the
// listener runs on the storage thread). Exits 0 when the process survives.
void CloseFromTheErrorListenerScenario(const fs::path& root) {
  Result<std::unique_ptr<Persistency>> p = Persistency::Open(root.string());
  if (!p) std::exit(2);
  Result<std::shared_ptr<Job>> job = OpenPoisonedJob(**p, "j");
  if (!job) std::exit(3);
  Job* raw = job->get();
  (*job)->SetErrorListener([raw](const Error&) { raw->Close(); });
  if (!(*job)->Put("c", MakeKey("k"), B("poison"))) std::exit(4);
  (void)(*job)->Flush().get();  // Closed or the write error; either is fine
  if ((*job)->running()) std::exit(5);
  (*p)->Close();
  std::exit(0);
}

// Closing a job from its own error listener must not take the process down
// (a natural reaction to a write error; also what happens when the listener
// drops the last reference to the job).
TEST(PersistencyListenerDeathTest, CloseFromTheErrorListenerDoesNotAbort) {
  // The default ("fast", fork-based) style: the child uses the parent's
  // scratch directory, which the parent removes afterwards.
  ScratchDir scratch;
  EXPECT_EXIT(CloseFromTheErrorListenerScenario(scratch.path() / "root"),
              ::testing::ExitedWithCode(0), "");
}

// ---------------------------------------------------------------------------
// ScanOptions: limit, and reverse with limit (the original had neither)

TEST(PersistencyScanOptions, LimitAndReverseWithLimit) {
  std::unique_ptr<SqliteStore> store = OpenMemoryStore();
  ASSERT_NE(store, nullptr);
  WriteBatch batch;
  for (std::int64_t i = 0; i < 10; ++i) batch.Put("c", MakeKey("p", i), MakePayload(i));
  ASSERT_OK(store->Apply(batch));
  auto p = [](std::int64_t i) { return MakeKey("p", i); };
  auto scan = [&](const KeyRange& range, ScanOptions options) {
    Result<std::vector<KvRow>> rows = store->Scan("c", range, options);
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    return rows ? KeysOf(*rows) : std::vector<Key>{};
  };
  KeyRange all = PrefixRange(MakeKey("p"));
  EXPECT_EQ(scan(all, {.limit = 3}), (std::vector<Key>{p(0), p(1), p(2)}));
  EXPECT_EQ(scan(all, {.reverse = true, .limit = 3}), (std::vector<Key>{p(9), p(8), p(7)}));
  EXPECT_EQ(scan(all, {.limit = 100}).size(), 10u);
  EXPECT_EQ(scan(all, {.limit = 0}).size(), 10u);
  EXPECT_EQ(scan(all, {.reverse = true, .limit = 0}).size(), 10u);
  EXPECT_EQ(scan({p(3), p(8)}, {.limit = 2}), (std::vector<Key>{p(3), p(4)}));
  EXPECT_EQ(scan({p(3), p(8)}, {.reverse = true, .limit = 2}), (std::vector<Key>{p(7), p(6)}));
  EXPECT_EQ(scan({p(5), Key()}, {.reverse = true, .limit = 2}), (std::vector<Key>{p(9), p(8)}));
  EXPECT_EQ(scan({p(5), Key()}, {.limit = 1}), (std::vector<Key>{p(5)}));
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> prefixed,
                       store->ScanPrefix("c", MakeKey("p"), {.reverse = true, .limit = 1}));
  ASSERT_EQ(prefixed.size(), 1u);
  EXPECT_EQ(prefixed[0].payload, MakePayload(std::int64_t{9}));
}

TEST(PersistencyScanOptions, JobAndStringIdScansHonourTheLimit) {
  ScratchDir scratch;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(scratch.Sub("root")));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("j"));
  for (std::int64_t i = 0; i < 5; ++i) ASSERT_OK(job->Put("c", MakeKey("p", i), Bytes()));
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> first,
                       job->ScanPrefix("c", MakeKey("p"), {.limit = 2}).get());
  EXPECT_EQ(KeysOf(first), (std::vector<Key>{MakeKey("p", std::int64_t{0}),
                                            MakeKey("p", std::int64_t{1})}));
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> last,
                       p->ScanPrefix("j", "c", MakeKey("p"), {.reverse = true, .limit = 2}).get());
  EXPECT_EQ(KeysOf(last), (std::vector<Key>{MakeKey("p", std::int64_t{4}),
                                           MakeKey("p", std::int64_t{3})}));
}

// ---------------------------------------------------------------------------
// Error formatting and kinds

TEST(PersistencyErrors, ToStringFormat) {
  EXPECT_EQ((Error{ErrorKind::kBackend, "msg", 0}).ToString(), "PersistencyError(Backend: msg)");
  EXPECT_EQ((Error{ErrorKind::kBackend, "msg", 19}).ToString(),
            "PersistencyError(Backend: msg, code=19)");
  EXPECT_EQ((Error{ErrorKind::kBackend, "msg", -1}).ToString(),
            "PersistencyError(Backend: msg, code=-1)");
  EXPECT_EQ((Error{ErrorKind::kClosed, "", 0}).ToString(), "PersistencyError(Closed: )");
  EXPECT_EQ(MakeError(ErrorKind::kJobNotFound, "no open job with id: x").error().ToString(),
            "PersistencyError(JobNotFound: no open job with id: x)");
  EXPECT_EQ(ErrorKindName(ErrorKind::kBackend), "Backend");
  EXPECT_EQ(ErrorKindName(ErrorKind::kClosed), "Closed");
  EXPECT_EQ(ErrorKindName(ErrorKind::kInvalidArgument), "InvalidArgument");
  EXPECT_EQ(ErrorKindName(ErrorKind::kTimeout), "Timeout");
  EXPECT_EQ(ErrorKindName(ErrorKind::kJobNotFound), "JobNotFound");
  EXPECT_EQ(ErrorKindName(ErrorKind::kJobLocked), "JobLocked");
  EXPECT_EQ(ErrorKindName(ErrorKind::kQuotaExceeded), "QuotaExceeded");
  // The first five keep the original's order.
  EXPECT_EQ(static_cast<int>(ErrorKind::kBackend), 0);
  EXPECT_EQ(static_cast<int>(ErrorKind::kClosed), 1);
  EXPECT_EQ(static_cast<int>(ErrorKind::kInvalidArgument), 2);
  EXPECT_EQ(static_cast<int>(ErrorKind::kTimeout), 3);
  EXPECT_EQ(static_cast<int>(ErrorKind::kJobNotFound), 4);
}

TEST(PersistencyErrors, SqliteCodesMapToKinds) {
  EXPECT_EQ(KindForSqliteCode(SQLITE_FULL), ErrorKind::kQuotaExceeded);
  EXPECT_EQ(KindForSqliteCode(SQLITE_BUSY), ErrorKind::kJobLocked);
  EXPECT_EQ(KindForSqliteCode(SQLITE_BUSY_SNAPSHOT), ErrorKind::kJobLocked);
  EXPECT_EQ(KindForSqliteCode(SQLITE_LOCKED), ErrorKind::kJobLocked);
  EXPECT_EQ(KindForSqliteCode(SQLITE_LOCKED_SHAREDCACHE), ErrorKind::kJobLocked);
  EXPECT_EQ(KindForSqliteCode(SQLITE_CONSTRAINT), ErrorKind::kBackend);
  EXPECT_EQ(KindForSqliteCode(SQLITE_CONSTRAINT_TRIGGER), ErrorKind::kBackend);
  EXPECT_EQ(KindForSqliteCode(SQLITE_READONLY), ErrorKind::kBackend);
  EXPECT_EQ(KindForSqliteCode(SQLITE_IOERR), ErrorKind::kBackend);
}

// ---------------------------------------------------------------------------
// Group commit: writes queued together share one transaction, but each batch
// keeps its own atomicity and a failing batch does not take the others along.

TEST(PersistencyGroupCommit, FailingBatchIsRolledBackAloneAndReported) {
  std::unique_ptr<SqliteStore> store = OpenMemoryStore();
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->connection().Exec(kPoisonTrigger));
  std::vector<WriteBatch> batches(3);
  batches[0].Put("c", MakeKey("a"), ToBytes("1")).Put("c", MakeKey("b"), ToBytes("2"));
  batches[1].Put("c", MakeKey("x"), ToBytes("ok")).Put("c", MakeKey("y"), ToBytes("poison"));
  batches[2].Delete("c", MakeKey("a")).Put("c", MakeKey("z"), ToBytes("3"));
  std::vector<Error> errors;
  store->ApplyGroup(batches, [&](const Error& error) { errors.push_back(error); });
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(Contains(errors[0].message, "poisoned payload")) << errors[0].message;
  EXPECT_FALSE(store->connection().in_transaction());
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> rows, store->Scan("c", KeyRange{}));
  std::vector<Key> keys;
  for (const KvRow& row : rows) keys.push_back(row.key);
  EXPECT_EQ(keys, (std::vector<Key>{MakeKey("b"), MakeKey("z")}));
}

TEST(PersistencyGroupCommit, QueuedJobWritesSurviveAFailingNeighbour) {
  ScratchDir scratch;
  std::string root = scratch.Sub("root");
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(root));
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("g"));
    job->Close();
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteStore> store, SqliteStore::Open(p->JobPath("g")));
    ASSERT_OK(store->connection().Exec(kPoisonTrigger));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(root));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("g"));
  // No read in between: these writes are queued as one group.
  for (int i = 0; i < 200; ++i) {
    WriteBatch batch;
    batch.Put("c", MakeKey(std::int64_t{i}), i == 100 ? ToBytes("poison") : MakePayload(i));
    ASSERT_OK(job->Write(std::move(batch)));
  }
  Status flushed = job->Flush().get();
  ASSERT_FALSE(flushed.has_value());
  EXPECT_TRUE(Contains(flushed.error().message, "poisoned payload"));
  ASSERT_OK_AND_ASSIGN(std::int64_t count, job->Count("c", KeyRange{}).get());
  EXPECT_EQ(count, 199);
  ASSERT_OK_AND_ASSIGN(bool has_poison, job->Exists("c", MakeKey(std::int64_t{100})).get());
  EXPECT_FALSE(has_poison);
}

}  // namespace
}  // namespace persistency
