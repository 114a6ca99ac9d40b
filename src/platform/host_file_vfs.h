// The "sds-host" SQLite VFS: database files are HostFile objects that
// JavaScript registered beforehand in Module.hostFiles (a Map keyed by the
// exact path SQLite opens). In a browser a HostFile is an OPFS
// FileSystemSyncAccessHandle; in Node a small class over node:fs.
#pragma once

namespace platform {

inline constexpr char kHostFileVfsName[] = "sds-host";

// Registers the VFS with SQLite (not as the default). Safe to call more than
// once. If registration fails, opening with the VFS reports "no such vfs".
void RegisterHostFileVfs();

}  // namespace platform
