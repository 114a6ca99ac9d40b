#include "sds/dialect.h"

#include <utility>

#include "sds/nim_codec.h"
#include "sds/spec_codec.h"

namespace sds {
namespace wire {

bool FieldReader::Fail(const char* what) {
  error_ = what;
  rest_ = {};
  return false;
}

bool FieldReader::ReadVarint(std::uint64_t& value) {
  value = 0;
  // At most 10 bytes; bits beyond 64 in the 10th byte are dropped, as
  // protobuf does. A 10th byte with the continuation bit is malformed.
  for (std::size_t i = 0; i < 10; ++i) {
    if (i >= rest_.size()) return Fail("truncated varint");
    const std::uint8_t byte = rest_[i];
    value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      rest_ = rest_.subspan(i + 1);
      consumed_ += i + 1;
      return true;
    }
  }
  return Fail("varint longer than 10 bytes");
}

bool FieldReader::Next(Field& field) {
  if (error_ != nullptr || rest_.empty()) return false;
  std::uint64_t tag = 0;
  const std::size_t tag_start = consumed_;
  if (!ReadVarint(tag)) return false;
  // protobuf reads tags as 32-bit varints of at most 5 bytes.
  if (tag > 0xffffffffu || consumed_ - tag_start > 5) return Fail("invalid tag");
  const auto number = static_cast<std::uint32_t>(tag >> 3);
  const auto wire_type = static_cast<std::uint8_t>(tag & 7);
  if (number == 0) return Fail("field number 0");
  field.number = number;
  field.wire_type = wire_type;
  field.varint = 0;
  switch (wire_type) {
    case kVarint: {
      const ByteView start = rest_;
      if (!ReadVarint(field.varint)) return false;
      field.payload = start.first(start.size() - rest_.size());
      return true;
    }
    case kFixed64:
    case kFixed32: {
      const std::size_t n = wire_type == kFixed64 ? 8 : 4;
      if (rest_.size() < n) return Fail("truncated fixed-size field");
      field.payload = rest_.first(n);
      rest_ = rest_.subspan(n);
      consumed_ += n;
      return true;
    }
    case kLengthDelimited: {
      std::uint64_t length = 0;
      if (!ReadVarint(length)) return false;
      if (length > rest_.size()) return Fail("length-delimited field runs past the end");
      const auto n = static_cast<std::size_t>(length);
      field.varint = length;
      field.payload = rest_.first(n);
      rest_ = rest_.subspan(n);
      consumed_ += n;
      return true;
    }
    case 3:
    case 4:
      return Fail("groups are not supported");
    default:
      return Fail("invalid wire type");
  }
}

}  // namespace wire

std::string_view DialectName(Dialect dialect) {
  switch (dialect) {
    case Dialect::kNim: return "nim";
    case Dialect::kSpec: return "spec";
  }
  return "unknown";
}

Result<Dialect> DetectDialect(ByteView bytes) {
  if (bytes.empty()) {
    return MakeError(ErrorKind::kDeserializationError, "cannot detect the dialect of an empty message");
  }
  bool field2_varint = false;
  bool field2_len = false;
  bool nim_votes = false;
  bool spec_votes = false;
  wire::FieldReader reader(bytes);
  wire::Field f;
  while (reader.Next(f)) {
    const bool len = f.wire_type == wire::kLengthDelimited;
    switch (f.number) {
      case 2:
        field2_varint |= f.wire_type == wire::kVarint;
        field2_len |= len;
        break;
      case 4:
      case 5:
      case 6:
        nim_votes |= len;
        break;
      case 10:
        spec_votes |= f.wire_type == wire::kVarint;
        break;
      case 11:
      case 12:
      case 20:
        spec_votes |= len;
        break;
      default:
        break;
    }
  }
  if (reader.failed()) {
    return MakeError(ErrorKind::kDeserializationError,
                     "malformed message at byte " + std::to_string(reader.offset()) + ": " +
                         std::string(reader.error()));
  }
  if (field2_varint && field2_len) {
    return MakeError(ErrorKind::kDeserializationError,
                     "field 2 is both a varint and bytes: neither dialect");
  }
  if (field2_varint) return Dialect::kNim;
  if (field2_len) return Dialect::kSpec;
  if (nim_votes && !spec_votes) return Dialect::kNim;
  if (spec_votes && !nim_votes) return Dialect::kSpec;
  return MakeError(ErrorKind::kDeserializationError,
                   nim_votes ? "message has fields of both dialects"
                             : "message has no field that tells its dialect");
}

Result<std::string> PeekChannelId(ByteView bytes, Dialect dialect) {
  const std::uint32_t channel_field = dialect == Dialect::kNim ? 4 : 3;
  ByteView channel;
  bool found = false;
  wire::FieldReader reader(bytes);
  wire::Field f;
  while (reader.Next(f)) {
    // Like protobuf: a field with an unexpected wire type is an unknown field;
    // the last occurrence of a singular field wins.
    if (f.number == channel_field && f.wire_type == wire::kLengthDelimited) {
      channel = f.payload;
      found = true;
    }
  }
  if (reader.failed()) {
    return MakeError(ErrorKind::kDeserializationError,
                     "malformed message at byte " + std::to_string(reader.offset()) + ": " +
                         std::string(reader.error()));
  }
  if (!found || channel.empty()) {
    return MakeError(ErrorKind::kDeserializationError, "message has no channel id");
  }
  return std::string(reinterpret_cast<const char*>(channel.data()), channel.size());
}

Result<DecodedMessage> DecodeAny(ByteView bytes) {
  auto dialect = DetectDialect(bytes);
  if (!dialect) return std::unexpected(std::move(dialect.error()));
  switch (*dialect) {
    case Dialect::kNim: {
      auto message = DecodeNim(bytes);
      if (!message) return std::unexpected(std::move(message.error()));
      return DecodedMessage{Dialect::kNim, std::move(*message)};
    }
    case Dialect::kSpec: {
      auto message = DecodeSpec(bytes);
      if (!message) return std::unexpected(std::move(message.error()));
      return DecodedMessage{Dialect::kSpec, std::move(*message)};
    }
  }
  return MakeError(ErrorKind::kInternalError, "unknown dialect");
}

Result<Bytes> Encode(const Message& message, Dialect dialect) {
  return Encode(message, dialect, message.bloom_filter ? &*message.bloom_filter : nullptr);
}

Result<Bytes> Encode(const Message& message, Dialect dialect, const BloomFilter* bloom) {
  switch (dialect) {
    case Dialect::kNim:
      return EncodeNim(message, bloom);
    case Dialect::kSpec:
      return EncodeSpec(message, bloom);
  }
  return MakeError(ErrorKind::kInternalError, "unknown dialect");
}

}  // namespace sds
