// SqliteStore: the synchronous key-value store over one SQLite database.
// Not thread-safe: one owner (a job's storage thread or worker) uses it.
#pragma once

#include <cstdint>
#include <memory>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "persistency/error.h"
#include "persistency/key.h"
#include "persistency/schema.h"
#include "persistency/sqlite_handle.h"
#include "persistency/write_batch.h"

namespace persistency {

inline constexpr std::string_view kInMemoryPath = ":memory:";

struct ScanOptions {
  bool reverse = false;
  // At most this many rows; 0 means no limit.
  std::size_t limit = 0;
};

class SqliteStore {
 public:
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   const StoreOptions& options = {});
  static Result<std::unique_ptr<SqliteStore>> OpenInMemory();
  ~SqliteStore();
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Applies the ops in order. One op runs alone; more run in one
  // transaction, and on the first failure everything is rolled back.
  Status Apply(const WriteBatch& batch);
  // Applies several batches in one transaction, each inside its own
  // savepoint: a failing batch is rolled back alone and reported to
  // `on_error`; the others commit together.
  void ApplyGroup(std::span<const WriteBatch> batches,
                  const std::function<void(const Error&)>& on_error);

  Result<std::optional<Bytes>> Get(std::string_view category, const Key& key);
  Result<bool> Exists(std::string_view category, const Key& key);
  Result<std::vector<KvRow>> Scan(std::string_view category, const KeyRange& range,
                                  const ScanOptions& options = {});
  // Like Scan, but hands each row to `visit` while the statement is on it
  // (the views are valid only during the call), without copying it.
  Status ScanEach(std::string_view category, const KeyRange& range, const ScanOptions& options,
                  const std::function<void(ByteView key, ByteView payload)>& visit);
  Result<std::vector<KvRow>> ScanPrefix(std::string_view category, const Key& prefix,
                                        const ScanOptions& options = {});
  Result<std::int64_t> Count(std::string_view category, const KeyRange& range);
  // Deletes one row and reports whether it existed.
  Result<bool> DeleteOne(std::string_view category, const Key& key);
  // PRAGMA integrity_check: "ok", or SQLite's list of problems, one per line.
  Result<std::string> IntegrityCheck();

  SqliteConnection& connection() { return connection_; }

  // Prepared statements; public only so the implementation file can name it.
  struct Statements;
  struct Token {};  // restricts construction to Open()
  SqliteStore(Token, SqliteConnection connection, std::unique_ptr<Statements> statements);

 private:

  Status ApplyOne(const WriteOp& op);
  Status ApplyInTransaction(const WriteBatch& batch);
  Status ApplyInSavepoint(const WriteBatch& batch);

  SqliteConnection connection_;
  std::unique_ptr<Statements> statements_;
};

}  // namespace persistency
