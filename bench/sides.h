// The contenders. Each side owns one open database; constructing it opens
// the file (creating it if missing) and destroying it closes it, so every
// timed phase starts on a cold SQLite page cache. Failures throw
// std::runtime_error: a benchmark that silently skips work is worse than
// one that stops.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>

#include "workload.h"

namespace kvbench {

enum class KeyShape {
  kFlat,     // MakeKey(uint64 i)
  kGrouped,  // MakeKey(uint64 i / kScanRows, uint64 i)
};

class KvSide {
 public:
  virtual ~KvSide() = default;

  // Writes rows [0, rows) with payload pool.For(i). tx == 1: one autocommit
  // write per row; otherwise one transaction per `tx` rows. Returns once
  // everything is committed.
  virtual void Put(const PayloadPool& pool, std::uint64_t rows, std::uint64_t tx,
                   KeyShape shape) = 0;
  // One point get per entry of `rows` (flat keys), one at a time.
  virtual Digest Get(std::span<const std::uint64_t> rows) = 0;
  // For each start s: the rows with flat keys in [k(s), k(s + length)).
  virtual Digest Scan(std::span<const std::uint64_t> starts, std::uint64_t length) = 0;
  // For each group g: the rows whose grouped key starts with MakeKey(uint64 g).
  virtual Digest ScanPrefix(std::span<const std::uint64_t> groups) = 0;
  // `times` counts of the whole category (digest rows = the last count).
  virtual Digest Count(int times) = 0;
};

// Raw SQLite C API: the same statements and pragmas, no layer in between.
std::unique_ptr<KvSide> OpenRawSide(const std::filesystem::path& path);
// persistency::SqliteStore called directly on this thread.
std::unique_ptr<KvSide> OpenStoreSide(const std::filesystem::path& path);
// persistency::Job: every call goes through the job's storage thread.
// `get_window` > 1 keeps that many Get futures in flight instead of waiting
// for each one (a pipelined client); the other phases ignore it.
// `flush_each_tx` makes Put wait for every transaction (every row at tx=1) to
// commit before issuing the next, as the raw side does; otherwise writes are
// fire-and-forget and the job may commit several of them together.
std::unique_ptr<KvSide> OpenJobSide(const std::filesystem::path& path, std::size_t get_window = 1,
                                    bool flush_each_tx = false);

// Throws unless persistency's key encoding produces the bytes workload.h
// gives the raw side (and PrefixRange the same bounds).
void CheckKeyEncoding();

}  // namespace kvbench
