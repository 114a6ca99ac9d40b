#include "sds/codec_support.h"

#include <utility>

#include <google/protobuf/io/coded_stream.h>

#include "sds/dialect.h"

namespace sds::codec {
namespace {

using ::google::protobuf::io::CodedInputStream;
using ::google::protobuf::io::CodedOutputStream;

std::string TooLarge(std::size_t size, std::size_t limit) {
  return "message of " + std::to_string(size) + " bytes exceeds the limit of " +
         std::to_string(limit);
}

}  // namespace

std::unexpected<Error> DecodeError(const WireLimits& limits, std::string message) {
  return MakeError(ErrorKind::kDeserializationError,
                   std::string(limits.dialect) + ": " + std::move(message));
}

std::unexpected<Error> EncodeError(const WireLimits& limits, std::string message) {
  return MakeError(ErrorKind::kSerializationError,
                   std::string(limits.dialect) + ": " + std::move(message));
}

Status CheckDecodable(ByteView bytes, const WireLimits& limits) {
  if (bytes.size() > limits.max_message_bytes) {
    return DecodeError(limits, TooLarge(bytes.size(), limits.max_message_bytes));
  }
  std::size_t history_count = 0;
  std::size_t repair_count = 0;
  wire::FieldReader reader(bytes);
  wire::Field f;
  while (reader.Next(f)) {
    if (f.wire_type != wire::kLengthDelimited) continue;
    if (f.number == limits.causal_history_field) ++history_count;
    if (f.number == limits.repair_request_field) ++repair_count;
  }
  if (reader.failed()) {
    return DecodeError(limits, "malformed message at byte " + std::to_string(reader.offset()) +
                                   ": " + std::string(reader.error()));
  }
  if (history_count > limits.max_entries) return DecodeError(limits, "too many causal history entries");
  if (repair_count > limits.max_entries) return DecodeError(limits, "too many repair request entries");
  return {};
}

Status CheckEncodedSize(std::size_t size, const WireLimits& limits) {
  if (size > limits.max_message_bytes) {
    return EncodeError(limits, TooLarge(size, limits.max_message_bytes));
  }
  return {};
}

Result<Bytes> Serialize(const ::google::protobuf::MessageLite& message, const WireLimits& limits) {
  const std::size_t size = message.ByteSizeLong();
  if (Status fits = CheckEncodedSize(size, limits); !fits) return std::unexpected(std::move(fits.error()));
  Bytes bytes(size);
  if (!message.SerializeToArray(bytes.data(), static_cast<int>(size))) {
    return EncodeError(limits, "serialization failed");
  }
  return bytes;
}

void Assign(std::string* out, ByteView bytes) {
  out->assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Bytes ToBytes(const std::string& s) {
  return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()),
               reinterpret_cast<const std::uint8_t*>(s.data()) + s.size());
}

Result<Bytes> SerializeSpliced(const ::google::protobuf::MessageLite& before,
                               const std::optional<SplicedField>& field,
                               const ::google::protobuf::MessageLite& after,
                               const WireLimits& limits) {
  std::size_t size = before.ByteSizeLong() + after.ByteSizeLong();
  if (field) size += 1 + CodedOutputStream::VarintSize64(field->size) + field->size;
  if (Status fits = CheckEncodedSize(size, limits); !fits) return std::unexpected(std::move(fits.error()));
  Bytes bytes(size);
  std::uint8_t* out = before.SerializeWithCachedSizesToArray(bytes.data());
  if (field) {
    *out++ = static_cast<std::uint8_t>((field->number << 3) | wire::kLengthDelimited);
    out = CodedOutputStream::WriteVarint64ToArray(field->size, out);
    out = field->write(out);
  }
  after.SerializeWithCachedSizesToArray(out);
  return bytes;
}

std::optional<FieldSpan> FindLastField(ByteView bytes, std::uint32_t number) {
  std::optional<FieldSpan> found;
  wire::FieldReader reader(bytes);
  wire::Field field;
  std::size_t begin = 0;
  while (reader.Next(field)) {
    if (field.number == number && field.wire_type == wire::kLengthDelimited) {
      found = FieldSpan{begin, reader.offset(), field.payload};
    }
    begin = reader.offset();
  }
  return found;
}

bool ParseWithout(ByteView bytes, const std::optional<FieldSpan>& skip,
                  ::google::protobuf::MessageLite& out) {
  const auto* data = bytes.data();
  if (!skip) return out.ParseFromArray(data, static_cast<int>(bytes.size()));
  if (!out.ParseFromArray(data, static_cast<int>(skip->begin))) return false;
  CodedInputStream rest(data + skip->end, static_cast<int>(bytes.size() - skip->end));
  return out.MergeFromCodedStream(&rest) && rest.ConsumedEntireMessage();
}

}  // namespace sds::codec
