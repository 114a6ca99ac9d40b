/**
 * Job files in the Origin Private File System: root paths, directory walks, sync access handles
 * (worker side) and the mapping of OPFS errors.
 * @module
 */
import { PersistencyError, type PersistencyErrorKind } from '../errors.js';
import type { HostFile } from '../host-file.js';

/** A file handle that can open a sync access handle (dedicated workers only). */
interface SyncAccessFile {
  createSyncAccessHandle(): Promise<HostFile>;
}

/**
 * The directory segments of an OPFS root path (`'a/b'`, `'/a//b/'` → `['a', 'b']`; `'/'` is the
 * OPFS root itself). Throws `InvalidArgument` for an empty path or a `.` / `..` segment.
 */
export function opfsSegments(root: string): string[] {
  if (root.length === 0) throw new PersistencyError('InvalidArgument', 'root directory is empty');
  const segments = root.split('/').filter((segment) => segment.length > 0);
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    throw new PersistencyError('InvalidArgument', `root must not contain '.' or '..': ${root}`);
  }
  return segments;
}

function kindOf(name: string): PersistencyErrorKind {
  switch (name) {
    case 'NoModificationAllowedError':
    case 'InvalidStateError':
      return 'JobLocked';
    case 'QuotaExceededError':
      return 'QuotaExceeded';
    case 'TypeMismatchError':
      return 'InvalidArgument';
    default:
      return 'Backend';
  }
}

/** A {@link PersistencyError} for a failed OPFS call (a file held open elsewhere → `JobLocked`). */
export function opfsError(error: unknown, doing: string): PersistencyError {
  const name = error instanceof Error ? error.name : '';
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new PersistencyError(kindOf(name), `${doing}: ${detail}`, { cause: error });
}

/**
 * The directory at `segments` under the OPFS root; with `create`, missing directories are made.
 * Resolves to `undefined` when it does not exist and `create` is false. A file in the way is
 * `InvalidArgument`.
 */
export async function opfsDirectory(
  segments: readonly string[],
  create: boolean,
): Promise<FileSystemDirectoryHandle | undefined> {
  let directory: FileSystemDirectoryHandle;
  try {
    directory = await navigator.storage.getDirectory();
  } catch (error) {
    throw opfsError(error, 'the Origin Private File System is not available');
  }
  for (const segment of segments) {
    try {
      directory = await directory.getDirectoryHandle(segment, { create });
    } catch (error) {
      if (error instanceof Error && error.name === 'NotFoundError') return undefined;
      throw opfsError(error, `cannot open directory ${segments.join('/')}`);
    }
  }
  return directory;
}

// The page holds the job's Web Lock before a worker opens the files, so a handle still held is
// one a just-terminated worker of this job has not given back yet: retry for a while.
const handleRetryDelaysMs = [5, 10, 20, 40, 80, 160, 320, 640, 1000];

async function openSyncAccessHandle(directory: FileSystemDirectoryHandle, name: string): Promise<HostFile> {
  const handle = (await directory.getFileHandle(name, { create: true })) as unknown as SyncAccessFile;
  for (const delayMs of handleRetryDelaysMs) {
    try {
      return await handle.createSyncAccessHandle();
    } catch (error) {
      if (!(error instanceof Error && error.name === 'NoModificationAllowedError')) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
  return handle.createSyncAccessHandle();
}

/** Opens sync access handles on `names` in the root directory, creating what is missing. */
export async function openOpfsFiles(root: string, names: readonly string[]): Promise<HostFile[]> {
  const directory = await opfsDirectory(opfsSegments(root), true);
  if (directory === undefined) throw new PersistencyError('Backend', `cannot create root ${root}`);
  const files: HostFile[] = [];
  try {
    for (const name of names) files.push(await openSyncAccessHandle(directory, name));
  } catch (error) {
    for (const file of files) file.close();
    throw opfsError(error, `cannot open ${names[0] ?? 'the job files'} in ${root}`);
  }
  return files;
}
