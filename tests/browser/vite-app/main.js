// A minimal app using sds-wasm exactly as its README shows, built by Vite
// with no configuration of its own.
import { Persistency, PersistencyError } from 'sds-wasm';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Opens job `id` under OPFS directory `root`, writes `note` under key
 * 'greeting', reads it back and returns what a later visit would see too.
 */
async function saveAndLoad(root, id, note) {
  const persistency = await Persistency.open(root);
  try {
    const job = await persistency.openJob(id);
    const previous = await job.get('notes', encoder.encode('greeting'));
    job.put('notes', encoder.encode('greeting'), encoder.encode(note));
    await job.flush();
    const current = await job.get('notes', encoder.encode('greeting'));
    return {
      previous: previous && decoder.decode(previous),
      current: current && decoder.decode(current),
      count: await job.count('notes'),
    };
  } catch (error) {
    return { error: error instanceof PersistencyError ? error.kind : String(error) };
  } finally {
    await persistency.close();
  }
}

window.saveAndLoad = saveAndLoad;
document.getElementById('status').textContent = 'ready';
