// Port of the original suite "Persistency singleton" (test_singleton.nim),
// cases 66-70 (71, the Teardown broker, was removed before the merge). The
// merge-time process-wide singleton is provided here by PersistencyRegistry,
// an owned object: Instance(root) is get-or-init, Instance() answers Closed
// before init, Reset() closes and forgets the instance.
//
// Also the post-merge suite "Persistency instances" (spec §2.8), which
// replaced the singleton with independent Persistency objects.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "persistency/encoding.h"
#include "persistency/persistency.h"
#include "test_support.h"

namespace persistency {
namespace {

namespace fs = std::filesystem;
using testing_support::B;
using testing_support::ScratchDir;
using testing_support::Str;
using testing_support::WriteFile;

class PersistencySingleton : public ::testing::Test {
 protected:
  void TearDown() override { registry_.Reset(); }

  ScratchDir scratch_;
  PersistencyRegistry registry_;
};

// Case 66: "instance(rootDir) is idempotent with the same rootDir"
TEST_F(PersistencySingleton, InstanceIsIdempotentWithTheSameRootDir) {
  std::string root = scratch_.Sub("root");
  ASSERT_OK_AND_ASSIGN(Persistency * first, registry_.Instance(root));
  ASSERT_OK_AND_ASSIGN(Persistency * second, registry_.Instance(root));
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first, second);
  EXPECT_EQ(first->root(), root);
  // Like the original, init creates nothing on disk.
  EXPECT_FALSE(fs::exists(root));
}

// Case 67: "instance(rootDir) refuses re-init with a different rootDir"
TEST_F(PersistencySingleton, InstanceRefusesReInitWithADifferentRootDir) {
  std::string first_root = scratch_.Sub("first");
  std::string other_root = scratch_.Sub("other");
  ASSERT_OK_AND_ASSIGN(Persistency * first, registry_.Instance(first_root));
  Result<Persistency*> other = registry_.Instance(other_root);
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(other.error().message.find(first_root), std::string::npos) << other.error().message;
  EXPECT_NE(other.error().message.find(other_root), std::string::npos) << other.error().message;
  // The live instance is unaffected.
  ASSERT_OK_AND_ASSIGN(Persistency * live, registry_.Instance());
  EXPECT_EQ(live, first);
}

// Case 68: "no-arg instance() fails before init, succeeds after"
TEST_F(PersistencySingleton, NoArgInstanceFailsBeforeInitSucceedsAfter) {
  EXPECT_ERROR_KIND(registry_.Instance(), ErrorKind::kClosed);
  ASSERT_OK_AND_ASSIGN(Persistency * created, registry_.Instance(scratch_.Sub("root")));
  ASSERT_OK_AND_ASSIGN(Persistency * live, registry_.Instance());
  EXPECT_EQ(live, created);
}

// Case 69: "reset() makes the next instance() target a different rootDir"
TEST_F(PersistencySingleton, ResetMakesTheNextInstanceTargetADifferentRootDir) {
  ASSERT_OK_AND_ASSIGN(Persistency * first, registry_.Instance(scratch_.Sub("first")));
  EXPECT_EQ(first->root(), scratch_.Sub("first"));
  registry_.Reset();
  ASSERT_OK_AND_ASSIGN(Persistency * second, registry_.Instance(scratch_.Sub("second")));
  EXPECT_EQ(second->root(), scratch_.Sub("second"));
  ASSERT_OK_AND_ASSIGN(Persistency * live, registry_.Instance());
  EXPECT_EQ(live, second);
}

// Case 70: "reset() is idempotent"
TEST_F(PersistencySingleton, ResetIsIdempotent) {
  ASSERT_OK(registry_.Instance(scratch_.Sub("root")));
  registry_.Reset();
  registry_.Reset();
  EXPECT_ERROR_KIND(registry_.Instance(), ErrorKind::kClosed);
  PersistencyRegistry never_used;
  never_used.Reset();
  EXPECT_ERROR_KIND(never_used.Instance(), ErrorKind::kClosed);
}

// Extra: Reset closes every job of the old instance, and the data they wrote
// is on disk for the next instance.
TEST_F(PersistencySingleton, ResetClosesTheJobsOfTheOldInstance) {
  std::string root = scratch_.Sub("root");
  ASSERT_OK_AND_ASSIGN(Persistency * first, registry_.Instance(root));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, first->OpenJob("j"));
  ASSERT_OK(job->Put("c", MakeKey("k"), B("kept")));
  registry_.Reset();
  EXPECT_FALSE(job->running());
  ASSERT_OK_AND_ASSIGN(Persistency * second, registry_.Instance(root));
  EXPECT_FALSE(second->HasJob("j"));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> reopened, second->OpenJob("j"));
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> value, reopened->Get("c", MakeKey("k")).get());
  EXPECT_EQ(Str(value), "kept");
}

// Extra: an invalid root leaves the registry uninitialised.
TEST_F(PersistencySingleton, InvalidRootLeavesTheRegistryUninitialised) {
  fs::path file = scratch_.path() / "plain-file";
  WriteFile(file, "x");
  EXPECT_ERROR_KIND(registry_.Instance(file.string()), ErrorKind::kInvalidArgument);
  EXPECT_ERROR_KIND(registry_.Instance(""), ErrorKind::kInvalidArgument);
  EXPECT_ERROR_KIND(registry_.Instance(), ErrorKind::kClosed);
  ASSERT_OK(registry_.Instance(scratch_.Sub("root")));
}

// §2.8 "Persistency instances": `new` gives independent instances.
TEST(PersistencyInstances, OpenGivesIndependentInstances) {
  ScratchDir scratch;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> a, Persistency::Open(scratch.Sub("a")));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> b, Persistency::Open(scratch.Sub("b")));
  EXPECT_NE(a.get(), b.get());
  ASSERT_OK(a->OpenJob("j"));
  EXPECT_TRUE(a->HasJob("j"));
  EXPECT_FALSE(b->HasJob("j"));
  a->Close();
  EXPECT_FALSE(a->HasJob("j"));
}

// §2.8 "Persistency instances": the same root still gives distinct
// instances, each with its own job table.
TEST(PersistencyInstances, OpenWithTheSameRootStillGivesDistinctInstances) {
  ScratchDir scratch;
  std::string root = scratch.Sub("root");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> a, Persistency::Open(root));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> b, Persistency::Open(root));
  EXPECT_NE(a.get(), b.get());
  EXPECT_EQ(a->root(), b->root());
  ASSERT_OK(a->OpenJob("only-in-a"));
  EXPECT_FALSE(b->HasJob("only-in-a"));
  a->Close();
  EXPECT_TRUE(b->root() == root);
}

// §2.8 "Persistency instances": close() is idempotent.
TEST(PersistencyInstances, CloseIsIdempotent) {
  ScratchDir scratch;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(scratch.Sub("root")));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("j"));
  p->Close();
  EXPECT_FALSE(job->running());
  EXPECT_FALSE(p->HasJob("j"));
  p->Close();
  p->Close();
  // The instance is still usable after Close.
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> again, p->OpenJob("j"));
  EXPECT_TRUE(again->running());
  EXPECT_NE(again.get(), job.get());
}

}  // namespace
}  // namespace persistency
