// Port of the original suite "Persistency SQLite backend" (test_backend.nim),
// cases 13-24. Like the original, every case runs synchronously on an
// in-memory store.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "persistency/encoding.h"
#include "persistency/sqlite_store.h"
#include "persistency/write_batch.h"
#include "test_support.h"

namespace persistency {
namespace {

using testing_support::B;
using testing_support::KeysOf;
using testing_support::Str;

class PersistencySqliteBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, SqliteStore::OpenInMemory());
    ASSERT_NE(store_, nullptr);
  }

  // Puts one row as a single-op batch.
  void Put(std::string_view category, const Key& key, std::string_view payload) {
    WriteBatch batch;
    batch.Put(std::string(category), key, B(payload));
    ASSERT_OK(store_->Apply(batch));
  }

  static Key C1(std::int64_t n) { return MakeKey("c1", n); }

  std::unique_ptr<SqliteStore> store_;
};

// Case 13: "open in-memory backend and round-trip a single value"
TEST_F(PersistencySqliteBackend, OpenInMemoryBackendAndRoundTripASingleValue) {
  Put("log", MakeKey("k"), "hello");
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> value, store_->Get("log", MakeKey("k")));
  EXPECT_EQ(Str(value), "hello");
  ASSERT_OK_AND_ASSIGN(bool present, store_->Exists("log", MakeKey("k")));
  EXPECT_TRUE(present);
  ASSERT_OK_AND_ASSIGN(bool other, store_->Exists("log", MakeKey("other")));
  EXPECT_FALSE(other);
}

// Case 14: "INSERT OR REPLACE overwrites payload for the same key"
TEST_F(PersistencySqliteBackend, InsertOrReplaceOverwritesPayloadForTheSameKey) {
  Put("log", MakeKey("k"), "v1");
  Put("log", MakeKey("k"), "v2");
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> value, store_->Get("log", MakeKey("k")));
  EXPECT_EQ(Str(value), "v2");
  ASSERT_OK_AND_ASSIGN(std::int64_t rows, store_->Count("log", PrefixRange(MakeKey("k"))));
  EXPECT_EQ(rows, 1);
}

// Case 15: "deleteOne reports whether the row existed"
TEST_F(PersistencySqliteBackend, DeleteOneReportsWhetherTheRowExisted) {
  ASSERT_OK_AND_ASSIGN(bool missing, store_->DeleteOne("log", MakeKey("k")));
  EXPECT_FALSE(missing);
  Put("log", MakeKey("k"), "v");
  ASSERT_OK_AND_ASSIGN(bool existed, store_->DeleteOne("log", MakeKey("k")));
  EXPECT_TRUE(existed);
  ASSERT_OK_AND_ASSIGN(bool still_there, store_->Exists("log", MakeKey("k")));
  EXPECT_FALSE(still_there);
  ASSERT_OK_AND_ASSIGN(bool again, store_->DeleteOne("log", MakeKey("k")));
  EXPECT_FALSE(again);
}

// Case 16: "applyOps batches multiple ops atomically"
TEST_F(PersistencySqliteBackend, ApplyOpsBatchesMultipleOpsAtomically) {
  WriteBatch batch;
  batch.Put("log", C1(1), B("a")).Put("log", C1(2), B("b")).Put("log", C1(3), B("c"));
  ASSERT_OK(store_->Apply(batch));
  EXPECT_FALSE(store_->connection().in_transaction());
  ASSERT_OK_AND_ASSIGN(std::int64_t rows, store_->Count("log", PrefixRange(MakeKey("c1"))));
  EXPECT_EQ(rows, 3);
}

// Case 17: "scanRange ascending yields rows in key order"
TEST_F(PersistencySqliteBackend, ScanRangeAscendingYieldsRowsInKeyOrder) {
  for (std::int64_t n : {5, 1, 4, 2, 3}) Put("log", C1(n), std::to_string(n));
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> rows, store_->ScanPrefix("log", MakeKey("c1")));
  ASSERT_EQ(rows.size(), 5u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].key, C1(static_cast<std::int64_t>(i) + 1));
    EXPECT_EQ(Str(rows[i].payload), std::to_string(i + 1));
  }
}

