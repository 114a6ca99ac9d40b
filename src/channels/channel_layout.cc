#include "channels/channel_layout.h"

#include <algorithm>
#include <string>

#include "persistency/encoding.h"

namespace channels {
namespace {

constexpr std::size_t kU64Size = 8;

std::uint64_t ReadBigEndian(persistency::ByteView bytes) {
  std::uint64_t value = 0;
  for (std::uint8_t byte : bytes.first(kU64Size)) value = (value << 8) | byte;
  return value;
}

std::unexpected<sds::Error> Malformed(std::string_view what, std::size_t size) {
  return sds::MakeError(sds::ErrorKind::kDeserializationError,
                        std::string(what) + " payload of " + std::to_string(size) +
                            " bytes is not one this layout writes");
}

std::unexpected<sds::Error> TooLong(std::string_view what) {
  return sds::MakeError(sds::ErrorKind::kInvalidArgument,
                        std::string(what) + " longer than 65535 bytes cannot be a key part");
}

}  // namespace

sds::Result<persistency::Key> ChannelKey(const sds::ChannelId& channel) {
  persistency::Key key;
  if (!persistency::AppendPart(key.mutable_bytes(), channel)) return TooLong("channel id");
  return key;
}

sds::Result<persistency::Key> RecordKey(const persistency::Key& channel_key,
                                        const sds::MessageId& id) {
  persistency::Key key = channel_key;
  if (!persistency::AppendPart(key.mutable_bytes(), id)) return TooLong("message id");
  return key;
}

sds::Result<sds::MessageId> RecordId(const persistency::Key& channel_key,
                                     const persistency::Key& record_key) {
  persistency::ByteView key = record_key.view();
  const std::size_t prefix = channel_key.size();
  if (key.size() < prefix + 2 || !std::ranges::equal(key.first(prefix), channel_key.view())) {
    return sds::MakeError(sds::ErrorKind::kDeserializationError,
                          "record key " + record_key.ToHex() + " is not under its channel");
  }
  persistency::ByteView id = key.subspan(prefix + 2);
  if (id.size() != (std::size_t{key[prefix]} << 8 | key[prefix + 1])) {
    return sds::MakeError(sds::ErrorKind::kDeserializationError,
                          "record key " + record_key.ToHex() + " is not one message id");
  }
  return sds::MessageId(id.begin(), id.end());
}

persistency::Bytes MetaPayload(std::uint64_t lamport) {
  return persistency::MakePayload(kMetaFormat, lamport);
}

sds::Result<std::uint64_t> DecodeMetaPayload(persistency::ByteView payload) {
  if (payload.size() != 1 + kU64Size || payload[0] != kMetaFormat) {
    return Malformed("sds.meta", payload.size());
  }
  return ReadBigEndian(payload.subspan(1));
}

persistency::Bytes MetPayload(std::uint64_t rank) { return persistency::MakePayload(rank); }

sds::Result<std::uint64_t> DecodeMetPayload(persistency::ByteView payload) {
  if (payload.size() != kU64Size) return Malformed("sds.met", payload.size());
  return ReadBigEndian(payload);
}

}  // namespace channels
