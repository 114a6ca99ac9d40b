// Hostile and out-of-range input to the persistency C++ API: the rows of
// docs/limits.md that concern src/persistency. Real files in a scratch
// directory; every refused call is checked to have touched nothing outside
// (or inside) the root.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "persistency/encoding.h"
#include "persistency/error.h"
#include "persistency/job.h"
#include "persistency/job_id.h"
#include "persistency/persistency.h"
#include "test_support.h"

namespace persistency {
namespace {

namespace fs = std::filesystem;
using testing_support::ListDir;
using testing_support::ScratchDir;
using testing_support::WriteFile;

// Ids that name something other than a file directly in the root.
std::vector<std::string> HostileJobIds() {
  return {"",
          "..",
          ".",
          "../escape",
          "../../etc/passwd",
          "a/../../escape",
          "/tmp/escape",
          "sub/job",
          "sub\\job",
          std::string("job\0.db", 7),
          std::string(1, '\0'),
          "tab\tid",
          std::string("del") + '\x7f',
          std::string(kMaxJobIdLength + 1, 'j')};
}

TEST(PersistencyLimits, HostileJobIdsAreInvalidArgumentAndTouchNothing) {
  ScratchDir scratch;
  const std::string root = scratch.Sub("root");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(root));
  for (const std::string& id : HostileJobIds()) {
    SCOPED_TRACE("id of " + std::to_string(id.size()) + " bytes: " + id.substr(0, 20));
    EXPECT_ERROR_KIND(ValidateJobId(id), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(p->OpenJob(id), ErrorKind::kInvalidArgument);
    EXPECT_ERROR_KIND(p->DropJob(id), ErrorKind::kInvalidArgument);
    EXPECT_OK(p->CloseJob(id));  // closing what is not open does nothing
    EXPECT_ERROR_KIND(p->GetJob(id), ErrorKind::kJobNotFound);
    EXPECT_FALSE(p->HasJob(id));
  }
  EXPECT_EQ(ListDir(scratch.path()), std::vector<std::string>{});
}

TEST(PersistencyLimits, TheLongestIdIsAFileInTheRoot) {
  ScratchDir scratch;
  const std::string root = scratch.Sub("root");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(root));
  const std::string id(kMaxJobIdLength, 'j');
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob(id));
  EXPECT_EQ(fs::path(job->path()).parent_path(), fs::path(root));
  EXPECT_EQ(ListDir(scratch.path()), std::vector<std::string>{"root"});
}

TEST(PersistencyLimits, BadRootsAreInvalidArgument) {
  ScratchDir scratch;
  WriteFile(scratch.path() / "file", "not a directory");
  const std::string with_nul = scratch.Sub("root") + std::string(1, '\0') + "/../../elsewhere";
  for (const std::string& root : {std::string(), with_nul, scratch.Sub("file"), scratch.Sub("file/below")}) {
    SCOPED_TRACE("root of " + std::to_string(root.size()) + " bytes");
    EXPECT_ERROR_KIND(Persistency::Open(root), ErrorKind::kInvalidArgument);
  }
  EXPECT_ERROR_KIND(ValidateRootText(with_nul), ErrorKind::kInvalidArgument);
  EXPECT_EQ(ListDir(scratch.path()), std::vector<std::string>{"file"});
}

TEST(PersistencyLimits, KeyPartsOverTheLengthLimitAreRefused) {
  const std::string too_long(kMaxPartLength + 1, 'k');
  EXPECT_ERROR_KIND(TryMakeKey(too_long), ErrorKind::kInvalidArgument);
  EXPECT_ERROR_KIND(TryMakePayload(too_long), ErrorKind::kInvalidArgument);
  EXPECT_THROW(MakeKey(too_long), std::length_error);
  ASSERT_OK(TryMakeKey(std::string(kMaxPartLength, 'k')));
}

TEST(PersistencyLimits, ClosedJobsAreClosed) {
  ScratchDir scratch;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Persistency> p, Persistency::Open(scratch.Sub("root")));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, p->OpenJob("job"));
  ASSERT_OK(p->CloseJob("job"));
  EXPECT_ERROR_KIND(job->Put("c", MakeKey("k"), Bytes{1}), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(job->Get("c", MakeKey("k")).get(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(job->Flush().get(), ErrorKind::kClosed);
  EXPECT_ERROR_KIND(p->Put("job", "c", MakeKey("k"), Bytes{1}), ErrorKind::kJobNotFound);
  // Close() closes every job (the Persistency itself stays usable).
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> reopened, p->OpenJob("job"));
  p->Close();
  EXPECT_ERROR_KIND(reopened->Put("c", MakeKey("k"), Bytes{1}), ErrorKind::kClosed);
}

}  // namespace
}  // namespace persistency
