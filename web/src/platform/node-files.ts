/**
 * Job files on disk for Node job workers, and the mapping of Node file-system errors.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { PersistencyError, type PersistencyErrorKind } from '../errors.js';
import type { HostFile } from '../host-file.js';
import { NodeHostFile } from './node-host-file.js';

function kindOf(code: unknown): PersistencyErrorKind {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'QuotaExceeded';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'InvalidArgument';
    default:
      return 'Backend';
  }
}

/** A {@link PersistencyError} for a failed `fs` call (`ENOSPC` → `QuotaExceeded`, a file in the way → `InvalidArgument`). */
export function fileSystemError(error: unknown, doing: string): PersistencyError {
  const code = (error as { code?: unknown } | null)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  return new PersistencyError(kindOf(code), `${doing}: ${detail}`, { cause: error });
}

/** Opens `names` in directory `root`, creating the directory and the files when missing. */
export async function openNodeFiles(root: string, names: readonly string[]): Promise<HostFile[]> {
  try {
    await fs.promises.mkdir(root, { recursive: true });
  } catch (error) {
    throw fileSystemError(error, `cannot create root ${root}`);
  }
  const files: HostFile[] = [];
  try {
    for (const name of names) files.push(new NodeHostFile(path.join(root, name)));
  } catch (error) {
    for (const file of files) file.close();
    throw fileSystemError(error, `cannot open the files of ${names[0] ?? 'a job'} in ${root}`);
  }
  return files;
}
