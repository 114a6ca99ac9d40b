// Port of the original suite "Persistency facade" (test_facade.nim), cases
// 38-44: the Job-ref read/write API. The original polls `exists` before
// every read; Job's FIFO ordering makes that unnecessary, so each read is
// issued straight after the writes and must already see them.

#include <gtest/gtest.h>

#include <cstdint>
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

using testing_support::B;
using testing_support::KeysOf;
using testing_support::ScratchDir;
using testing_support::Str;

class PersistencyFacade : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(persistency_, Persistency::Open(scratch_.Sub("root")));
    ASSERT_OK_AND_ASSIGN(job_, persistency_->OpenJob("facade"));
  }
  void TearDown() override {
    if (persistency_) persistency_->Close();
  }

  static Key Seq(std::int64_t n) { return MakeKey("seq", n); }

  ScratchDir scratch_;
  std::unique_ptr<Persistency> persistency_;
  std::shared_ptr<Job> job_;
};

// Case 38: "persistPut then get round-trips"
TEST_F(PersistencyFacade, PersistPutThenGetRoundTrips) {
  ASSERT_OK(job_->Put("c", MakeKey("k"), B("hi")));
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> value, job_->Get("c", MakeKey("k")).get());
  EXPECT_EQ(Str(value), "hi");
}

// Case 39: "persist (batch) is atomic and visible together"
TEST_F(PersistencyFacade, PersistBatchIsAtomicAndVisibleTogether) {
  WriteBatch batch;
  for (std::int64_t n = 1; n <= 4; ++n) batch.Put("c", Seq(n), B("v" + std::to_string(n)));
  ASSERT_OK(job_->Write(std::move(batch)));
  ASSERT_OK_AND_ASSIGN(bool last, job_->Exists("c", Seq(4)).get());
  EXPECT_TRUE(last);
  ASSERT_OK_AND_ASSIGN(std::int64_t counted, job_->Count("c", PrefixRange(MakeKey("seq"))).get());
  EXPECT_EQ(counted, 4);
}

// Case 40: "scanPrefix returns rows in key order"
TEST_F(PersistencyFacade, ScanPrefixReturnsRowsInKeyOrder) {
  for (std::int64_t n : {3, 1, 4, 1, 5, 9, 2}) {
    ASSERT_OK(job_->Put("c", Seq(n), B(std::to_string(n))));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> rows, job_->ScanPrefix("c", MakeKey("seq")).get());
  EXPECT_EQ(KeysOf(rows), (std::vector<Key>{Seq(1), Seq(2), Seq(3), Seq(4), Seq(5), Seq(9)}));
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(Str(rows.back().payload), "9");
}

// Case 41: "scanPrefix reverse=true returns rows in reverse order"
TEST_F(PersistencyFacade, ScanPrefixReverseTrueReturnsRowsInReverseOrder) {
  for (std::int64_t n : {1, 2, 3}) ASSERT_OK(job_->Put("c", Seq(n), B(std::to_string(n))));
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> rows,
                       job_->ScanPrefix("c", MakeKey("seq"), {.reverse = true}).get());
  EXPECT_EQ(KeysOf(rows), (std::vector<Key>{Seq(3), Seq(2), Seq(1)}));
}

// Case 42: "deleteAcked round-trips and reports row presence"
TEST_F(PersistencyFacade, DeleteAckedRoundTripsAndReportsRowPresence) {
  ASSERT_OK_AND_ASSIGN(bool miss, job_->DeleteAcked("c", MakeKey("k")).get());
  EXPECT_FALSE(miss);
  ASSERT_OK(job_->Put("c", MakeKey("k"), B("v")));
  ASSERT_OK_AND_ASSIGN(bool hit, job_->DeleteAcked("c", MakeKey("k")).get());
  EXPECT_TRUE(hit);
  ASSERT_OK_AND_ASSIGN(bool present, job_->Exists("c", MakeKey("k")).get());
  EXPECT_FALSE(present);
}

// Case 43: "persistDelete fire-and-forget removes the row"
TEST_F(PersistencyFacade, PersistDeleteFireAndForgetRemovesTheRow) {
  ASSERT_OK(job_->Put("c", MakeKey("k"), B("v")));
  ASSERT_OK_AND_ASSIGN(bool before, job_->Exists("c", MakeKey("k")).get());
  EXPECT_TRUE(before);
  ASSERT_OK(job_->Delete("c", MakeKey("k")));
  ASSERT_OK_AND_ASSIGN(bool after, job_->Exists("c", MakeKey("k")).get());
  EXPECT_FALSE(after);
  // Deleting a missing row is not an error.
  ASSERT_OK(job_->Delete("c", MakeKey("k")));
  EXPECT_OK(job_->Flush().get());
}

// Case 44: "two jobs do not see each other's data via the facade"
TEST_F(PersistencyFacade, TwoJobsDoNotSeeEachOthersDataViaTheFacade) {
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> a, persistency_->OpenJob("A"));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Job> b, persistency_->OpenJob("B"));
  const Key shared = MakeKey("row", "shared");
  ASSERT_OK(a->Put("c", shared, B("value-a")));
  ASSERT_OK(b->Put("c", shared, B("value-b")));
  ASSERT_OK(a->Put("c", MakeKey("row", "only-a"), B("a")));
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> a_value, a->Get("c", shared).get());
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> b_value, b->Get("c", shared).get());
  EXPECT_EQ(Str(a_value), "value-a");
  EXPECT_EQ(Str(b_value), "value-b");
  ASSERT_OK_AND_ASSIGN(bool b_sees_a, b->Exists("c", MakeKey("row", "only-a")).get());
  EXPECT_FALSE(b_sees_a);
  ASSERT_OK_AND_ASSIGN(std::int64_t a_rows, a->Count("c", PrefixRange(MakeKey("row"))).get());
  ASSERT_OK_AND_ASSIGN(std::int64_t b_rows, b->Count("c", PrefixRange(MakeKey("row"))).get());
  EXPECT_EQ(a_rows, 2);
  EXPECT_EQ(b_rows, 1);
}

}  // namespace
}  // namespace persistency
