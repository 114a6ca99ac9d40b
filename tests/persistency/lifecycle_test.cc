// Port of the original suite "Persistency lifecycle" (test_lifecycle.nim),
// cases 25-37, on real temporary directories. The original's
// Persistency.instance(rootDir) maps to Persistency::Open(root); its broker
// round-trips map to the same operations through Job. Where the original
// polls for read-after-write, these tests read at once: Job serves every
// call in FIFO order, so a read issued after a write sees it.

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "persistency/encoding.h"
#include "persistency/persistency.h"
#include "persistency/write_batch.h"
#include "test_support.h"

namespace persistency {
namespace {

namespace fs = std::filesystem;
using testing_support::B;
using testing_support::KeysOf;
using testing_support::ReadFile;
using testing_support::ScratchDir;
using testing_support::Str;
using testing_support::WriteFile;

class PersistencyLifecycle : public ::testing::Test {
 protected:
  // A root below the scratch directory; not created.
  std::string Root() const { return scratch_.Sub("root"); }
  fs::path DbFile(std::string_view id) const { return fs::path(Root()) / (std::string(id) + ".db"); }

  ScratchDir scratch_;
};

// Case 25: "Persistency.instance accepts a pre-existing rootDir"
TEST_F(PersistencyLifecycle, InstanceAcceptsAPreExistingRootDir) {
  fs::create_directories(Root());
  fs::path marker = fs::path(Root()) / "marker.txt";
  WriteFile(marker, "keep me");
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(Root()));
    EXPECT_EQ(p->root(), Root());
    ASSERT_OK(p->OpenJob("job"));
    p->Close();
  }
  ASSERT_TRUE(fs::is_regular_file(marker));
  EXPECT_EQ(ReadFile(marker), "keep me");
}

// Case 26: "Persistency.instance refuses a non-directory path"
TEST_F(PersistencyLifecycle, InstanceRefusesANonDirectoryPath) {
  fs::path file = scratch_.path() / "plain-file";
  WriteFile(file, "x");
  EXPECT_ERROR_KIND(Persistency::Open(file.string()), ErrorKind::kInvalidArgument);
  EXPECT_ERROR_KIND(Persistency::Open(""), ErrorKind::kInvalidArgument);
  EXPECT_EQ(ReadFile(file), "x");
}

// Case 27: "Persistency.instance defers rootDir creation until first openJob"
TEST_F(PersistencyLifecycle, InstanceDefersRootDirCreationUntilFirstOpenJob) {
  std::string root = scratch_.Sub("not/yet/there");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(root));
  EXPECT_FALSE(fs::exists(root));
  ASSERT_OK(p->OpenJob("first"));
  EXPECT_TRUE(fs::is_directory(root));
  EXPECT_TRUE(fs::is_regular_file(fs::path(root) / "first.db"));
}

// Case 28: "Persistency.instance refuses a path whose ancestor is not a directory"
TEST_F(PersistencyLifecycle, InstanceRefusesAPathWhoseAncestorIsNotADirectory) {
  fs::path file = scratch_.path() / "plain-file";
  WriteFile(file, "x");
  EXPECT_ERROR_KIND(Persistency::Open((file / "child").string()), ErrorKind::kInvalidArgument);
  EXPECT_ERROR_KIND(Persistency::Open((file / "child" / "grandchild").string()),
                    ErrorKind::kInvalidArgument);
}

// Case 29: "openJob reuses an existing DB file across processes-of-one"
TEST_F(PersistencyLifecycle, OpenJobReusesAnExistingDbFileAcrossProcessesOfOne) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(Root()));
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("persist"));
    ASSERT_OK(job->Put("c", MakeKey("k"), B("v1")));
    ASSERT_OK_AND_ASSIGN(std::optional<Bytes> written, job->Get("c", MakeKey("k")).get());
    EXPECT_EQ(Str(written), "v1");
    p->Close();
  }
  EXPECT_TRUE(fs::is_regular_file(DbFile("persist")));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> again, Persistency::Open(Root()));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, again->OpenJob("persist"));
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> value, job->Get("c", MakeKey("k")).get());
  EXPECT_EQ(Str(value), "v1");
}

// Case 30: "openJob is idempotent within a session"
TEST_F(PersistencyLifecycle, OpenJobIsIdempotentWithinASession) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(Root()));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> first, p->OpenJob("same"));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> second, p->OpenJob("same"));
  EXPECT_EQ(first.get(), second.get());
  EXPECT_EQ(first->id(), "same");
  EXPECT_EQ(second->id(), "same");
  EXPECT_EQ(first->path(), second->path());
}

// Case 31: "openJob materialises rootDir and launches a worker"
TEST_F(PersistencyLifecycle, OpenJobMaterialisesRootDirAndLaunchesAWorker) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(Root()));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("alpha"));
  EXPECT_EQ(job->id(), "alpha");
  EXPECT_TRUE(job->running());
  EXPECT_TRUE(fs::is_regular_file(DbFile("alpha")));
  EXPECT_EQ(fs::path(job->path()), DbFile("alpha"));
  EXPECT_EQ(p->JobPath("alpha"), job->path());
}

// Case 32: "persist then read round-trips via brokers" (here: Job's write
// queue and read futures, which replace the brokers).
TEST_F(PersistencyLifecycle, PersistThenReadRoundTripsViaBrokers) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(Root()));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("broker"));
  WriteBatch event;
  event.Put("c", MakeKey("k"), B("hello"));
  ASSERT_OK(job->Write(std::move(event)));
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> value, job->Get("c", MakeKey("k")).get());
  EXPECT_EQ(Str(value), "hello");
}

