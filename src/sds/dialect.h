// SDS wire dialects, dialect detection, and a minimal protobuf field walker.
//
// Two dialects carry the same Message model (src/sds/message.h):
//
//   field            kNim (nim-sds)          kSpec (SDS spec, @waku/sds)
//   sender_id        7  LEN                  1  LEN
//   message_id       1  LEN                  2  LEN
//   channel_id       4  LEN                  3  LEN
//   lamport          2  VARINT               10 VARINT
//   causal_history   3  LEN (HistoryEntry)   11 LEN (HistoryEntry)
//   bloom_filter     6  LEN (envelope)       12 LEN (raw big-endian words)
//   repair_request   13 LEN (HistoryEntry)   13 LEN (HistoryEntry)
//   content          5  LEN                  20 LEN
//
// The codecs are src/sds/nim_codec.h (kNim) and src/sds/spec_codec.h (kSpec);
// Encode/DecodeAny below dispatch to them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sds/bytes.h"
#include "sds/error.h"
#include "sds/message.h"

namespace sds {

enum class Dialect {
  kNim,   // nim-sds master / v0.4 (src/sds/nim_codec.h)
  kSpec,  // SDS spec and js-waku's @waku/sds (src/sds/spec_codec.h)
};

// "nim" / "spec".
std::string_view DialectName(Dialect dialect);

// Tells the dialect of a serialized SDS message from its top-level fields,
// without decoding (and without allocating, except for an error's text).
// Rules, in order:
//
//  1. The input must be a well-formed sequence of protobuf fields (tags of
//     at most 5 bytes, field numbers >= 1, varints of at most 10 bytes,
//     lengths within the input, wire types 0, 1, 2 or 5; groups are
//     refused). Otherwise kDeserializationError. Empty input is refused too.
//  2. Field 2 decides when it is present: VARINT (nim lamport_timestamp)
//     => kNim; LEN (spec message_id) => kSpec. If field 2 occurs with both of
//     these wire types => kDeserializationError (contradictory). Field 2 with
//     any other wire type is ignored by this rule.
//  3. Otherwise (field 2 absent: a nim message without lamport, i.e. an
//     ephemeral one, or a spec message with an empty message_id) the
//     dialect-specific fields vote: nim has 4, 5, 6 as LEN; spec has 10 as
//     VARINT and 11, 12, 20 as LEN. Exactly one side present => that dialect;
//     both or neither => kDeserializationError (undecidable). Fields common to
//     both (1, 3, 7, 13 and unknown ones) do not vote.
//
// Detection does not validate the message; the dialect's decoder does.
Result<Dialect> DetectDialect(ByteView bytes);

// The channel id of a serialized message in the given dialect (nim field 4,
// spec field 3; the last occurrence wins, like protobuf), without decoding the
// rest. kDeserializationError on malformed input or when the channel id is
// absent or empty (both decoders refuse such messages).
Result<std::string> PeekChannelId(ByteView bytes, Dialect dialect);

// A decoded message and the dialect it was written in.
struct DecodedMessage {
  Dialect dialect = Dialect::kNim;
  Message message;
};

// DetectDialect, then that dialect's decoder.
Result<DecodedMessage> DecodeAny(ByteView bytes);

// Serializes `message` in `dialect`.
Result<Bytes> Encode(const Message& message, Dialect dialect);
// Encodes with `bloom` as the message's filter (message.bloom_filter is ignored).
Result<Bytes> Encode(const Message& message, Dialect dialect, const BloomFilter* bloom);

namespace wire {

// Protobuf wire types.
inline constexpr std::uint8_t kVarint = 0;
inline constexpr std::uint8_t kFixed64 = 1;
inline constexpr std::uint8_t kLengthDelimited = 2;
inline constexpr std::uint8_t kFixed32 = 5;

// One top-level field. `payload` views the input: the value bytes of a LEN
// field, the 4/8 value bytes of a fixed field, the varint's bytes for VARINT
// (whose value is in `varint`).
struct Field {
  std::uint32_t number = 0;
  std::uint8_t wire_type = 0;
  std::uint64_t varint = 0;  // VARINT value; LEN length; 0 otherwise
  ByteView payload;
};

// Walks the top-level fields of a protobuf message, in input order, without
// allocating. Accepts what protobuf's parser accepts except groups (wire types
// 3/4), which no SDS implementation writes.
//
//   wire::FieldReader reader(bytes);
//   wire::Field f;
//   while (reader.Next(f)) { ... }
//   if (reader.failed()) { ... reader.error() ... }
class FieldReader {
 public:
  explicit FieldReader(ByteView bytes) : rest_(bytes) {}

  // Reads the next field. false at the end of the input, or when the input
  // is malformed (then failed() is true and the reader stays failed).
  bool Next(Field& field);

  bool failed() const { return error_ != nullptr; }
  // A static description of the first malformation ("" when none).
  std::string_view error() const { return error_ == nullptr ? "" : error_; }
  // Offset of the next unread byte from the start of the input.
  std::size_t offset() const { return consumed_; }

 private:
  bool Fail(const char* what);
  bool ReadVarint(std::uint64_t& value);

  ByteView rest_;
  std::size_t consumed_ = 0;
  const char* error_ = nullptr;
};

}  // namespace wire
}  // namespace sds
