// Pieces shared by the two dialect codecs (nim_codec.cc, spec_codec.cc):
// the size and entry-count limits they enforce before anything allocates,
// the fields they write and read by hand around protobuf, serialization
// under the size limit, and byte/string conversions.
// Internal to the engine; not part of its API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <google/protobuf/arena.h>
#include <google/protobuf/message_lite.h>

#include "sds/bytes.h"
#include "sds/error.h"
#include "sds/history_list.h"

namespace sds::codec {

// What one dialect allows and where its entry lists live on the wire.
struct WireLimits {
  const char* dialect;  // error prefix, e.g. "nim dialect"
  std::size_t max_message_bytes;
  std::size_t max_entries;  // per list: causal history, repair request
  std::uint32_t causal_history_field;
  std::uint32_t repair_request_field;
  std::uint32_t bloom_field;
  // Whether an entry's message id is written even when empty (nim: proto2
  // with a set has-bit) or only when not (spec: proto3).
  bool entry_id_always;
};

// kDeserializationError / kSerializationError, "<dialect>: <message>".
std::unexpected<Error> DecodeError(const WireLimits& limits, std::string message);
std::unexpected<Error> EncodeError(const WireLimits& limits, std::string message);

// kSerializationError when `size` bytes exceed the size limit.
Status CheckEncodedSize(std::size_t size, const WireLimits& limits);

// Two fields are written and read by hand, around protobuf:
// - the bloom filter, one large bytes field, so that its ~20 KB are copied
//   once between the wire and the filter (protobuf would copy them into a
//   field of their own, then again into or out of the message);
// - the causal history, so that its entries go straight between the wire and
//   the packed HistoryList (protobuf would make an object and strings for
//   each of up to thousands of entries).
// Protobuf writes a message's fields in field-number order, so the parts of
// one message serialized one after another in that order give the bytes
// protobuf gives for the whole; and it parses a concatenation as the merge of
// its parts, so it may parse a message around fields taken out of it.

// Bytes written by hand between protobuf-serialized parts, tags included.
struct HandWritten {
  std::size_t size = 0;
  std::function<std::uint8_t*(std::uint8_t*)> write;  // writes `size` bytes, returns their end
};

// Length-delimited field `number` (below 16: the tag is one byte) whose
// `payload_size` bytes `write_payload` writes.
HandWritten LengthDelimitedField(std::uint32_t number, std::size_t payload_size,
                                 std::function<std::uint8_t*(std::uint8_t*)> write_payload);

// The causal history as repeated field `limits.causal_history_field`, each
// entry's fields in the dialect's way (WireLimits::entry_id_always).
HandWritten HistoryFields(const HistoryList& history, const WireLimits& limits);

// The parts one after another; kSerializationError over the size limit.
using Part = std::variant<const ::google::protobuf::MessageLite*, HandWritten>;
Result<Bytes> SerializeParts(std::initializer_list<Part> parts, const WireLimits& limits);

// Reads `bytes`: the causal-history entries into `history`, the payload of
// the last length-delimited field `limits.bloom_field` into `bloom` (nullopt
// when there is none), and every other field into `out`.
// kDeserializationError, before anything is allocated for the fields, for
// input over the size limit, malformed top-level fields or too many entries
// in either list; then when it does not parse or an entry has no message id.
Status ParseMessage(ByteView bytes, const WireLimits& limits, HistoryList& history,
                    std::optional<ByteView>& bloom, ::google::protobuf::MessageLite& out);

// Holds the protobuf objects of one message while it is encoded or decoded,
// so that its repair-request entries and their strings are not allocated
// (and freed) one by one.
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
