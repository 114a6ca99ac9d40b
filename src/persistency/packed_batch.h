// A compact binary form of a WriteBatch, so that a batch crosses from JS into
// wasm as one byte array instead of one JS object per op. The bytes are a
// sequence of records, each
//   u8 op (1 = put, 2 = delete, 3 = deletePrefix)
//   u32 little-endian category length, then the category bytes
//   u32 little-endian key length, then the key bytes (the prefix for deletePrefix)
//   for put only: u32 little-endian payload length, then the payload bytes
// An empty input is an empty batch.
#pragma once

#include "persistency/bytes.h"
#include "persistency/error.h"
#include "persistency/write_batch.h"

namespace persistency {

// Decodes `packed`; InvalidArgument for an unknown op code or a record that
// runs past the end of the input.
Result<WriteBatch> DecodePackedBatch(ByteView packed);

}  // namespace persistency
