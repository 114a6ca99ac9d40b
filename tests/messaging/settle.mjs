// Waits, without sleeping, until a condition over a node holds: the condition is checked again
// after each event the node dispatches, and the wait fails after `timeoutMs`.

const eventTypes = ['message_received', 'message_propagated', 'message_sent', 'message_error', 'message_missing', 'connection_status_change'];

/** Resolves once `condition()` (sync or async) is true; rejects with `describe()` after `timeoutMs`. */
export function until(node, condition, { timeoutMs = 60_000, describe = () => 'condition not met' } = {}) {
  return new Promise((resolve, reject) => {
    let checking = false;
    let again = false;
    const done = (error) => {
      clearTimeout(timer);
      for (const type of eventTypes) node.removeEventListener(type, check);
      if (error === undefined) resolve();
      else reject(error);
    };
    const check = async () => {
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          if (await condition()) return done();
        } while (again);
      } catch (error) {
        return done(error);
      } finally {
        checking = false;
      }
    };
    const timer = setTimeout(async () => done(new Error(`timed out: ${await describe()}`)), timeoutMs);
    for (const type of eventTypes) node.addEventListener(type, check);
    check();
  });
}
