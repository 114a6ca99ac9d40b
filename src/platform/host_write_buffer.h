// Write coalescing for the "sds-host" VFS. A host write call (an OPFS access
// handle's write) costs about as much for 24 bytes as for 128 KiB, and SQLite
// writes the pages of a commit or a checkpoint one call at a time (a WAL frame
// even as two calls, header and page). So a run of writes, each continuing the
// previous one in the same file, is held in memory and handed to the host as
// one call.
//
// SQLite must still see every write in its files at the points it relies on,
// so the run is handed over before anything else touches the files: a write
// elsewhere, a read of the buffered range, a size query, a truncate, a sync, a
// close, a delete or an existence check, and right after the page of a WAL
// commit frame (WriteEnd::kHandOver, which the VFS asks for after a WAL
// commit frame's page: host_file_vfs.cc). A failure then reaches SQLite from
// that call, before the transaction counts as committed, and SQLite rolls it
// back as after a failed write. Buffered bytes are no more durable than bytes
// in an OS page cache; SQLite never counts a write as durable before xSync,
// and xSync hands the run over first.
#pragma once

#include <sqlite3.h>

#include <cstdint>

namespace platform {

// Whether a write must reach the host before BufferedWrite returns.
enum class WriteEnd { kMayBuffer, kHandOver };

// Writes `length` bytes at `offset` of `slot` into the run, first handing the
// run to the host when the write does not continue it. A SQLite result code.
int BufferedWrite(int slot, const std::uint8_t* bytes, int length, sqlite3_int64 offset,
                  WriteEnd end);

// Hands the run to the host, then writes straight through. For rollback
// journals: SQLite reads journal records back to roll a transaction back, so
// a journal write must fail at once rather than later, when the records it
// lost could no longer be told apart.
int DirectWrite(int slot, const std::uint8_t* bytes, int length, sqlite3_int64 offset);

// Hands the run to the host if it holds bytes of [offset, offset + length) of `slot`.
int FlushOverlapping(int slot, sqlite3_int64 offset, int length);

// Hands the run to the host. SQLITE_OK, SQLITE_FULL when the host ran out of
// space, else SQLITE_IOERR_WRITE; on failure the run is dropped, as the bytes
// of a failed write call would be.
int FlushHostWrites();

}  // namespace platform
