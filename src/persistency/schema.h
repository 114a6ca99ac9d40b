// The on-disk format shared with the original persistency layer: one table
// `kv(category, key, payload)` WITHOUT ROWID and user_version 1.
#pragma once

#include <cstdint>
#include <string>

#include "persistency/error.h"
#include "persistency/sqlite_handle.h"

namespace persistency {

inline constexpr std::int64_t kSchemaUserVersion = 1;

enum class JournalMode { kWal, kDelete, kTruncate, kPersist, kMemory };

struct StoreOptions {
  JournalMode journal_mode = JournalMode::kWal;
  // EXCLUSIVE locking keeps the WAL index in heap memory, which WAL needs on
  // file systems without shared memory (OPFS, Emscripten's NODEFS).
  bool exclusive_locking = false;
  // synchronous=FULL makes every commit durable; NORMAL (the original's
  // choice) may lose the last commits of a WAL database on power loss.
  bool synchronous_full = false;
  // Applies only when the file is created. 1 KiB payloads overflow 4 KiB
  // pages, so the default is 8 KiB.
  int page_size = 8192;
  // Page cache in KiB.
  int cache_size_kib = 16384;
  // SQLite VFS name; empty for the default.
  std::string vfs;
};

// Applies the pragmas, creates the table if missing and checks user_version
// (0 → set to 1; 1 → accepted; anything else → Backend error).
Status PrepareSchema(SqliteConnection& connection, const StoreOptions& options);

}  // namespace persistency
