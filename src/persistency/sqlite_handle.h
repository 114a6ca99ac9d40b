// Thin RAII ownership of a SQLite connection and its prepared statements,
// with errors turned into persistency::Error.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "persistency/bytes.h"
#include "persistency/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace persistency {

// Maps a SQLite result code to an error kind (SQLITE_FULL → QuotaExceeded,
// SQLITE_BUSY/LOCKED → JobLocked, anything else → Backend).
ErrorKind KindForSqliteCode(int code);

class SqliteStatement {
 public:
  SqliteStatement() = default;
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  // Binds bytes as a BLOB; zero-length input binds an empty BLOB, never NULL.
  // A failed bind (e.g. a blob over SQLite's length limit) is remembered and
  // returned by the next Step(), so it can never run with the value unbound.
  void BindBlob(int index, ByteView bytes);
  void BindInt64(int index, std::int64_t value);

  // Steps once: true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion, for statements that return no rows.
  Status Run();
  // Resets and clears bindings so the statement can be reused.
  void Reset();

  ByteView ColumnBlob(int column) const;
  std::int64_t ColumnInt64(int column) const;
  std::string ColumnText(int column) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const;
  };
  void RecordBind(int rc);

  sqlite3* db_ = nullptr;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  int bind_error_ = 0;  // first failed bind since the last Reset()
};

class SqliteConnection {
 public:
  // Opens (creating if missing) the database at `path`; `vfs` empty means
  // SQLite's default.
  static Result<SqliteConnection> Open(const std::string& path, const std::string& vfs = {});

  Status Exec(std::string_view sql);
  Result<SqliteStatement> Prepare(std::string_view sql);
  // Runs a one-row query to completion and returns its first column as
  // text. A pragma that changes the database (journal_mode) commits only as
  // it completes, so a failure there is an error too.
  Result<std::string> QueryText(std::string_view sql);
  Result<std::int64_t> QueryInt64(std::string_view sql);
  bool in_transaction() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const;

  sqlite3* handle() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Closer> db_;
};

// An Error built from the connection's last error message, prefixed by `what`.
std::unexpected<Error> SqliteError(sqlite3* db, std::string_view what, int code);

}  // namespace persistency