// Case 18: "scanRange descending yields rows in reverse key order"
TEST_F(PersistencySqliteBackend, ScanRangeDescendingYieldsRowsInReverseKeyOrder) {
  for (std::int64_t n : {2, 3, 1}) Put("log", C1(n), std::to_string(n));
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> rows,
                       store_->Scan("log", PrefixRange(MakeKey("c1")), {.reverse = true}));
  EXPECT_EQ(KeysOf(rows), (std::vector<Key>{C1(3), C1(2), C1(1)}));
}

// Case 19: "scanRange respects half-open [start, stop) bounds"
TEST_F(PersistencySqliteBackend, ScanRangeRespectsHalfOpenStartStopBounds) {
  for (std::int64_t n : {1, 2, 3, 4, 5}) Put("log", C1(n), std::to_string(n));
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> rows, store_->Scan("log", KeyRange{C1(2), C1(4)}));
  EXPECT_EQ(KeysOf(rows), (std::vector<Key>{C1(2), C1(3)}));
  ASSERT_OK_AND_ASSIGN(std::int64_t counted, store_->Count("log", KeyRange{C1(2), C1(4)}));
  EXPECT_EQ(counted, 2);
}

// Case 20: "scanRange with empty stop is open-ended"
TEST_F(PersistencySqliteBackend, ScanRangeWithEmptyStopIsOpenEnded) {
  for (std::int64_t n : {1, 2, 3}) Put("log", C1(n), std::to_string(n));
  ASSERT_OK_AND_ASSIGN(std::vector<KvRow> rows, store_->Scan("log", KeyRange{C1(2), Key()}));
  EXPECT_EQ(KeysOf(rows), (std::vector<Key>{C1(2), C1(3)}));
  ASSERT_OK_AND_ASSIGN(std::int64_t counted, store_->Count("log", KeyRange{C1(2), Key()}));
  EXPECT_EQ(counted, 2);
}

// Case 21: "categories isolate keyspaces"
TEST_F(PersistencySqliteBackend, CategoriesIsolateKeyspaces) {
  Key key = MakeKey("shared");
  Put("log", key, "from-log");
  Put("outgoing", key, "from-outgoing");
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> log, store_->Get("log", key));
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> outgoing, store_->Get("outgoing", key));
  EXPECT_EQ(Str(log), "from-log");
  EXPECT_EQ(Str(outgoing), "from-outgoing");
  ASSERT_OK_AND_ASSIGN(std::int64_t log_rows, store_->Count("log", PrefixRange(key)));
  ASSERT_OK_AND_ASSIGN(std::int64_t outgoing_rows, store_->Count("outgoing", PrefixRange(key)));
  EXPECT_EQ(log_rows, 1);
  EXPECT_EQ(outgoing_rows, 1);
}

// Case 22: "txDelete inside a batch removes the row"
TEST_F(PersistencySqliteBackend, TxDeleteInsideABatchRemovesTheRow) {
  WriteBatch batch;
  batch.Put("log", MakeKey("k"), B("v")).Delete("log", MakeKey("k"));
  ASSERT_OK(store_->Apply(batch));
  ASSERT_OK_AND_ASSIGN(bool present, store_->Exists("log", MakeKey("k")));
  EXPECT_FALSE(present);
}

// Case 23: "missing key returns none"
TEST_F(PersistencySqliteBackend, MissingKeyReturnsNone) {
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> value, store_->Get("log", MakeKey("absent")));
  EXPECT_FALSE(value.has_value());
}

// Case 24: "countRange of empty category is zero"
TEST_F(PersistencySqliteBackend, CountRangeOfEmptyCategoryIsZero) {
  Put("other", MakeKey("k"), "v");
  ASSERT_OK_AND_ASSIGN(std::int64_t rows, store_->Count("empty", KeyRange{}));
  EXPECT_EQ(rows, 0);
  ASSERT_OK_AND_ASSIGN(std::int64_t prefixed, store_->Count("empty", PrefixRange(MakeKey("c1"))));
  EXPECT_EQ(prefixed, 0);
}

}  // namespace
}  // namespace persistency
