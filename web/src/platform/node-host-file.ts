/**
 * {@link HostFile} over a file on disk, for job workers in Node.
 * @module
 */
import fs from 'node:fs';
import type { HostFile } from '../host-file.js';

/** A file opened read-write (created if missing) with Node's synchronous `fs` calls. */
export class NodeHostFile implements HostFile {
  private readonly fd: number;

  /** Opens `path`, creating it if it does not exist. */
  constructor(path: string) {
    this.fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  }

  /** {@inheritDoc HostFile.read} */
  read(buffer: Uint8Array, options: { at: number }): number {
    let done = 0;
    while (done < buffer.length) {
      const read = fs.readSync(this.fd, buffer, done, buffer.length - done, options.at + done);
      if (read === 0) break;
      done += read;
    }
    return done;
  }

  /** {@inheritDoc HostFile.write} */
  write(buffer: Uint8Array, options: { at: number }): number {
    let done = 0;
    while (done < buffer.length) {
      done += fs.writeSync(this.fd, buffer, done, buffer.length - done, options.at + done);
    }
    return done;
  }

  /** {@inheritDoc HostFile.truncate} */
  truncate(size: number): void {
    fs.ftruncateSync(this.fd, size);
  }

  /** {@inheritDoc HostFile.flush} */
  flush(): void {
    fs.fsyncSync(this.fd);
  }

  /** {@inheritDoc HostFile.getSize} */
  getSize(): number {
    return fs.fstatSync(this.fd).size;
  }

  /** {@inheritDoc HostFile.close} */
  close(): void {
    fs.closeSync(this.fd);
  }
}
