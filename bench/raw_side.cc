// The limit: the raw SQLite C API running the statements SqliteStore runs,
// on a connection set up with the pragmas PrepareSchema applies
// (src/persistency/schema.cc). Rows are copied out of SQLite into buffers
// that are reused across calls, which is the least copying a caller that
// keeps the data needs.
#include <sqlite3.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "sides.h"

namespace kvbench {
namespace {

class RawSide final : public KvSide {
 public:
  explicit RawSide(const std::filesystem::path& path) {
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      std::string message = "raw open " + path.string() + ": " + sqlite3_errstr(rc);
      sqlite3_close_v2(db_);
      throw std::runtime_error(message);
    }
    sqlite3_extended_result_codes(db_, 1);
    try {
      ApplyPragmas();
      put_ = Prepare("INSERT OR REPLACE INTO kv (category, key, payload) VALUES (?1, ?2, ?3)");
      get_ = Prepare("SELECT payload FROM kv WHERE category=?1 AND key=?2");
      scan_ = Prepare(
          "SELECT key, payload FROM kv WHERE category=?1 AND key>=?2 AND key<?3 ORDER BY key");
      count_ = Prepare("SELECT COUNT(*) FROM kv WHERE category=?1 AND key>=?2");
      begin_ = Prepare("BEGIN IMMEDIATE");
      commit_ = Prepare("COMMIT");
    } catch (...) {
      Finalize();
      throw;
    }
  }

  ~RawSide() override { Finalize(); }

  void Put(const PayloadPool& pool, std::uint64_t rows, std::uint64_t tx,
           KeyShape shape) override {
    BindCategory(put_);
    for (std::uint64_t row = 0; row < rows;) {
      std::uint64_t end = std::min(rows, row + tx);
      if (tx > 1) Run(begin_);
      for (; row < end; ++row) {
        std::span<const std::uint8_t> payload = pool.For(row);
        if (shape == KeyShape::kFlat) {
          auto key = FlatKey(row);
          BindBlob(put_, 2, key);
          BindBlob(put_, 3, payload);
          Run(put_);
        } else {
          auto key = GroupedKey(row);
          BindBlob(put_, 2, key);
          BindBlob(put_, 3, payload);
          Run(put_);
        }
      }
      if (tx > 1) Run(commit_);
    }
  }

  Digest Get(std::span<const std::uint64_t> rows) override {
    Digest digest;
    BindCategory(get_);
    for (std::uint64_t row : rows) {
      auto key = FlatKey(row);
      BindBlob(get_, 2, key);
      int rc = sqlite3_step(get_);
      if (rc == SQLITE_ROW) {
        const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(get_, 0));
        auto size = static_cast<std::size_t>(sqlite3_column_bytes(get_, 0));
        value_.assign(data, data + size);
        digest.Add(key, value_);
      } else if (rc != SQLITE_DONE) {
        Fail("get step", rc);
      }
      sqlite3_reset(get_);
    }
    return digest;
  }

  Digest Scan(std::span<const std::uint64_t> starts, std::uint64_t length) override {
    Digest digest;
    BindCategory(scan_);
    for (std::uint64_t start : starts) {
      auto low = FlatKey(start);
      auto high = FlatKey(start + length);
      ScanRange(low, high, digest);
    }
    return digest;
  }

  Digest ScanPrefix(std::span<const std::uint64_t> groups) override {
    Digest digest;
    BindCategory(scan_);
    for (std::uint64_t group : groups) {
      auto prefix = FlatKey(group);
      PrefixStop stop = PrefixStopOf(prefix);
      if (stop.size == 0) throw std::runtime_error("raw: open-ended prefix not supported");
      ScanRange(prefix, stop.view(), digest);
    }
    return digest;
  }

  Digest Count(int times) override {
    Digest digest;
    BindCategory(count_);
    BindBlob(count_, 2, {});  // empty start key: the whole category
    for (int i = 0; i < times; ++i) {
      int rc = sqlite3_step(count_);
      if (rc != SQLITE_ROW) Fail("count step", rc);
      digest.rows = static_cast<std::uint64_t>(sqlite3_column_int64(count_, 0));
      sqlite3_reset(count_);
    }
    return digest;
  }

