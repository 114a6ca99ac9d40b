// SQLITE_FULL from a database file is ErrorKind::kQuotaExceeded, in every
// journal mode, and a full database keeps its committed data and recovers.
// PRAGMA max_page_count makes SQLite report a full disk without filling one.
#include <sqlite3.h>

#include <ostream>
#include <string>

#include "persistency/sqlite_store.h"
#include "test_support.h"

namespace persistency {
namespace {

using testing_support::B;
using testing_support::ScratchDir;
using testing_support::Str;

struct ModeCase {
  const char* name;
  JournalMode mode;
  bool exclusive_locking;
};

void PrintTo(const ModeCase& mode, std::ostream* out) { *out << mode.name; }

class QuotaTest : public ::testing::TestWithParam<ModeCase> {
 protected:
  Result<std::unique_ptr<SqliteStore>> OpenStore() {
    StoreOptions options;
    options.journal_mode = GetParam().mode;
    options.exclusive_locking = GetParam().exclusive_locking;
    return SqliteStore::Open((scratch_.path() / "full.db").string(), options);
  }

  ScratchDir scratch_;
};

Key Numbered(std::string_view prefix, int i) {
  return Key::Raw(B(std::string(prefix) + std::to_string(1000 + i)));
}

WriteBatch Rows(std::string_view prefix, int count, std::size_t payload_size) {
  WriteBatch batch;
  for (int i = 0; i < count; ++i) batch.Put("q", Numbered(prefix, i), Bytes(payload_size, 0x5a));
  return batch;
}

std::int64_t CountAll(SqliteStore& store) {
  Result<std::int64_t> count = store.Count("q", KeyRange{});
  return count ? *count : -1;
}

TEST_P(QuotaTest, FullDatabaseIsQuotaExceededAndKeepsCommittedData) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteStore> store, OpenStore());
  ASSERT_OK(store->Apply(Rows("kept", 10, 100)));
  ASSERT_OK_AND_ASSIGN(std::int64_t pages, store->connection().QueryInt64("PRAGMA page_count"));
  ASSERT_OK(store->connection().Exec("PRAGMA max_page_count=" + std::to_string(pages + 2)));

  Status full = store->Apply(Rows("lost", 50, 1024));
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().kind, ErrorKind::kQuotaExceeded) << full.error().ToString();
  EXPECT_EQ(full.error().backend_code & 0xff, SQLITE_FULL);
  EXPECT_FALSE(store->connection().in_transaction());
  EXPECT_EQ(CountAll(*store), 10);

  // A group where one batch does not fit: that batch alone fails.
  std::vector<WriteBatch> group;
  group.push_back(Rows("small", 1, 10));
  group.push_back(Rows("huge", 50, 1024));
  std::vector<Error> errors;
  store->ApplyGroup(group, [&](const Error& error) { errors.push_back(error); });
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].kind, ErrorKind::kQuotaExceeded) << errors[0].ToString();
  EXPECT_EQ(CountAll(*store), 11);

  // Room again: the same store goes on.
  ASSERT_OK(store->connection().Exec("PRAGMA max_page_count=1000000"));
  ASSERT_OK(store->Apply(Rows("after", 2, 10)));
  store.reset();

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteStore> reopened, OpenStore());
  EXPECT_EQ(CountAll(*reopened), 13);
  ASSERT_OK_AND_ASSIGN(std::optional<Bytes> kept, reopened->Get("q", Numbered("kept", 9)));
  EXPECT_EQ(Str(kept), std::string(100, 0x5a));
  ASSERT_OK_AND_ASSIGN(std::string check, reopened->connection().QueryText("PRAGMA integrity_check"));
  EXPECT_EQ(check, "ok");
}

INSTANTIATE_TEST_SUITE_P(
    JournalModes, QuotaTest,
    ::testing::Values(ModeCase{"WalExclusive", JournalMode::kWal, true},
                      ModeCase{"Truncate", JournalMode::kTruncate, false},
                      ModeCase{"Delete", JournalMode::kDelete, false}),
    [](const ::testing::TestParamInfo<ModeCase>& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace persistency
