#include "persistency/schema.h"

#include <string_view>

namespace persistency {
namespace {

std::string_view JournalModeName(JournalMode mode) {
  switch (mode) {
    case JournalMode::kWal: return "wal";
    case JournalMode::kDelete: return "delete";
    case JournalMode::kTruncate: return "truncate";
    case JournalMode::kPersist: return "persist";
    case JournalMode::kMemory: return "memory";
  }
  return "wal";
}

Status SetJournalMode(SqliteConnection& connection, JournalMode mode) {
  std::string_view wanted = JournalModeName(mode);
  Result<std::string> actual =
      connection.QueryText("PRAGMA journal_mode=" + std::string(wanted));
  if (!actual) return std::unexpected(std::move(actual.error()));
  // An in-memory database always reports "memory".
  if (*actual != wanted && *actual != "memory") {
    return MakeError(ErrorKind::kBackend, "journal_mode " + std::string(wanted) +
                                              " was refused; got " + *actual);
  }
  return {};
}

Status CheckUserVersion(SqliteConnection& connection) {
  Result<std::int64_t> version = connection.QueryInt64("PRAGMA user_version");
  if (!version) return std::unexpected(std::move(version.error()));
  if (*version == 0) {
    return connection.Exec("PRAGMA user_version=" + std::to_string(kSchemaUserVersion));
  }
  if (*version != kSchemaUserVersion) {
    return MakeError(ErrorKind::kBackend, "incompatible persistency user_version: got " +
                                              std::to_string(*version) + ", expected " +
                                              std::to_string(kSchemaUserVersion));
  }
  return {};
}

}  // namespace

Status PrepareSchema(SqliteConnection& connection, const StoreOptions& options) {
  std::string setup;
  if (options.page_size > 0) setup += "PRAGMA page_size=" + std::to_string(options.page_size) + ";";
  if (options.exclusive_locking) setup += "PRAGMA locking_mode=EXCLUSIVE;";
  if (Status status = connection.Exec(setup); !status) return status;
  if (Status status = SetJournalMode(connection, options.journal_mode); !status) return status;
  std::string pragmas = options.synchronous_full ? "PRAGMA synchronous=FULL;"
                                                 : "PRAGMA synchronous=NORMAL;";
  pragmas += "PRAGMA temp_store=MEMORY;PRAGMA busy_timeout=5000;PRAGMA foreign_keys=OFF;";
  pragmas += "PRAGMA cache_size=-" + std::to_string(options.cache_size_kib) + ";";
  pragmas +=
      "CREATE TABLE IF NOT EXISTS kv (category BLOB NOT NULL, key BLOB NOT NULL, "
      "payload BLOB NOT NULL, PRIMARY KEY (category, key)) WITHOUT ROWID;";
  if (Status status = connection.Exec(pragmas); !status) return status;
  return CheckUserVersion(connection);
}

}  // namespace persistency
