// Reads what the checks need from SDS bytes of either dialect: the message id,
// the sender, whether it is a content message, and the ids of its causal
// history. A protobuf reader of its own, independent of the engine under test,
// so that the causal-order check does not trust the code it checks.
//
//   nim:  1 id, 2 lamport (varint), 3 history, 4 channel, 5 content, 7 sender
//   spec: 1 sender, 2 id (bytes), 3 channel, 10 lamport, 11 history, 20 content
//   history entry (both): 1 message id

const utf8 = new TextDecoder('utf-8', { fatal: true });

// Field number, wire type and value of each top-level field, in order.
function* fields(bytes) {
  let at = 0;
  const varint = () => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (at >= bytes.length) throw new Error('truncated varint');
      const byte = bytes[at++];
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  while (at < bytes.length) {
    const tag = Number(varint());
    const type = tag & 7;
    const field = tag >>> 3;
    if (type === 0) {
      yield { field, type, value: varint() };
    } else if (type === 2) {
      const length = Number(varint());
      if (at + length > bytes.length) throw new Error('truncated field');
      yield { field, type, value: bytes.subarray(at, at + length) };
      at += length;
    } else if (type === 1 || type === 5) {
      at += type === 1 ? 8 : 4;
    } else {
      throw new Error(`unsupported wire type ${type}`);
    }
  }
}

const entryId = (bytes) => {
  for (const { field, value } of fields(bytes)) if (field === 1) return utf8.decode(value);
  throw new Error('history entry without a message id');
};

const LAYOUTS = {
  nim: { id: 1, sender: 7, history: 3, content: 5, lamport: 2 },
  spec: { id: 2, sender: 1, history: 11, content: 20, lamport: 10 },
};

/**
 * @param {Uint8Array} bytes an SDS message in either dialect
 * @returns {{dialect: 'nim'|'spec', messageId: string, senderId: string,
 *   kind: 'content'|'sync'|'ephemeral', history: string[]}}
 */
export function readMessage(bytes) {
  const all = [...fields(bytes)];
  const second = all.find(({ field }) => field === 2);
  const dialect = second?.type === 0 ? 'nim' : 'spec';
  const layout = LAYOUTS[dialect];
  const message = { dialect, messageId: '', senderId: '', history: [] };
  let lamport = false;
  let content = false;
  for (const { field, value } of all) {
    if (field === layout.id) message.messageId = utf8.decode(value);
    else if (field === layout.sender) message.senderId = utf8.decode(value);
    else if (field === layout.history) message.history.push(entryId(value));
    else if (field === layout.lamport) lamport = true;
    else if (field === layout.content) content = value.length > 0;
  }
  message.kind = !lamport ? 'ephemeral' : content ? 'content' : 'sync';
  return message;
}
