// Pieces shared by the two dialect codecs (nim_codec.cc, spec_codec.cc):
// the size and entry-count limits they enforce before protobuf allocates,
// serialization under the size limit, and byte/string conversions.
// Internal to the engine; not part of its API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>

#include <google/protobuf/message_lite.h>

#include "sds/bytes.h"
#include "sds/error.h"

namespace sds::codec {

// What one dialect allows and where its entry lists live on the wire.
struct WireLimits {
  const char* dialect;  // error prefix, e.g. "nim dialect"
  std::size_t max_message_bytes;
  std::size_t max_entries;  // per list: causal history, repair request
  std::uint32_t causal_history_field;
  std::uint32_t repair_request_field;
};

// kDeserializationError / kSerializationError, "<dialect>: <message>".
std::unexpected<Error> DecodeError(const WireLimits& limits, std::string message);
std::unexpected<Error> EncodeError(const WireLimits& limits, std::string message);

// Refuses input over the size limit, malformed top-level fields and too many
// entries in either list, without allocating for the fields.
Status CheckDecodable(ByteView bytes, const WireLimits& limits);

// `message` serialized, or kSerializationError when it exceeds the size limit.
Result<Bytes> Serialize(const ::google::protobuf::MessageLite& message, const WireLimits& limits);

// Copies `bytes` into a protobuf bytes field.
void Assign(std::string* out, ByteView bytes);
// A protobuf bytes field as Bytes.
Bytes ToBytes(const std::string& s);

}  // namespace sds::codec
