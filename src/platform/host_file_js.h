// The JavaScript half of the host-file VFS (host_file_library.js), as seen
// from C++. A HostFile is addressed by a slot number from host_file_open.
// Calls that can fail return kHostFileIoError or kHostFileFull (the host ran
// out of quota or disk space) instead of throwing; the JS error text is kept
// for host_file_take_error.
#pragma once

#include <cstdint>

namespace platform {

inline constexpr int kHostFileIoError = -1;
inline constexpr int kHostFileFull = -2;

}  // namespace platform

extern "C" {

// The slot of the HostFile registered under `path`, or kHostFileIoError when
// there is none (recorded as an error only if `report_missing` is non-zero).
int sds_host_file_open(const char* path, int report_missing);
// Forgets the slot; the HostFile itself stays open (JavaScript owns it).
void sds_host_file_close(int slot);
// Bytes transferred, or an error code. Offsets are doubles: exact up to 2^53.
int sds_host_file_read(int slot, std::uint8_t* buffer, int length, double offset);
int sds_host_file_write(int slot, const std::uint8_t* buffer, int length, double offset);
// 0 or an error code.
int sds_host_file_truncate(int slot, double size);
int sds_host_file_flush(int slot);
// The size in bytes, or an error code.
double sds_host_file_size(int slot);
// Copies the last error text not yet taken into `out` (NUL-terminated,
// truncated to `capacity`) and returns 1; returns 0 when there is none.
int sds_host_file_take_error(char* out, int capacity);

}  // extern "C"
