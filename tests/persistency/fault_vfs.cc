#include "fault_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>

namespace persistency::testing_support {
namespace {

// Each file the VFS opens: this layer's fields, then the default VFS's file object.
struct FaultFile {
  sqlite3_file base;
  sqlite3_file* real;
};

constexpr std::size_t kRealOffset =
    (sizeof(FaultFile) + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) *
    alignof(std::max_align_t);

sqlite3_vfs* RealVfs(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }
sqlite3_file* Real(sqlite3_file* file) { return reinterpret_cast<FaultFile*>(file)->real; }

int Close(sqlite3_file* file) { return Real(file)->pMethods->xClose(Real(file)); }

int Read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  if (int code = FaultVfs::Instance().OnCall(FaultKind::kRead).code) return code;
  return Real(file)->pMethods->xRead(Real(file), buffer, amount, offset);
}

int Write(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
  FaultVfs::Verdict verdict =
      FaultVfs::Instance().OnCall(FaultKind::kWrite, static_cast<std::uint64_t>(amount));
  if (verdict.code == 0) return Real(file)->pMethods->xWrite(Real(file), buffer, amount, offset);
  if (verdict.bytes_that_fit > 0) {
    // A short write: the part that fits reaches the file, then the disk is full.
    (void)Real(file)->pMethods->xWrite(Real(file), buffer,
                                       static_cast<int>(verdict.bytes_that_fit), offset);
  }
  return verdict.code;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (int code = FaultVfs::Instance().OnCall(FaultKind::kTruncate).code) return code;
  return Real(file)->pMethods->xTruncate(Real(file), size);
}

int Sync(sqlite3_file* file, int flags) {
  if (int code = FaultVfs::Instance().OnCall(FaultKind::kSync).code) return code;
  return Real(file)->pMethods->xSync(Real(file), flags);
}

// The rest forward unchanged.
int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  return Real(file)->pMethods->xFileSize(Real(file), size);
}
int Lock(sqlite3_file* file, int level) { return Real(file)->pMethods->xLock(Real(file), level); }
int Unlock(sqlite3_file* file, int level) {
  return Real(file)->pMethods->xUnlock(Real(file), level);
}
int CheckReservedLock(sqlite3_file* file, int* out) {
  return Real(file)->pMethods->xCheckReservedLock(Real(file), out);
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  return Real(file)->pMethods->xFileControl(Real(file), op, arg);
}
int SectorSize(sqlite3_file* file) { return Real(file)->pMethods->xSectorSize(Real(file)); }
int DeviceCharacteristics(sqlite3_file* file) {
  return Real(file)->pMethods->xDeviceCharacteristics(Real(file));
}
int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  return Real(file)->pMethods->xShmMap(Real(file), region, size, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return Real(file)->pMethods->xShmLock(Real(file), offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) { Real(file)->pMethods->xShmBarrier(Real(file)); }
int ShmUnmap(sqlite3_file* file, int delete_flag) {
  return Real(file)->pMethods->xShmUnmap(Real(file), delete_flag);
}

// Version 2: shared memory for WAL, but no memory-mapped I/O (xFetch), whose
// reads would bypass xRead.
const sqlite3_io_methods kFaultMethods = {
    .iVersion = 2,
    .xClose = Close,
    .xRead = Read,
    .xWrite = Write,
    .xTruncate = Truncate,
    .xSync = Sync,
    .xFileSize = FileSize,
    .xLock = Lock,
    .xUnlock = Unlock,
    .xCheckReservedLock = CheckReservedLock,
    .xFileControl = FileControl,
    .xSectorSize = SectorSize,
    .xDeviceCharacteristics = DeviceCharacteristics,
    .xShmMap = ShmMap,
    .xShmLock = ShmLock,
    .xShmBarrier = ShmBarrier,
    .xShmUnmap = ShmUnmap,
    .xFetch = nullptr,
    .xUnfetch = nullptr,
};

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* fault = reinterpret_cast<FaultFile*>(file);
  fault->base.pMethods = nullptr;  // SQLite must not close a file that failed to open
  fault->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
  int rc = RealVfs(vfs)->xOpen(RealVfs(vfs), name, fault->real, flags, out_flags);
  if (fault->real->pMethods == nullptr) return rc;
  if (rc != SQLITE_OK) {
    fault->real->pMethods->xClose(fault->real);
    return rc;
  }
  fault->base.pMethods = &kFaultMethods;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return RealVfs(vfs)->xDelete(RealVfs(vfs), name, sync_dir);
}
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return RealVfs(vfs)->xAccess(RealVfs(vfs), name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return RealVfs(vfs)->xFullPathname(RealVfs(vfs), name, size, out);
}
int Randomness(sqlite3_vfs* vfs, int size, char* out) {
  return RealVfs(vfs)->xRandomness(RealVfs(vfs), size, out);
}
int Sleep(sqlite3_vfs* vfs, int microseconds) {
  return RealVfs(vfs)->xSleep(RealVfs(vfs), microseconds);
}
int CurrentTime(sqlite3_vfs* vfs, double* out) {
  return RealVfs(vfs)->xCurrentTime(RealVfs(vfs), out);
}
int GetLastError(sqlite3_vfs* vfs, int size, char* out) {
  return RealVfs(vfs)->xGetLastError(RealVfs(vfs), size, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return RealVfs(vfs)->xCurrentTimeInt64(RealVfs(vfs), out);
}

sqlite3_vfs MakeVfs(sqlite3_vfs* real) {
  sqlite3_vfs vfs{};
  vfs.iVersion = 2;
  vfs.szOsFile = static_cast<int>(kRealOffset) + real->szOsFile;
  vfs.mxPathname = real->mxPathname;
  vfs.zName = FaultVfs::kName;
  vfs.pAppData = real;
  vfs.xOpen = Open;
  vfs.xDelete = Delete;
  vfs.xAccess = Access;
  vfs.xFullPathname = FullPathname;
  vfs.xRandomness = Randomness;
  vfs.xSleep = Sleep;
  vfs.xCurrentTime = CurrentTime;
  vfs.xGetLastError = GetLastError;
  vfs.xCurrentTimeInt64 = CurrentTimeInt64;
  return vfs;
}

}  // namespace

