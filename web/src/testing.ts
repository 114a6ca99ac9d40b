/**
 * Test hooks (`sds-wasm/testing`); not part of the main entry.
 * @module
 */
import { crashJobWorker } from './job.js';
import type { Job } from './job.js';
import { interceptChannelEvents as interceptNodeChannelEvents, type ChannelEventSink, type MessagingNode } from './node/messaging-node.js';

export type { ChannelEventSink } from './node/messaging-node.js';

/**
 * Kills `job`'s worker abruptly (`worker.terminate()`), as a crash would: writes not yet
 * committed are lost (a batch entirely), outstanding requests reject with `Backend`, the job
 * ends and its lock is released. The {@link Persistency} stays usable and can open the job
 * again. Resolves once the worker is gone.
 */
export function terminateJobWorker(job: Job): Promise<void> {
  return crashJobWorker(job);
}

/**
 * Hands `node`'s channel events to `sink` instead of the node; `undefined` hands them back. The
 * channels keep committing their steps, so this is the state a page leaves when it dies after a
 * step committed and before its events arrived: the node never logs those deliveries and
 * outcomes (until its next start catches up with the channels).
 */
export function interceptChannelEvents(node: MessagingNode, sink: ChannelEventSink | undefined): void {
  interceptNodeChannelEvents(node, sink);
}
