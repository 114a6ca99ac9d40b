// Writes a WriteBatch in the packed form of src/persistency/packed_batch.h,
// independently of the decoder under test (and of web/src/packed-batch.ts,
// which packs on the JS side): the fuzz target compares against it and the
// seed generator uses it.
#pragma once

#include <cstdint>

#include "persistency/bytes.h"
#include "persistency/write_batch.h"

namespace fuzz {

inline void AppendSized(persistency::Bytes& out, persistency::ByteView bytes) {
  const auto length = static_cast<std::uint32_t>(bytes.size());
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<std::uint8_t>(length >> shift));
  out.insert(out.end(), bytes.begin(), bytes.end());
}

inline persistency::Bytes Pack(const persistency::WriteBatch& batch) {
  persistency::Bytes out;
  for (const persistency::WriteOp& op : batch.ops()) {
    switch (op.kind) {
      case persistency::WriteKind::kPut: out.push_back(1); break;
      case persistency::WriteKind::kDelete: out.push_back(2); break;
      case persistency::WriteKind::kDeletePrefix: out.push_back(3); break;
    }
    AppendSized(out, persistency::AsBytes(op.category));
    AppendSized(out, op.key.view());
    if (op.kind == persistency::WriteKind::kPut) AppendSized(out, op.payload);
  }
  return out;
}

}  // namespace fuzz