 private:
  // The pragmas of persistency::PrepareSchema with the default StoreOptions,
  // in the same order.
  void ApplyPragmas() {
    Exec("PRAGMA page_size=8192;");
    sqlite3_stmt* mode = Prepare("PRAGMA journal_mode=wal");
    int rc = sqlite3_step(mode);
    std::string actual = rc == SQLITE_ROW
                             ? reinterpret_cast<const char*>(sqlite3_column_text(mode, 0))
                             : std::string();
    sqlite3_finalize(mode);
    if (actual != "wal") throw std::runtime_error("raw: journal_mode wal refused, got " + actual);
    Exec(
        "PRAGMA synchronous=NORMAL;PRAGMA temp_store=MEMORY;PRAGMA busy_timeout=5000;"
        "PRAGMA foreign_keys=OFF;PRAGMA cache_size=-16384;"
        "CREATE TABLE IF NOT EXISTS kv (category BLOB NOT NULL, key BLOB NOT NULL, "
        "payload BLOB NOT NULL, PRIMARY KEY (category, key)) WITHOUT ROWID;");
    // CheckUserVersion: a new file gets user_version 1, like the store's.
    sqlite3_stmt* version = Prepare("PRAGMA user_version");
    rc = sqlite3_step(version);
    bool fresh = rc == SQLITE_ROW && sqlite3_column_int64(version, 0) == 0;
    sqlite3_finalize(version);
    if (fresh) Exec("PRAGMA user_version=1;");
  }

  void ScanRange(std::span<const std::uint8_t> low, std::span<const std::uint8_t> high,
                 Digest& digest) {
    BindBlob(scan_, 2, low);
    BindBlob(scan_, 3, high);
    arena_.clear();
    offsets_.clear();
    for (;;) {
      int rc = sqlite3_step(scan_);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) Fail("scan step", rc);
      const auto* key = static_cast<const std::uint8_t*>(sqlite3_column_blob(scan_, 0));
      auto key_size = static_cast<std::size_t>(sqlite3_column_bytes(scan_, 0));
      const auto* payload = static_cast<const std::uint8_t*>(sqlite3_column_blob(scan_, 1));
      auto payload_size = static_cast<std::size_t>(sqlite3_column_bytes(scan_, 1));
      std::size_t at = arena_.size();
      offsets_.push_back(at);
      arena_.resize(at + key_size + payload_size);
      std::memcpy(arena_.data() + at, key, key_size);
      std::memcpy(arena_.data() + at + key_size, payload, payload_size);
      digest.Add({arena_.data() + at, key_size},
                 {arena_.data() + at + key_size, payload_size});
    }
    sqlite3_reset(scan_);
  }

  sqlite3_stmt* Prepare(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) Fail("prepare", rc);
    return stmt;
  }

  void Exec(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) Fail(sql, rc);
  }

  void Run(sqlite3_stmt* stmt) {
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) Fail(sqlite3_sql(stmt), rc);
    sqlite3_reset(stmt);
  }

  void BindCategory(sqlite3_stmt* stmt) {
    BindBlob(stmt, 1, {reinterpret_cast<const std::uint8_t*>(kCategory.data()), kCategory.size()});
  }

  // The caller keeps `bytes` alive until the statement is reset.
  static void BindBlob(sqlite3_stmt* stmt, int index, std::span<const std::uint8_t> bytes) {
    static constexpr std::uint8_t kEmpty = 0;  // a null pointer would bind NULL
    sqlite3_bind_blob64(stmt, index, bytes.empty() ? &kEmpty : bytes.data(), bytes.size(),
                        SQLITE_STATIC);
  }

  [[noreturn]] void Fail(const char* what, int rc) {
    throw std::runtime_error(std::string("raw ") + what + ": " + sqlite3_errmsg(db_) +
                             " (code " + std::to_string(rc) + ")");
  }

  void Finalize() {
    for (sqlite3_stmt* stmt : {put_, get_, scan_, count_, begin_, commit_}) sqlite3_finalize(stmt);
    put_ = get_ = scan_ = count_ = begin_ = commit_ = nullptr;
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = nullptr;
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* put_ = nullptr;
  sqlite3_stmt* get_ = nullptr;
  sqlite3_stmt* scan_ = nullptr;
  sqlite3_stmt* count_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  std::vector<std::uint8_t> value_;   // the last get's payload
  std::vector<std::uint8_t> arena_;   // one scan's keys and payloads
  std::vector<std::size_t> offsets_;  // where each scanned row starts in arena_
};

}  // namespace

std::unique_ptr<KvSide> OpenRawSide(const std::filesystem::path& path) {
  return std::make_unique<RawSide>(path);
}

}  // namespace kvbench
