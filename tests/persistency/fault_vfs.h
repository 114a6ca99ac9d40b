// FaultVfs: a SQLite VFS named "fault" that forwards every call to the
// default VFS and can make one chosen file operation fail, or act as a disk
// that fills up. It counts xRead, xWrite, xSync and xTruncate on every file
// it opened (database, journal, WAL), so a test can first count the calls a
// workload makes and then fail each one in turn.
//
// The plan is process-wide (a VFS is): one test drives it at a time. Calls
// may come from any thread (a Job's storage thread).
#pragma once

#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "persistency/error.h"

namespace persistency::testing_support {

enum class FaultKind { kRead, kWrite, kSync, kTruncate };

inline constexpr std::array<FaultKind, 4> kFaultKinds = {
    FaultKind::kRead, FaultKind::kWrite, FaultKind::kSync, FaultKind::kTruncate};

std::string_view FaultKindName(FaultKind kind);
// The extended result code an injected failure of `kind` returns
// (SQLITE_IOERR_READ, _WRITE, _FSYNC, _TRUNCATE).
int FaultCode(FaultKind kind);

// One injection point: the n-th call of `kind` fails once, or (full_disk)
// the disk fills up during the n-th write, `budget` bytes from the start.
struct FaultPlan {
  bool full_disk = false;
  FaultKind kind = FaultKind::kWrite;
  std::uint64_t n = 0;
  std::uint64_t budget = 0;

  std::string ToString() const;
};

// Whether `error` is what `plan` injects, typed: QuotaExceeded with
// SQLITE_FULL for a full disk, Backend with an SQLITE_IOERR code otherwise.
bool IsInjected(const Error& error, const FaultPlan& plan);

class FaultVfs {
 public:
  static constexpr const char* kName = "fault";

  // Registers the VFS (not as the default) on first use.
  static FaultVfs& Instance();

  // Counts calls from zero and fails none.
  void CountOnly();
  // Counts calls from zero; the n-th call (1-based) of `kind` fails once.
  void FailNth(FaultKind kind, std::uint64_t n);
  // Counts calls from zero; a disk with room for `budget` more bytes: the
  // write that crosses it stores what fits and fails with SQLITE_FULL, as do
  // all later writes, until the next plan.
  void FillDiskAfter(std::uint64_t budget);

  void Arm(const FaultPlan& plan);
  // Every injection point of the workload counted since CountOnly(): each
  // call of each kind, and a disk filling up in the middle of each write.
  std::vector<FaultPlan> EveryPlan() const;

  // Failures returned since the plan was set.
  std::uint64_t failures() const;

  // Called by the VFS for each operation: the result code it must fail with
  // (0: go ahead), and for a write on a full disk how many bytes fit.
  struct Verdict {
    int code = 0;
    std::uint64_t bytes_that_fit = 0;
  };
  Verdict OnCall(FaultKind kind, std::uint64_t bytes = 0);

 private:
  enum class Mode { kCount, kFailNth, kFullDisk };
  void Reset(Mode mode);

  mutable std::mutex mutex_;
  Mode mode_ = Mode::kCount;
  FaultKind fail_kind_ = FaultKind::kRead;
  std::uint64_t fail_at_ = 0;
  std::uint64_t room_ = 0;
  std::array<std::uint64_t, 4> calls_{};
  std::vector<std::uint64_t> write_sizes_;
  std::uint64_t failures_ = 0;
};

// Points TMPDIR (where ScratchDir creates its directories) at /dev/shm, when
// there is one, while it exists. A fault sweep runs its workload hundreds of
// times and each run syncs; on a RAM file system a sync costs nothing, and
// what the sweep tests is SQLite's handling of failing calls, not the disk.
class TempDirInMemory {
 public:
  TempDirInMemory() {
    if (const char* old = std::getenv("TMPDIR")) previous_ = old;
    std::error_code ec;
    if (std::filesystem::is_directory("/dev/shm", ec)) setenv("TMPDIR", "/dev/shm", 1);
  }
  ~TempDirInMemory() {
    if (previous_.empty()) {
      unsetenv("TMPDIR");
    } else {
      setenv("TMPDIR", previous_.c_str(), 1);
    }
  }
  TempDirInMemory(const TempDirInMemory&) = delete;
  TempDirInMemory& operator=(const TempDirInMemory&) = delete;

 private:
  std::string previous_;
};

}  // namespace persistency::testing_support
