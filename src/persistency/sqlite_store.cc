#include "persistency/sqlite_store.h"

#include <algorithm>
#include <utility>

namespace persistency {

// Every statement the store runs, prepared once per connection. Ranges come
// in two shapes: bounded [start, stop) and open-ended [start, ∞).
struct SqliteStore::Statements {
  SqliteStatement put, erase, erase_bounded, erase_open;
  SqliteStatement get, exists;
  SqliteStatement scan_asc_bounded, scan_asc_open, scan_desc_bounded, scan_desc_open;
  SqliteStatement count_bounded, count_open;
  SqliteStatement begin, commit, rollback;
  SqliteStatement savepoint, rollback_to_savepoint, release_savepoint;
};

namespace {

constexpr std::string_view kWhereBounded = " WHERE category=?1 AND key>=?2 AND key<?3";
constexpr std::string_view kWhereOpen = " WHERE category=?1 AND key>=?2";

// Resets a statement on every exit path so it never holds a read lock.
class StatementScope {
 public:
  explicit StatementScope(SqliteStatement& stmt) : stmt_(stmt) {}
  ~StatementScope() { stmt_.Reset(); }
  SqliteStatement* operator->() { return &stmt_; }
  SqliteStatement& operator*() { return stmt_; }

 private:
  SqliteStatement& stmt_;
};

Result<std::unique_ptr<SqliteStore::Statements>> PrepareAll(SqliteConnection& db);

std::string ScanSql(std::string_view where, bool reverse) {
  std::string sql = "SELECT key, payload FROM kv";
  sql += where;
  sql += reverse ? " ORDER BY key DESC LIMIT ?4" : " ORDER BY key ASC LIMIT ?4";
  return sql;
}

void BindRange(SqliteStatement& stmt, std::string_view category, const KeyRange& range) {
  stmt.BindBlob(1, AsBytes(category));
  stmt.BindBlob(2, range.start.view());
  if (!range.open_ended()) stmt.BindBlob(3, range.stop.view());
}

void BindKey(SqliteStatement& stmt, std::string_view category, const Key& key) {
  stmt.BindBlob(1, AsBytes(category));
  stmt.BindBlob(2, key.view());
}

}  // namespace

SqliteStore::SqliteStore(Token, SqliteConnection connection, std::unique_ptr<Statements> statements)
    : connection_(std::move(connection)), statements_(std::move(statements)) {}

SqliteStore::~SqliteStore() {
  // Statements must be finalized before the connection closes.
  statements_.reset();
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       const StoreOptions& options) {
  Result<SqliteConnection> connection = SqliteConnection::Open(path, options.vfs);
  if (!connection) return std::unexpected(std::move(connection.error()));
  if (Status status = PrepareSchema(*connection, options); !status) {
    return std::unexpected(std::move(status.error()));
  }
  Result<std::unique_ptr<Statements>> statements = PrepareAll(*connection);
  if (!statements) return std::unexpected(std::move(statements.error()));
  return std::make_unique<SqliteStore>(Token{}, std::move(*connection), std::move(*statements));
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::OpenInMemory() {
  StoreOptions options;
  options.journal_mode = JournalMode::kMemory;
  return Open(std::string(kInMemoryPath), options);
}

namespace {

Result<std::unique_ptr<SqliteStore::Statements>> PrepareAll(SqliteConnection& db) {
  auto statements = std::make_unique<SqliteStore::Statements>();
  std::string select_where = std::string(" FROM kv WHERE category=?1 AND key=?2");
  const std::pair<SqliteStatement*, std::string> sql[] = {
      {&statements->put, "INSERT OR REPLACE INTO kv (category, key, payload) VALUES (?1, ?2, ?3)"},
      {&statements->erase, "DELETE FROM kv WHERE category=?1 AND key=?2"},
      {&statements->erase_bounded, "DELETE FROM kv" + std::string(kWhereBounded)},
      {&statements->erase_open, "DELETE FROM kv" + std::string(kWhereOpen)},
      {&statements->get, "SELECT payload" + select_where},
      {&statements->exists, "SELECT 1" + select_where},
      {&statements->scan_asc_bounded, ScanSql(kWhereBounded, false)},
      {&statements->scan_asc_open, ScanSql(kWhereOpen, false)},
      {&statements->scan_desc_bounded, ScanSql(kWhereBounded, true)},
      {&statements->scan_desc_open, ScanSql(kWhereOpen, true)},
      {&statements->count_bounded, "SELECT COUNT(*) FROM kv" + std::string(kWhereBounded)},
      {&statements->count_open, "SELECT COUNT(*) FROM kv" + std::string(kWhereOpen)},
      {&statements->begin, "BEGIN IMMEDIATE"},
      {&statements->commit, "COMMIT"},
      {&statements->rollback, "ROLLBACK"},
      {&statements->savepoint, "SAVEPOINT batch"},
      {&statements->rollback_to_savepoint, "ROLLBACK TO batch"},
      {&statements->release_savepoint, "RELEASE batch"},
  };
  for (const auto& [target, text] : sql) {
    Result<SqliteStatement> stmt = db.Prepare(text);
    if (!stmt) return std::unexpected(std::move(stmt.error()));
    *target = std::move(*stmt);
  }
  return statements;
}

}  // namespace

Status SqliteStore::ApplyOne(const WriteOp& op) {
  switch (op.kind) {
    case WriteKind::kPut: {
      StatementScope stmt(statements_->put);
      BindKey(*stmt, op.category, op.key);
      stmt->BindBlob(3, op.payload);
      return stmt->Run();
    }
    case WriteKind::kDelete: {
      StatementScope stmt(statements_->erase);
      BindKey(*stmt, op.category, op.key);
      return stmt->Run();
    }
    case WriteKind::kDeletePrefix: {
      KeyRange range = PrefixRange(op.key);
      StatementScope stmt(range.open_ended() ? statements_->erase_open
                                             : statements_->erase_bounded);
      BindRange(*stmt, op.category, range);
      return stmt->Run();
    }
  }
  return MakeError(ErrorKind::kInvalidArgument, "unknown write kind");
}

Status SqliteStore::ApplyInTransaction(const WriteBatch& batch) {
  if (Status begun = StatementScope(statements_->begin)->Run(); !begun) return begun;
  for (const WriteOp& op : batch.ops()) {
    if (Status status = ApplyOne(op); !status) {
      // A failed COMMIT or a full disk may already have ended the transaction.
      if (connection_.in_transaction()) (void)StatementScope(statements_->rollback)->Run();
      return status;
    }
  }
  Status committed = StatementScope(statements_->commit)->Run();
  if (!committed && connection_.in_transaction()) {
    (void)StatementScope(statements_->rollback)->Run();
  }
  return committed;
}

Status SqliteStore::ApplyInSavepoint(const WriteBatch& batch) {
  if (Status opened = StatementScope(statements_->savepoint)->Run(); !opened) return opened;
  for (const WriteOp& op : batch.ops()) {
    if (Status status = ApplyOne(op); !status) {
      (void)StatementScope(statements_->rollback_to_savepoint)->Run();
      (void)StatementScope(statements_->release_savepoint)->Run();
      return status;
    }
  }
  return StatementScope(statements_->release_savepoint)->Run();
}

void SqliteStore::ApplyGroup(std::span<const WriteBatch> batches,
                             const std::function<void(const Error&)>& on_error) {
  if (batches.size() == 1) {
    if (Status status = Apply(batches.front()); !status) on_error(status.error());
    return;
  }
  if (Status begun = StatementScope(statements_->begin)->Run(); !begun) {
    on_error(begun.error());
    return;
  }
  for (std::size_t i = 0; i < batches.size(); ++i) {
    if (Status status = ApplyInSavepoint(batches[i]); !status) {
      on_error(status.error());
      if (!connection_.in_transaction()) {
        // Some failures (a full disk, I/O errors) roll back the whole
        // transaction: apply every other batch on its own instead.
        for (std::size_t j = 0; j < batches.size(); ++j) {
          if (j == i) continue;
          if (Status retried = Apply(batches[j]); !retried) on_error(retried.error());
        }
        return;
      }
    }
  }
  if (!connection_.in_transaction()) return;
  if (Status committed = StatementScope(statements_->commit)->Run(); !committed) {
    if (connection_.in_transaction()) (void)StatementScope(statements_->rollback)->Run();
    on_error(committed.error());
  }
}

Status SqliteStore::Apply(const WriteBatch& batch) {
  if (batch.empty()) return {};
  if (batch.size() == 1 && !connection_.in_transaction()) return ApplyOne(batch.ops().front());
  return ApplyInTransaction(batch);
}

Result<std::optional<Bytes>> SqliteStore::Get(std::string_view category, const Key& key) {
  StatementScope stmt(statements_->get);
  BindKey(*stmt, category, key);
  Result<bool> row = stmt->Step();
  if (!row) return std::unexpected(std::move(row.error()));
  if (!*row) return std::optional<Bytes>();
  ByteView payload = stmt->ColumnBlob(0);
  return std::optional<Bytes>(Bytes(payload.begin(), payload.end()));
}

Result<bool> SqliteStore::Exists(std::string_view category, const Key& key) {
  StatementScope stmt(statements_->exists);
  BindKey(*stmt, category, key);
  return stmt->Step();
}

Status SqliteStore::ScanEach(std::string_view category, const KeyRange& range,
                             const ScanOptions& options,
                             const std::function<void(ByteView key, ByteView payload)>& visit) {
  SqliteStatement& chosen =
      options.reverse ? (range.open_ended() ? statements_->scan_desc_open
                                            : statements_->scan_desc_bounded)
                      : (range.open_ended() ? statements_->scan_asc_open
                                            : statements_->scan_asc_bounded);
  StatementScope stmt(chosen);
  BindRange(*stmt, category, range);
  stmt->BindInt64(4, options.limit == 0 ? -1 : static_cast<std::int64_t>(options.limit));
  for (;;) {
    Result<bool> row = stmt->Step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return {};
    visit(stmt->ColumnBlob(0), stmt->ColumnBlob(1));
  }
}

Result<std::vector<KvRow>> SqliteStore::Scan(std::string_view category, const KeyRange& range,
                                             const ScanOptions& options) {
  std::vector<KvRow> rows;
  if (options.limit > 0) rows.reserve(std::min<std::size_t>(options.limit, 4096));
  Status status = ScanEach(category, range, options, [&rows](ByteView key, ByteView payload) {
    rows.push_back({Key::Raw(key), Bytes(payload.begin(), payload.end())});
  });
  if (!status) return std::unexpected(std::move(status.error()));
  return rows;
}

Result<std::vector<KvRow>> SqliteStore::ScanPrefix(std::string_view category, const Key& prefix,
                                                   const ScanOptions& options) {
  return Scan(category, PrefixRange(prefix), options);
}

Result<std::int64_t> SqliteStore::Count(std::string_view category, const KeyRange& range) {
  StatementScope stmt(range.open_ended() ? statements_->count_open : statements_->count_bounded);
  BindRange(*stmt, category, range);
  Result<bool> row = stmt->Step();
  if (!row) return std::unexpected(std::move(row.error()));
  return stmt->ColumnInt64(0);
}

Result<bool> SqliteStore::DeleteOne(std::string_view category, const Key& key) {
  StatementScope stmt(statements_->erase);
  BindKey(*stmt, category, key);
  if (Status status = stmt->Run(); !status) return std::unexpected(std::move(status.error()));
  return connection_.changes() > 0;
}

Result<std::string> SqliteStore::IntegrityCheck() {
  Result<SqliteStatement> stmt = connection_.Prepare("PRAGMA integrity_check");
  if (!stmt) return std::unexpected(std::move(stmt.error()));
  std::string report;
  for (;;) {
    Result<bool> row = stmt->Step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return report;
    if (!report.empty()) report += '\n';
    report += stmt->ColumnText(0);
  }
}

}  // namespace persistency
