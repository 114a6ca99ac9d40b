// What the messaging tests check, shared by the Node and the Chromium tests: every message of a
// conversation is in each participant's history exactly once, after everything its sender had
// seen when sending it (causal order), and every own message is acknowledged.
//
// A conversation message's payload is JSON {from, n, seen}: the sender, its own counter, and
// how many messages of each participant the sender had in its history when it sent this one.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The payload of message `n` of `from`, given the sender's history so far. */
export function conversationPayload(from, n, history) {
  const seen = {};
  for (const message of history) {
    const { from: sender } = parseLogged(message);
    seen[sender] = (seen[sender] ?? 0) + 1;
  }
  return encoder.encode(JSON.stringify({ from, n, seen }));
}

/** The conversation fields of a logged message (its payload is base64). */
export function parseLogged(message) {
  return JSON.parse(decoder.decode(Uint8Array.from(atob(message.payload), (c) => c.charCodeAt(0))));
}

/**
 * Problems with one participant's history of a conversation where each of `participants` sent
 * `perParticipant` messages: missing or duplicate messages, causal order violations and own
 * messages not acknowledged. An empty list means the history is right.
 */
export function historyProblems(history, participants, perParticipant) {
  const problems = [];
  const count = {};
  const labels = new Set();
  for (const [position, message] of history.entries()) {
    const { from, n, seen } = parseLogged(message);
    const label = `${from}#${n}`;
    if (labels.has(label)) problems.push(`${label} appears twice`);
    labels.add(label);
    for (const [sender, needed] of Object.entries(seen)) {
      if ((count[sender] ?? 0) < needed) problems.push(`${label} at ${position} comes before ${needed} messages of ${sender} its sender had seen`);
    }
    if (message.own && message.status !== 'acknowledged') problems.push(`${label} is ${message.status}`);
    count[from] = (count[from] ?? 0) + 1;
  }
  for (const participant of participants) {
    for (let n = 0; n < perParticipant; n += 1) {
      if (!labels.has(`${participant}#${n}`)) problems.push(`${participant}#${n} is missing`);
    }
  }
  return problems;
}