// Case 33: "two jobs run in parallel with isolated DBs"
TEST_F(PersistencyLifecycle, TwoJobsRunInParallelWithIsolatedDbs) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(Root()));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> alpha, p->OpenJob("alpha"));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> beta, p->OpenJob("beta"));
  EXPECT_NE(alpha.get(), beta.get());
  EXPECT_NE(alpha->path(), beta->path());
  ASSERT_OK(alpha->Put("c", MakeKey("k"), B("from-alpha")));
  ASSERT_OK(beta->Put("c", MakeKey("k"), B("from-beta")));
  auto from_alpha = alpha->Get("c", MakeKey("k"));
  auto from_beta = beta->Get("c", MakeKey("k"));
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> a, from_alpha.get());
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> b, from_beta.get());
  EXPECT_EQ(Str(a), "from-alpha");
  EXPECT_EQ(Str(b), "from-beta");
  EXPECT_TRUE(fs::is_regular_file(DbFile("alpha")));
  EXPECT_TRUE(fs::is_regular_file(DbFile("beta")));
}

// Case 34: "closeJob joins the worker and frees the slot". The original
// checks that a request on the old broker context errors; here every call on
// the closed Job answers Closed.
TEST_F(PersistencyLifecycle, CloseJobJoinsTheWorkerAndFreesTheSlot) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(Root()));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("closing"));
  ASSERT_TRUE(job->running());
  ASSERT_OK(p->CloseJob("closing"));
  EXPECT_FALSE(job->running());
  EXPECT_FALSE(p->HasJob("closing"));

  EXPECT_ERROR_KIND(job->Exists("c", MakeKey("k")).get(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(job->Get("c", MakeKey("k")).get(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(job->Scan("c", KeyRange{}).get(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(job->Count("c", KeyRange{}).get(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(job->DeleteAcked("c", MakeKey("k")).get(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(job->Flush().get(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(job->Put("c", MakeKey("k"), B("v")), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(job->Delete("c", MakeKey("k")), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(job->DeletePrefix("c", MakeKey("k")), ErrorKind::kClosed);
  WriteBatch batch;
  batch.Put("c", MakeKey("k"), B("v"));
  EXPECT_ERROR_KIND(job->Write(std::move(batch)), ErrorKind::kClosed);

  // The string-id forms no longer find it; closing again is a no-op.
  EXPECT_ERROR_KIND(p->Exists("closing", "c", MakeKey("k")).get(), ErrorKind::kJobNotFound);
  EXPECT_OK(p->CloseJob("closing"));
  job->Close();
  EXPECT_FALSE(job->running());
}

// Case 35: "dropJob removes the DB file"
TEST_F(PersistencyLifecycle, DropJobRemovesTheDbFile) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(Root()));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("ephemeral"));
  ASSERT_OK(job->Put("c", MakeKey("k"), B("v")));
  ASSERT_OK(job->Flush().get());
  EXPECT_TRUE(fs::is_regular_file(DbFile("ephemeral")));
  ASSERT_OK(p->DropJob("ephemeral"));
  EXPECT_FALSE(job->running());
  EXPECT_FALSE(p->HasJob("ephemeral"));
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    EXPECT_FALSE(fs::exists(DbFile("ephemeral").string() + suffix)) << suffix;
  }
  // Dropping a job that is neither open nor on disk is not an error.
  EXPECT_OK(p->DropJob("ephemeral"));
  EXPECT_OK(p->DropJob("never-opened"));
}

// Case 36: "scan and count over a range"
TEST_F(PersistencyLifecycle, ScanAndCountOverARange) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(Root()));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("ranges"));
  WriteBatch event;
  for (std::int64_t n : {3, 5, 1, 4, 2}) event.Put("c", MakeKey("p", n), B(std::to_string(n)));
  ASSERT_OK(job->Write(std::move(event)));
  ASSERT_OK_AND_ASSIGN(std::int64_t counted, job->Count("c", PrefixRange(MakeKey("p"))).get());
  EXPECT_EQ(counted, 5);
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> rows, job->ScanPrefix("c", MakeKey("p")).get());
  ASSERT_EQ(rows.size(), 5u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].key, MakeKey("p", static_cast<std::int64_t>(i) + 1));
    EXPECT_EQ(Str(rows[i].payload), std::to_string(i + 1));
  }
}

// Case 37: "acked delete reports whether the row existed"
TEST_F(PersistencyLifecycle, AckedDeleteReportsWhetherTheRowExisted) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(Root()));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("acked"));
  ASSERT_OK_AND_ASSIGN(bool missing, job->DeleteAcked("c", MakeKey("k")).get());
  EXPECT_FALSE(missing);
  ASSERT_OK(job->Put("c", MakeKey("k"), B("v")));
  ASSERT_OK_AND_ASSIGN(bool existed, job->DeleteAcked("c", MakeKey("k")).get());
  EXPECT_TRUE(existed);
  ASSERT_OK_AND_ASSIGN(bool present, job->Exists("c", MakeKey("k")).get());
  EXPECT_FALSE(present);
}

// Extra (spec §1.9): a root that cannot be created when the first job opens
// is a Backend error, and no job is recorded.
TEST_F(PersistencyLifecycle, OpenJobReportsBackendWhenTheRootCannotBeCreated) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(Root()));
  WriteFile(Root(), "now a file");  // appears after validation
  EXPECT_ERROR_KIND(p->OpenJob("job"), ErrorKind::kBackend);
  EXPECT_FALSE(p->HasJob("job"));
  EXPECT_EQ(ReadFile(Root()), "now a file");
}

}  // namespace
}  // namespace persistency
