#include "platform/host_write_buffer.h"

#include <cstddef>
#include <vector>

#include "platform/host_file_js.h"

namespace platform {
namespace {

// Enough for a 1000-row transaction of 1 KiB rows in a few calls; a larger
// write goes to the host directly.
constexpr std::size_t kRunLimit = std::size_t{2} << 20;

// The one run of consecutive writes not yet handed to the host.
struct Run {
  int slot = -1;
  sqlite3_int64 offset = 0;
  std::vector<std::uint8_t> bytes;

  sqlite3_int64 end() const { return offset + static_cast<sqlite3_int64>(bytes.size()); }
};

Run& PendingRun() {
  static Run run;
  return run;
}

int WriteThrough(int slot, const std::uint8_t* bytes, int length, sqlite3_int64 offset) {
  int put = sds_host_file_write(slot, bytes, length, static_cast<double>(offset));
  if (put < 0) return put == kHostFileFull ? SQLITE_FULL : SQLITE_IOERR_WRITE;
  // A short write without an exception means no room, as in SQLite's unix VFS.
  return put == length ? SQLITE_OK : SQLITE_FULL;
}

}  // namespace

int FlushHostWrites() {
  Run& run = PendingRun();
  if (run.bytes.empty()) return SQLITE_OK;
  int rc = WriteThrough(run.slot, run.bytes.data(), static_cast<int>(run.bytes.size()), run.offset);
  run.bytes.clear();
  return rc;
}

int BufferedWrite(int slot, const std::uint8_t* bytes, int length, sqlite3_int64 offset,
                  WriteEnd end) {
  Run& run = PendingRun();
  const auto size = static_cast<std::size_t>(length);
  const bool continues = !run.bytes.empty() && run.slot == slot && offset == run.end() &&
                         run.bytes.size() + size <= kRunLimit;
  if (!continues) {
    if (int rc = FlushHostWrites(); rc != SQLITE_OK) return rc;
    if (size > kRunLimit) return WriteThrough(slot, bytes, length, offset);
    run.slot = slot;
    run.offset = offset;
  }
  run.bytes.insert(run.bytes.end(), bytes, bytes + size);
  return end == WriteEnd::kHandOver ? FlushHostWrites() : SQLITE_OK;
}

int DirectWrite(int slot, const std::uint8_t* bytes, int length, sqlite3_int64 offset) {
  if (int rc = FlushHostWrites(); rc != SQLITE_OK) return rc;
  return WriteThrough(slot, bytes, length, offset);
}

int FlushOverlapping(int slot, sqlite3_int64 offset, int length) {
  const Run& run = PendingRun();
  if (run.bytes.empty() || run.slot != slot || offset >= run.end() ||
      offset + length <= run.offset) {
    return SQLITE_OK;
  }
  return FlushHostWrites();
}

}  // namespace platform
