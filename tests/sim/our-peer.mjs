// A participant running our engine as a job's worker runs it: a ChannelHost
// (bindings/embind/channel_bindings.cc) over the job's SqliteStore, on the
// "sds-host" VFS with the job files of a Node job worker (NodeHostFile, the
// job's file names and store settings from build/web). Every engine step
// commits to that file; a restart frees the host and closes the database,
// then reopens both from the files: nothing survives but what is on disk.
import path from 'node:path';

import { NodeHostFile } from '../../build/web/platform/node-host-file.js';
import { jobFileNames } from '../../build/web/platform/platform.js';
import { jobStoreDefaults } from '../../build/web/worker-core.js';
import { ok } from '../wasm/core.mjs';

// What the job worker uses, except synchronous=FULL: the simulation's restarts
// are clean closes, which checkpoint the WAL anyway, so an fsync per commit
// would only make runs slow (see docs/simulation.md).
const storeOptions = { ...jobStoreDefaults, synchronousFull: false };

// Engine events that put bytes on the wire, and the traffic kind they count as.
const WIRE_EVENTS = { resend: 'resend', syncReady: 'sync', repairReady: 'repair' };

export class OurPeer {
  /**
   * @param {object} options
   * @param {object} options.core the wasm module (build/wasm/dist/sds_core.mjs)
   * @param {string} options.dir host directory for this participant's job files
   * @param {string} options.channelId
   * @param {string} options.id participant id (also the job id)
   * @param {object} options.config engine config (camelCase, as ChannelHost.open takes it)
   * @param {(peer: string, messageId: string) => void} options.onDelivered
   */
  constructor({ core, dir, channelId, id, config, onDelivered }) {
    Object.assign(this, { core, dir, channelId, id, config, onDelivered });
    this.kind = 'ours';
    this.online = false;
    this.open();
  }

  open() {
    const names = jobFileNames(this.id);
    this.fileKeys = names.map((name) => `/${name}`);
    this.files = names.map((name) => new NodeHostFile(path.join(this.dir, name)));
    this.fileKeys.forEach((key, i) => this.core.hostFiles.set(key, this.files[i]));
    this.store = ok(this.core.SqliteStore.open(this.fileKeys[0], storeOptions));
    this.host = ok(this.core.ChannelHost.open(this.store, this.channelId, this.id, this.config));
    this.online = true;
  }

  /** Frees the engine and closes the database and its files. */
  close() {
    this.online = false;
    this.host.delete();
    this.store.delete();
    for (const key of this.fileKeys) this.core.hostFiles.delete(key);
    for (const file of this.files) file.close();
  }

  /** The persisted log, oldest first: [{messageId, senderId, seq}]. */
  log() {
    return ok(this.host.log(0, Number.MAX_SAFE_INTEGER)).map(({ messageId, senderId, seq }) => ({ messageId, senderId, seq }));
  }

  /** Wraps `payload` as `messageId`; returns the broadcasts to make. */
  async send(payload, messageId, now) {
    const bytes = ok(this.host.send(payload, this.config.contentAddressedIds ? '' : messageId, now));
    return [{ kind: 'content', bytes }, ...this.drain()];
  }

  async receive(bytes, now) {
    ok(this.host.receive(bytes, now));
    return this.drain();
  }

  async tick(now) {
    ok(this.host.tick(now));
    return this.drain();
  }

  drain() {
    const out = [];
    for (const event of this.host.takeEvents()) {
      if (event.type === 'delivered') this.onDelivered(this.id, event.messageId);
      const kind = WIRE_EVENTS[event.type];
      if (kind !== undefined) out.push({ kind, bytes: event.bytes });
    }
    return out;
  }
}
