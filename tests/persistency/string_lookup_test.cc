// Port of the original suite "Persistency string-id lookup"
// (test_string_lookup.nim), cases 57-65: the Persistency methods that take
// a job id instead of a Job ref.

#include <gtest/gtest.h>

#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "persistency/encoding.h"
#include "persistency/persistency.h"
#include "persistency/write_batch.h"
#include "test_support.h"

namespace string_lookup_fixtures {

struct Note {
  std::string author;
  std::int64_t revision = 0;
  bool pinned = false;
};
inline auto ToParts(const Note& note) {
  return std::make_tuple(note.author, note.revision, note.pinned);
}

}  // namespace string_lookup_fixtures

namespace persistency {
namespace {

namespace fs = std::filesystem;
using string_lookup_fixtures::Note;
using testing_support::B;
using testing_support::ScratchDir;
using testing_support::Str;

class PersistencyStringIdLookup : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = scratch_.Sub("root");
    ASSERT_OK_AND_ASSIGN(persistency_, Persistency::Open(root_));
  }
  void TearDown() override {
    if (persistency_) persistency_->Close();
  }

  ScratchDir scratch_;
  std::string root_;
  std::unique_ptr<Persistency> persistency_;
};

// Case 57: "job(p, id) returns peJobNotFound when not open"
TEST_F(PersistencyStringIdLookup, JobReturnsJobNotFoundWhenNotOpen) {
  Result<std::shared_ptr<Job>> job = persistency_->GetJob("nope");
  ASSERT_FALSE(job.has_value());
  EXPECT_EQ(job.error().kind, ErrorKind::kJobNotFound);
  EXPECT_NE(job.error().message.find("nope"), std::string::npos) << job.error().message;
}

// Case 58: "job(p, id) returns the Job after openJob"
TEST_F(PersistencyStringIdLookup, JobReturnsTheJobAfterOpenJob) {
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> opened, persistency_->OpenJob("j"));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> found, persistency_->GetJob("j"));
  EXPECT_EQ(found.get(), opened.get());
}

// Case 59: "hasJob mirrors p.job()"
TEST_F(PersistencyStringIdLookup, HasJobMirrorsJob) {
  EXPECT_FALSE(persistency_->HasJob("j"));
  EXPECT_FALSE(persistency_->GetJob("j").has_value());
  ASSERT_OK(persistency_->OpenJob("j"));
  EXPECT_TRUE(persistency_->HasJob("j"));
  EXPECT_TRUE(persistency_->GetJob("j").has_value());
  ASSERT_OK(persistency_->CloseJob("j"));
  EXPECT_FALSE(persistency_->HasJob("j"));
  EXPECT_FALSE(persistency_->GetJob("j").has_value());
}

// Case 60: "subscript [] returns the open Job". C++ has no subscript here;
// the raising form is GetJob(id).value(), which throws on a missing job as
// the original's KeyError does.
TEST_F(PersistencyStringIdLookup, SubscriptReturnsTheOpenJob) {
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> opened, persistency_->OpenJob("j"));
  EXPECT_EQ(persistency_->GetJob("j").value().get(), opened.get());
  EXPECT_THROW((void)persistency_->GetJob("missing").value(),
               std::bad_expected_access<Error>);
}

// Case 61: "string-lookup persistPut + get round-trips without a Job ref"
TEST_F(PersistencyStringIdLookup, StringLookupPersistPutAndGetRoundTripsWithoutAJobRef) {
  ASSERT_OK(persistency_->OpenJob("j"));
  ASSERT_OK(persistency_->Put("j", "c", MakeKey("k"), B("v")));
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> value, persistency_->Get("j", "c", MakeKey("k")).get());
  EXPECT_EQ(Str(value), "v");
  ASSERT_OK_AND_ASSIGN(bool present, persistency_->Exists("j", "c", MakeKey("k")).get());
  EXPECT_TRUE(present);
}

