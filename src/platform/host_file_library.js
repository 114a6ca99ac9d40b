// Emscripten JS library: the JavaScript half of the "sds-host" SQLite VFS
// (host_file_vfs.cc; signatures and return codes in host_file_js.h).
//
// Module.hostFiles: Map<string, HostFile>, filled by the embedder before a
// store opens. A HostFile has the shape of FileSystemSyncAccessHandle:
// read/write(Uint8Array, { at }), truncate(size), flush(), getSize(), close().
// Module.hostFileLastError: text of the last exception a HostFile threw.
addToLibrary({
  // Open files by slot; a freed slot holds undefined and is reused.
  $hostFileSlots: '=[]',
  $hostFileSlots__postset: "Module['hostFiles'] ??= new Map();",
  // True while hostFileLastError has not been taken by the C++ side.
  $hostFileErrorUntaken: false,

  $hostFileFailure__deps: ['$hostFileErrorUntaken'],
  $hostFileFailure: (error) => {
    Module['hostFileLastError'] = error?.name ? `${error.name}: ${error.message}` : String(error);
    hostFileErrorUntaken = true;
    const full = error?.name === 'QuotaExceededError' || error?.code === 'ENOSPC' ||
      error?.code === 'EDQUOT';
    return full ? -2 : -1;
  },

  sds_host_file_open__deps: ['$hostFileSlots', '$hostFileFailure', '$UTF8ToString'],
  sds_host_file_open__sig: 'ipi',
  sds_host_file_open: (pathPtr, reportMissing) => {
    const path = UTF8ToString(pathPtr);
    const file = Module['hostFiles']?.get(path);
    if (!file) {
      if (!reportMissing) return -1;
      const error = new Error(`no HostFile registered in Module.hostFiles for "${path}"`);
      error.name = 'NotFoundError';
      hostFileFailure(error);
      return -1;
    }
    let slot = hostFileSlots.indexOf(undefined);
    if (slot < 0) slot = hostFileSlots.length;
    hostFileSlots[slot] = file;
    return slot;
  },

  sds_host_file_close__deps: ['$hostFileSlots'],
  sds_host_file_close__sig: 'vi',
  sds_host_file_close: (slot) => {
    hostFileSlots[slot] = undefined;
  },

  // HEAPU8 is read on every call: memory growth replaces it.
  sds_host_file_read__deps: ['$hostFileSlots', '$hostFileFailure'],
  sds_host_file_read__sig: 'iipid',
  sds_host_file_read: (slot, ptr, length, offset) => {
    try {
      return hostFileSlots[slot].read(HEAPU8.subarray(ptr, ptr + length), { at: offset });
    } catch (error) {
      return hostFileFailure(error);
    }
  },

  sds_host_file_write__deps: ['$hostFileSlots', '$hostFileFailure'],
  sds_host_file_write__sig: 'iipid',
  sds_host_file_write: (slot, ptr, length, offset) => {
    try {
      return hostFileSlots[slot].write(HEAPU8.subarray(ptr, ptr + length), { at: offset });
    } catch (error) {
      return hostFileFailure(error);
    }
  },

  sds_host_file_truncate__deps: ['$hostFileSlots', '$hostFileFailure'],
  sds_host_file_truncate__sig: 'iid',
  sds_host_file_truncate: (slot, size) => {
    try {
      hostFileSlots[slot].truncate(size);
      return 0;
    } catch (error) {
      return hostFileFailure(error);
    }
  },

  sds_host_file_flush__deps: ['$hostFileSlots', '$hostFileFailure'],
  sds_host_file_flush__sig: 'ii',
  sds_host_file_flush: (slot) => {
    try {
      hostFileSlots[slot].flush();
      return 0;
    } catch (error) {
      return hostFileFailure(error);
    }
  },

  sds_host_file_size__deps: ['$hostFileSlots', '$hostFileFailure'],
  sds_host_file_size__sig: 'di',
  sds_host_file_size: (slot) => {
    try {
      return hostFileSlots[slot].getSize();
    } catch (error) {
      return hostFileFailure(error);
    }
  },

  sds_host_file_take_error__deps: ['$hostFileErrorUntaken', '$stringToUTF8'],
  sds_host_file_take_error__sig: 'ipi',
  sds_host_file_take_error: (out, capacity) => {
    if (!hostFileErrorUntaken) return 0;
    hostFileErrorUntaken = false;
    stringToUTF8(Module['hostFileLastError'], out, capacity);
    return 1;
  },
});
