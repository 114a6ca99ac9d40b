#include "platform/host_file_vfs.h"

#include <sqlite3.h>

#include <cstring>

#include "platform/host_file_js.h"
#include "platform/host_write_buffer.h"

namespace platform {
namespace {

// SQLite allocates szOsFile bytes per open file and hands them to xOpen.
struct HostFileHandle {
  sqlite3_file base;  // first member, so SQLite's pointer is ours too
  int slot;
  // Writes to the database and the WAL may be buffered, journal writes not
  // (host_write_buffer.h).
  bool buffered;
  bool wal;
  // The last write was the header of a WAL commit frame, so the next one (its
  // page) ends the commit.
  bool commit_page_next;
};

HostFileHandle& HandleOf(sqlite3_file* file) { return *reinterpret_cast<HostFileHandle*>(file); }
int SlotOf(sqlite3_file* file) { return HandleOf(file).slot; }

// SQLite writes a WAL frame as its 24-byte header, then the page. Bytes 4–7
// of the header (big-endian) are the database size after the commit for the
// last frame of a commit, else 0. In WAL mode nothing but this write lies
// between the commit's last page and the moment it counts as committed (the
// WAL index is in memory), so that page is handed over at once.
constexpr int kWalFrameHeaderSize = 24;
bool IsWalCommitFrameHeader(const std::uint8_t* bytes, int amount) {
  return amount == kWalFrameHeaderSize && (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
}

// A failed host call becomes SQLITE_FULL when the host ran out of space,
// else the I/O error code SQLite expects from that method.
int FailureCode(int host_result, int io_error) {
  return host_result == kHostFileFull ? SQLITE_FULL : io_error;
}

// A slot held only for the duration of xDelete/xAccess.
class ProbeSlot {
 public:
  explicit ProbeSlot(const char* path) : slot_(sds_host_file_open(path, 0)) {}
  ~ProbeSlot() {
    if (registered()) sds_host_file_close(slot_);
  }
  ProbeSlot(const ProbeSlot&) = delete;
  ProbeSlot& operator=(const ProbeSlot&) = delete;

  bool registered() const { return slot_ >= 0; }
  int slot() const { return slot_; }

 private:
  int slot_;
};

int Close(sqlite3_file* file) {
  int rc = FlushHostWrites();
  sds_host_file_close(SlotOf(file));
  return rc;
}

int Read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  if (int rc = FlushOverlapping(SlotOf(file), offset, amount); rc != SQLITE_OK) return rc;
  auto* bytes = static_cast<std::uint8_t*>(buffer);
  int got = sds_host_file_read(SlotOf(file), bytes, amount, static_cast<double>(offset));
  if (got < 0) return FailureCode(got, SQLITE_IOERR_READ);
  if (got < amount) {
    // SQLite requires the unread tail to be zeroed.
    std::memset(bytes + got, 0, static_cast<std::size_t>(amount - got));
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}

int Write(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
  HostFileHandle& handle = HandleOf(file);
  const auto* bytes = static_cast<const std::uint8_t*>(buffer);
  if (!handle.buffered) return DirectWrite(handle.slot, bytes, amount, offset);
  const WriteEnd end = handle.commit_page_next ? WriteEnd::kHandOver : WriteEnd::kMayBuffer;
  handle.commit_page_next = handle.wal && IsWalCommitFrameHeader(bytes, amount);
  return BufferedWrite(handle.slot, bytes, amount, offset, end);
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (int flushed = FlushHostWrites(); flushed != SQLITE_OK) return flushed;
  int rc = sds_host_file_truncate(SlotOf(file), static_cast<double>(size));
  return rc < 0 ? FailureCode(rc, SQLITE_IOERR_TRUNCATE) : SQLITE_OK;
}

int Sync(sqlite3_file* file, int /*flags*/) {
  if (int flushed = FlushHostWrites(); flushed != SQLITE_OK) return flushed;
  int rc = sds_host_file_flush(SlotOf(file));
  return rc < 0 ? FailureCode(rc, SQLITE_IOERR_FSYNC) : SQLITE_OK;
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  if (int flushed = FlushHostWrites(); flushed != SQLITE_OK) return flushed;
  double bytes = sds_host_file_size(SlotOf(file));
  if (bytes < 0) return FailureCode(static_cast<int>(bytes), SQLITE_IOERR_FSTAT);
  *size = static_cast<sqlite3_int64>(bytes);
  return SQLITE_OK;
}

// The HostFile is exclusive to this module (an OPFS access handle allows one
// opener), so there is nobody to lock against.
int Lock(sqlite3_file*, int) { return SQLITE_OK; }
int CheckReservedLock(sqlite3_file*, int* reserved) {
  *reserved = 0;
  return SQLITE_OK;
}

int FileControl(sqlite3_file*, int, void*) { return SQLITE_NOTFOUND; }

int SectorSize(sqlite3_file*) { return 4096; }

// Both hold for a plain file on the host's file system, which is what an
// OPFS file and a Node file are; SQLite's unix VFS reports the same.
// Writes are neither atomic nor ordered, and appends are not safe.
int DeviceCharacteristics(sqlite3_file*) {
  return SQLITE_IOCAP_POWERSAFE_OVERWRITE | SQLITE_IOCAP_SUBPAGE_READ;
}

constexpr sqlite3_io_methods kIoMethods = {
    .iVersion = 1,  // no shared memory: WAL needs locking_mode=EXCLUSIVE
    .xClose = Close,
    .xRead = Read,
    .xWrite = Write,
    .xTruncate = Truncate,
    .xSync = Sync,
    .xFileSize = FileSize,
    .xLock = Lock,
    .xUnlock = Lock,
    .xCheckReservedLock = CheckReservedLock,
    .xFileControl = FileControl,
    .xSectorSize = SectorSize,
    .xDeviceCharacteristics = DeviceCharacteristics,
    .xShmMap = nullptr,
    .xShmLock = nullptr,
    .xShmBarrier = nullptr,
    .xShmUnmap = nullptr,
    .xFetch = nullptr,
    .xUnfetch = nullptr,
};

sqlite3_vfs* DefaultVfs(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

int Open(sqlite3_vfs*, const char* path, sqlite3_file* file, int flags, int* out_flags) {
  file->pMethods = nullptr;  // tells SQLite not to call xClose after a failure
  // Only temp files have no name; temp_store=MEMORY keeps SQLite from asking.
  if (path == nullptr) return SQLITE_CANTOPEN;
  int slot = sds_host_file_open(path, 1);
  if (slot < 0) return SQLITE_CANTOPEN;
  HostFileHandle& handle = HandleOf(file);
  handle.slot = slot;
  handle.wal = (flags & SQLITE_OPEN_WAL) != 0;
  handle.buffered = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0;
  handle.commit_page_next = false;
  file->pMethods = &kIoMethods;
  if (out_flags != nullptr) *out_flags = flags;
  return SQLITE_OK;
}

// Access handles cannot delete their file, so "deleted" means empty.
int Delete(sqlite3_vfs*, const char* path, int sync_dir) {
  // The file may be open in another slot, with writes still buffered.
  if (int flushed = FlushHostWrites(); flushed != SQLITE_OK) return flushed;
  ProbeSlot probe(path);
  if (!probe.registered()) return SQLITE_IOERR_DELETE_NOENT;
  int rc = sds_host_file_truncate(probe.slot(), 0);
  // SQLite asks for the deletion itself to be durable (synchronous=EXTRA).
  if (rc == 0 && sync_dir != 0) rc = sds_host_file_flush(probe.slot());
  return rc < 0 ? FailureCode(rc, SQLITE_IOERR_DELETE) : SQLITE_OK;
}

int Access(sqlite3_vfs*, const char* path, int /*flags*/, int* result) {
  *result = 0;
  if (int flushed = FlushHostWrites(); flushed != SQLITE_OK) return flushed;
  ProbeSlot probe(path);
  if (!probe.registered()) return SQLITE_OK;
  double size = sds_host_file_size(probe.slot());
  if (size < 0) return FailureCode(static_cast<int>(size), SQLITE_IOERR_ACCESS);
  *result = size > 0 ? 1 : 0;
  return SQLITE_OK;
}

// Paths are Module.hostFiles keys, used exactly as given.
int FullPathname(sqlite3_vfs*, const char* path, int capacity, char* out) {
  std::size_t length = std::strlen(path);
  if (length + 1 > static_cast<std::size_t>(capacity)) return SQLITE_CANTOPEN;
  std::memcpy(out, path, length + 1);
  return SQLITE_OK;
}

int Randomness(sqlite3_vfs* vfs, int size, char* out) {
  return DefaultVfs(vfs)->xRandomness(DefaultVfs(vfs), size, out);
}

int Sleep(sqlite3_vfs* vfs, int microseconds) {
  return DefaultVfs(vfs)->xSleep(DefaultVfs(vfs), microseconds);
}

int CurrentTime(sqlite3_vfs* vfs, double* julian_day) {
  return DefaultVfs(vfs)->xCurrentTime(DefaultVfs(vfs), julian_day);
}

int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* julian_ms) {
  return DefaultVfs(vfs)->xCurrentTimeInt64(DefaultVfs(vfs), julian_ms);
}

// SQLite itself only asks for an errno (size 0); callers that pass a buffer
// get the JavaScript error text of the last failed host call, once.
int GetLastError(sqlite3_vfs*, int capacity, char* out) {
  if (capacity > 0 && out != nullptr) {
    out[0] = '\0';
    sds_host_file_take_error(out, capacity);
  }
  return 0;
}

}  // namespace

void RegisterHostFileVfs() {
  if (sqlite3_vfs_find(kHostFileVfsName) != nullptr) return;
  static sqlite3_vfs vfs = {
      .iVersion = 2,
      .szOsFile = sizeof(HostFileHandle),
      .mxPathname = 1024,
      .pNext = nullptr,
      .zName = kHostFileVfsName,
      .pAppData = sqlite3_vfs_find(nullptr),
      .xOpen = Open,
      .xDelete = Delete,
      .xAccess = Access,
      .xFullPathname = FullPathname,
      .xDlOpen = nullptr,  // SQLITE_OMIT_LOAD_EXTENSION
      .xDlError = nullptr,
      .xDlSym = nullptr,
      .xDlClose = nullptr,
      .xRandomness = Randomness,
      .xSleep = Sleep,
      .xCurrentTime = CurrentTime,
      .xGetLastError = GetLastError,
      .xCurrentTimeInt64 = CurrentTimeInt64,
      .xSetSystemCall = nullptr,
      .xGetSystemCall = nullptr,
      .xNextSystemCall = nullptr,
  };
  sqlite3_vfs_register(&vfs, 0);
}

}  // namespace platform