std::string_view FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kRead: return "xRead";
    case FaultKind::kWrite: return "xWrite";
    case FaultKind::kSync: return "xSync";
    case FaultKind::kTruncate: return "xTruncate";
  }
  return "?";
}

int FaultCode(FaultKind kind) {
  switch (kind) {
    case FaultKind::kRead: return SQLITE_IOERR_READ;
    case FaultKind::kWrite: return SQLITE_IOERR_WRITE;
    case FaultKind::kSync: return SQLITE_IOERR_FSYNC;
    case FaultKind::kTruncate: return SQLITE_IOERR_TRUNCATE;
  }
  return SQLITE_IOERR;
}

std::string FaultPlan::ToString() const {
  if (full_disk) {
    return "disk full during write " + std::to_string(n) + " (" + std::to_string(budget) +
           " bytes of room)";
  }
  return std::string(FaultKindName(kind)) + " call " + std::to_string(n) + " fails";
}

bool IsInjected(const Error& error, const FaultPlan& plan) {
  if (plan.full_disk) {
    return error.kind == ErrorKind::kQuotaExceeded && (error.backend_code & 0xff) == SQLITE_FULL;
  }
  return error.kind == ErrorKind::kBackend && (error.backend_code & 0xff) == SQLITE_IOERR;
}

FaultVfs& FaultVfs::Instance() {
  static FaultVfs* instance = [] {
    static FaultVfs vfs_state;
    static sqlite3_vfs vfs = MakeVfs(sqlite3_vfs_find(nullptr));
    sqlite3_vfs_register(&vfs, /*makeDflt=*/0);
    return &vfs_state;
  }();
  return *instance;
}

void FaultVfs::Reset(Mode mode) {
  std::lock_guard lock(mutex_);
  mode_ = mode;
  calls_ = {};
  write_sizes_.clear();
  failures_ = 0;
}

void FaultVfs::CountOnly() { Reset(Mode::kCount); }

void FaultVfs::FailNth(FaultKind kind, std::uint64_t n) {
  Reset(Mode::kFailNth);
  std::lock_guard lock(mutex_);
  fail_kind_ = kind;
  fail_at_ = n;
}

void FaultVfs::FillDiskAfter(std::uint64_t budget) {
  Reset(Mode::kFullDisk);
  std::lock_guard lock(mutex_);
  room_ = budget;
}

void FaultVfs::Arm(const FaultPlan& plan) {
  if (plan.full_disk) {
    FillDiskAfter(plan.budget);
  } else {
    FailNth(plan.kind, plan.n);
  }
}

std::vector<FaultPlan> FaultVfs::EveryPlan() const {
  std::lock_guard lock(mutex_);
  std::vector<FaultPlan> plans;
  for (FaultKind kind : kFaultKinds) {
    for (std::uint64_t n = 1; n <= calls_[static_cast<std::size_t>(kind)]; ++n) {
      plans.push_back({.full_disk = false, .kind = kind, .n = n, .budget = 0});
    }
  }
  std::uint64_t written = 0;
  for (std::size_t i = 0; i < write_sizes_.size(); ++i) {
    plans.push_back({.full_disk = true, .kind = FaultKind::kWrite, .n = i + 1,
                     .budget = written + write_sizes_[i] / 2});
    written += write_sizes_[i];
  }
  return plans;
}

std::uint64_t FaultVfs::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

FaultVfs::Verdict FaultVfs::OnCall(FaultKind kind, std::uint64_t bytes) {
  std::lock_guard lock(mutex_);
  std::uint64_t call = ++calls_[static_cast<std::size_t>(kind)];
  if (kind == FaultKind::kWrite) write_sizes_.push_back(bytes);
  Verdict verdict;
  if (mode_ == Mode::kFailNth && kind == fail_kind_ && call == fail_at_) {
    verdict.code = FaultCode(kind);
  } else if (mode_ == Mode::kFullDisk && kind == FaultKind::kWrite) {
    verdict.bytes_that_fit = std::min(bytes, room_);
    room_ -= verdict.bytes_that_fit;
    if (verdict.bytes_that_fit < bytes) verdict.code = SQLITE_FULL;
  }
  if (verdict.code != 0) ++failures_;
  return verdict;
}

}  // namespace persistency::testing_support
