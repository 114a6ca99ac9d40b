// Pieces shared by the two dialect codecs (nim_codec.cc, spec_codec.cc):
// the size and entry-count limits they enforce before protobuf allocates,
// serialization under the size limit, and byte/string conversions.
// Internal to the engine; not part of its API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>

#include <google/protobuf/arena.h>
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

// kSerializationError when `size` bytes exceed the size limit.
Status CheckEncodedSize(std::size_t size, const WireLimits& limits);

// `message` serialized, or kSerializationError when it exceeds the size limit.
Result<Bytes> Serialize(const ::google::protobuf::MessageLite& message, const WireLimits& limits);

// A bloom filter travels as one large bytes field. The codecs write and read
// it by hand, around protobuf, so that its ~20 KB are copied once between the
// wire and the filter: protobuf would copy them into a field of their own,
// then again into or out of the message.

// A length-delimited field written by hand between two protobuf-serialized
// parts of a message.
struct SplicedField {
  std::uint32_t number;  // below 16: the tag is one byte
  std::size_t size;      // of the payload
  std::function<std::uint8_t*(std::uint8_t*)> write;  // writes the payload, returns its end
};

// The bytes protobuf writes for one message holding `before`'s fields, then
// `field` (when given), then `after`'s fields, provided the field numbers
// come in that order; kSerializationError over the size limit.
Result<Bytes> SerializeSpliced(const ::google::protobuf::MessageLite& before,
                               const std::optional<SplicedField>& field,
                               const ::google::protobuf::MessageLite& after,
                               const WireLimits& limits);

// Where the last occurrence of length-delimited field `number` sits in
// `bytes` (the last one wins for a singular field): the whole field, tag
// included, and its payload. `bytes` must have passed CheckDecodable.
struct FieldSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
  ByteView payload;
};
std::optional<FieldSpan> FindLastField(ByteView bytes, std::uint32_t number);

// Parses `bytes` into `out`, leaving out `skip` when given: protobuf parses a
// concatenation as the merge of its parts, so this equals parsing the whole
// message without that one field.
bool ParseWithout(ByteView bytes, const std::optional<FieldSpan>& skip,
                  ::google::protobuf::MessageLite& out);

// Holds the protobuf objects of one message while it is encoded or decoded,
// so that its history entries and their strings are not allocated (and
// freed) one by one.
class MessageArena {
 public:
  MessageArena() : arena_(Options()) {}
  template <class ProtoMessage>
  ProtoMessage& Create() {
    return *::google::protobuf::Arena::CreateMessage<ProtoMessage>(&arena_);
  }

 private:
  static ::google::protobuf::ArenaOptions Options() {
    ::google::protobuf::ArenaOptions options;
    options.start_block_size = 4096;
    options.max_block_size = 64 * 1024;
    return options;
  }
  ::google::protobuf::Arena arena_;
};

// Copies `bytes` into a protobuf bytes field.
void Assign(std::string* out, ByteView bytes);
// A protobuf bytes field as Bytes.
Bytes ToBytes(const std::string& s);

}  // namespace sds::codec
