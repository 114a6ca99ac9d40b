#include "persistency/sqlite_handle.h"

#include <sqlite3.h>

#include <array>

namespace persistency {

ErrorKind KindForSqliteCode(int code) {
  switch (code & 0xff) {
    case SQLITE_FULL: return ErrorKind::kQuotaExceeded;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return ErrorKind::kJobLocked;
    default: return ErrorKind::kBackend;
  }
}

namespace {

// Appends what the VFS knows about its last failure, for I/O-type codes. The
// host-file VFS reports the JavaScript exception there; SQLite's unix VFS
// leaves the buffer empty.
void AppendVfsDetail(std::string& message, sqlite3_vfs* vfs, int code) {
  int primary = code & 0xff;
  if (primary != SQLITE_IOERR && primary != SQLITE_FULL && primary != SQLITE_CANTOPEN) return;
  if (vfs == nullptr || vfs->xGetLastError == nullptr) return;
  std::array<char, 512> detail{};
  vfs->xGetLastError(vfs, static_cast<int>(detail.size()), detail.data());
  if (detail[0] == '\0') return;
  message += " (";
  message += detail.data();
  message += ")";
}

std::unexpected<Error> SqliteErrorWithVfs(sqlite3* db, std::string_view what, int code,
                                          sqlite3_vfs* vfs) {
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  AppendVfsDetail(message, vfs, code);
  return MakeError(KindForSqliteCode(code), std::move(message), code);
}

}  // namespace

std::unexpected<Error> SqliteError(sqlite3* db, std::string_view what, int code) {
  sqlite3_vfs* vfs = nullptr;
  if (db != nullptr) sqlite3_file_control(db, "main", SQLITE_FCNTL_VFS_POINTER, &vfs);
  return SqliteErrorWithVfs(db, what, code, vfs);
}

void SqliteStatement::Finalizer::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

void SqliteStatement::BindBlob(int index, ByteView bytes) {
  // A NULL data pointer would bind SQL NULL; an empty BLOB needs a non-null one.
  static constexpr std::uint8_t kEmpty = 0;
  const void* data = bytes.empty() ? &kEmpty : bytes.data();
  RecordBind(sqlite3_bind_blob64(stmt_.get(), index, data, bytes.size(), SQLITE_STATIC));
}

void SqliteStatement::BindInt64(int index, std::int64_t value) {
  RecordBind(sqlite3_bind_int64(stmt_.get(), index, value));
}

void SqliteStatement::RecordBind(int rc) {
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

Result<bool> SqliteStatement::Step() {
  if (bind_error_ != 0) return SqliteError(nullptr, "bind", bind_error_);
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, "step", rc);
}

Status SqliteStatement::Run() {
  for (;;) {
    Result<bool> row = Step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return {};
  }
}

void SqliteStatement::Reset() {
  bind_error_ = 0;
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

ByteView SqliteStatement::ColumnBlob(int column) const {
  const void* data = sqlite3_column_blob(stmt_.get(), column);
  int size = sqlite3_column_bytes(stmt_.get(), column);
  if (data == nullptr || size <= 0) return {};
  return {static_cast<const std::uint8_t*>(data), static_cast<std::size_t>(size)};
}

std::int64_t SqliteStatement::ColumnInt64(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

std::string SqliteStatement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_.get(), column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column)));
}

void SqliteConnection::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Result<SqliteConnection> SqliteConnection::Open(const std::string& path, const std::string& vfs) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, vfs.empty() ? nullptr : vfs.c_str());
  SqliteConnection connection(raw);  // owns the handle even when open failed
  if (rc != SQLITE_OK) {
    // A database that failed to open has no file to ask for its VFS.
    return SqliteErrorWithVfs(raw, "open " + path, rc,
                              sqlite3_vfs_find(vfs.empty() ? nullptr : vfs.c_str()));
  }
  sqlite3_extended_result_codes(raw, 1);
  return connection;
}

Status SqliteConnection::Exec(std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_.get(), text, rc);
  return {};
}

Result<SqliteStatement> SqliteConnection::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_.get(), "prepare", rc);
  return SqliteStatement(db_.get(), stmt);
}

Result<std::string> SqliteConnection::QueryText(std::string_view sql) {
  Result<SqliteStatement> stmt = Prepare(sql);
  if (!stmt) return std::unexpected(std::move(stmt.error()));
  Result<bool> row = stmt->Step();
  if (!row) return std::unexpected(std::move(row.error()));
  if (!*row) return std::string();
  std::string text = stmt->ColumnText(0);
  if (Status done = stmt->Run(); !done) return std::unexpected(std::move(done.error()));
  return text;
}

Result<std::int64_t> SqliteConnection::QueryInt64(std::string_view sql) {
  Result<SqliteStatement> stmt = Prepare(sql);
  if (!stmt) return std::unexpected(std::move(stmt.error()));
  Result<bool> row = stmt->Step();
  if (!row) return std::unexpected(std::move(row.error()));
  if (!*row) return 0;
  std::int64_t value = stmt->ColumnInt64(0);
  if (Status done = stmt->Run(); !done) return std::unexpected(std::move(done.error()));
  return value;
}

std::int64_t SqliteConnection::changes() const { return sqlite3_changes64(db_.get()); }

bool SqliteConnection::in_transaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

}  // namespace persistency
