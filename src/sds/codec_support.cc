#include "sds/codec_support.h"

#include <utility>

#include "sds/dialect.h"

namespace sds::codec {
namespace {

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

Result<Bytes> Serialize(const ::google::protobuf::MessageLite& message, const WireLimits& limits) {
  const std::size_t size = message.ByteSizeLong();
  if (size > limits.max_message_bytes) {
    return EncodeError(limits, TooLarge(size, limits.max_message_bytes));
  }
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

}  // namespace sds::codec