// Case 62: "string-lookup reads short-circuit with peJobNotFound"
TEST_F(PersistencyStringIdLookup, StringLookupReadsShortCircuitWithJobNotFound) {
  EXPECT_ERROR_KIND(persistency_->Get("ghost", "c", MakeKey("k")).get(), ErrorKind::kJobNotFound);
  EXPECT_ERROR_KIND(persistency_->Count("ghost", "c", KeyRange{}).get(), ErrorKind::kJobNotFound);
  EXPECT_ERROR_KIND(persistency_->DeleteAcked("ghost", "c", MakeKey("k")).get(),
                    ErrorKind::kJobNotFound);
  EXPECT_ERROR_KIND(persistency_->Exists("ghost", "c", MakeKey("k")).get(),
                    ErrorKind::kJobNotFound);
  EXPECT_ERROR_KIND(persistency_->Scan("ghost", "c", KeyRange{}).get(), ErrorKind::kJobNotFound);
  EXPECT_ERROR_KIND(persistency_->ScanPrefix("ghost", "c", MakeKey("k")).get(),
                    ErrorKind::kJobNotFound);
  EXPECT_ERROR_KIND(persistency_->Flush("ghost").get(), ErrorKind::kJobNotFound);
  // "Before any I/O": the root was never created.
  EXPECT_FALSE(fs::exists(root_));
}

// Case 63: "string-lookup writes to an unknown job are dropped, not raised".
// Deliberate divergence: the original only logs a warning; this port drops
// the write too but reports JobNotFound in the returned Status. Nothing
// throws and no state or file is created.
TEST_F(PersistencyStringIdLookup, StringLookupWritesToAnUnknownJobAreDroppedNotRaised) {
  EXPECT_NO_THROW({
    EXPECT_ERROR_KIND(persistency_->Put("ghost", "c", MakeKey("k"), B("v")),
                      ErrorKind::kJobNotFound);
    EXPECT_ERROR_KIND(persistency_->Delete("ghost", "c", MakeKey("k")), ErrorKind::kJobNotFound);
    EXPECT_ERROR_KIND(persistency_->Put("ghost", "c", MakeKey("k"), MakePayload(Note{"a", 1})),
                      ErrorKind::kJobNotFound);
    EXPECT_ERROR_KIND(persistency_->DeletePrefix("ghost", "c", MakeKey("k")),
                      ErrorKind::kJobNotFound);
    WriteBatch batch;
    batch.Put("c", MakeKey("k"), B("v"));
    EXPECT_ERROR_KIND(persistency_->Write("ghost", std::move(batch)), ErrorKind::kJobNotFound);
  });
  EXPECT_FALSE(persistency_->HasJob("ghost"));
  EXPECT_FALSE(fs::exists(root_));
}

// Case 64: "string-lookup persistEncoded round-trips a struct"
TEST_F(PersistencyStringIdLookup, StringLookupPersistEncodedRoundTripsAStruct) {
  ASSERT_OK(persistency_->OpenJob("j"));
  Note note{"bob", 3, true};
  ASSERT_OK(persistency_->Put("j", "notes", MakeKey("note", note), MakePayload(note)));
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> stored,
                       persistency_->Get("j", "notes", MakeKey("note", "bob", 3, true)).get());
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(*stored, MakePayload("bob", std::int64_t{3}, true));
}

// Case 65: "string-lookup scan returns the same rows as Job-form"
TEST_F(PersistencyStringIdLookup, StringLookupScanReturnsTheSameRowsAsJobForm) {
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> job, persistency_->OpenJob("j"));
  for (std::int64_t n : {4, 2, 9, 1}) {
    ASSERT_OK(persistency_->Put("j", "c", MakeKey("p", n), B("v" + std::to_string(n))));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> by_id,
                       persistency_->ScanPrefix("j", "c", MakeKey("p")).get());
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> by_ref, job->ScanPrefix("c", MakeKey("p")).get());
  ASSERT_EQ(by_id.size(), 4u);
  EXPECT_EQ(by_id, by_ref);
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> reversed_by_id,
                       persistency_->Scan("j", "c", PrefixRange(MakeKey("p")),
                                          {.reverse = true}).get());
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> reversed_by_ref,
                       job->Scan("c", PrefixRange(MakeKey("p")), {.reverse = true}).get());
  EXPECT_EQ(reversed_by_id, reversed_by_ref);
  EXPECT_EQ(reversed_by_id.front().key, MakeKey("p", std::int64_t{9}));
}

}  // namespace
}  // namespace persistency
