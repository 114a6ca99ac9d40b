#include "sds/nim_codec.h"

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "sds/codec_support.h"
#include "sds_nim.pb.h"

namespace sds {
namespace {

namespace pb = ::sds::wire::nim;

using codec::Assign;
using codec::ToBytes;

constexpr codec::WireLimits kLimits{.dialect = "nim dialect",
                                    .max_message_bytes = kMaxNimMessageBytes,
                                    .max_entries = kMaxNimHistoryEntries,
                                    .causal_history_field = 3,
                                    .repair_request_field = 13};

std::unexpected<Error> DecodeError(std::string message) {
  return codec::DecodeError(kLimits, std::move(message));
}

std::unexpected<Error> EncodeError(std::string message) {
  return codec::EncodeError(kLimits, std::move(message));
}

void FillEntry(const HistoryEntry& entry, pb::NimHistoryEntry* out) {
  out->set_message_id(entry.message_id);  // always, even when empty
  if (!entry.retrieval_hint.empty()) Assign(out->mutable_retrieval_hint(), entry.retrieval_hint);
  if (!entry.sender_id.empty()) out->set_sender_id(entry.sender_id);
}

Result<HistoryEntry> ReadEntry(const pb::NimHistoryEntry& in, const char* list) {
  if (in.message_id().empty()) {
    return DecodeError(std::string(list) + " entry without a message id");
  }
  return HistoryEntry{in.message_id(), ToBytes(in.retrieval_hint()), in.sender_id()};
}

Result<std::vector<HistoryEntry>> ReadEntries(
    const ::google::protobuf::RepeatedPtrField<pb::NimHistoryEntry>& in, const char* list) {
  std::vector<HistoryEntry> out;
  out.reserve(static_cast<std::size_t>(in.size()));
  for (const auto& e : in) {
    auto entry = ReadEntry(e, list);
    if (!entry) return std::unexpected(std::move(entry.error()));
    out.push_back(std::move(*entry));
  }
  return out;
}

}  // namespace

namespace {

// The serialized NimBloomFilter envelope of `filter`, written into `out`
// (a protobuf string field) without intermediate copies.
Status SerializeBloomEnvelope(const BloomFilter& filter, std::string* out) {
  const double scaled = filter.error_rate() * 1e6;
  // 2^64 as a double; casting anything not below it (or NaN, or negative
  // beyond -1) to uint64 is undefined.
  constexpr double kTwoTo64 = 18446744073709551616.0;
  if (!(scaled >= 0.0 && scaled < kTwoTo64)) {
    return EncodeError("bloom filter error rate cannot be written");
  }
  pb::NimBloomFilter envelope;
  filter.WriteWordsLittleEndian(envelope.mutable_data());
  envelope.set_capacity(filter.capacity());
  envelope.set_error_rate(static_cast<std::uint64_t>(scaled));  // truncates, like nim-sds
  envelope.set_k_hashes(filter.k());
  envelope.set_m_bits(filter.m_bits());

  const std::size_t size = envelope.ByteSizeLong();
  if (size > kMaxNimMessageBytes) return EncodeError("bloom filter too large");
  out->resize(size);
  if (!envelope.SerializeToArray(out->data(), static_cast<int>(size))) {
    return EncodeError("bloom filter serialization failed");
  }
  return {};
}

}  // namespace

Result<Bytes> EncodeBloomEnvelope(const BloomFilter& filter) {
  std::string blob;
  if (Status written = SerializeBloomEnvelope(filter, &blob); !written) {
    return std::unexpected(std::move(written.error()));
  }
  return Bytes(blob.begin(), blob.end());
}

Result<BloomFilter> DecodeBloomEnvelope(ByteView bytes) {
  if (bytes.size() > kMaxNimMessageBytes) return DecodeError("bloom filter too large");
  pb::NimBloomFilter envelope;
  if (!envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DecodeError("bloom filter does not parse");
  }
  if (envelope.k_hashes() > std::numeric_limits<std::uint32_t>::max()) {
    return DecodeError("bloom filter k out of range");
  }
  const std::string& data = envelope.data();
  const auto* begin = reinterpret_cast<const std::uint8_t*>(data.data());
  const ByteView whole_words(begin, data.size() - data.size() % 8);
  auto filter = BloomFilter::FromParts(BloomFilter::WordsFromLittleEndian(whole_words),
                                       envelope.capacity(),
                                       static_cast<double>(envelope.error_rate()) / 1e6,
                                       static_cast<std::uint32_t>(envelope.k_hashes()),
                                       envelope.m_bits());
  if (!filter) return DecodeError("invalid bloom filter: " + filter.error().message);
  return std::move(*filter);
}

Result<Bytes> EncodeNim(const Message& message) {
  return EncodeNim(message, message.bloom_filter ? &*message.bloom_filter : nullptr);
}

Result<Bytes> EncodeNim(const Message& message, const BloomFilter* bloom) {
  if (message.causal_history.size() > kMaxNimHistoryEntries) {
    return EncodeError("too many causal history entries");
  }
  if (message.repair_request.size() > kMaxNimHistoryEntries) {
    return EncodeError("too many repair request entries");
  }

  pb::NimSdsMessage out;
  // Setting an optional proto2 field sets its has-bit, and the generated
  // serializer writes every field whose has-bit is set, in field-number
  // order, even when it holds the default value.
  out.set_message_id(message.message_id);
  if (message.lamport_timestamp) out.set_lamport_timestamp(*message.lamport_timestamp);
  out.mutable_causal_history()->Reserve(static_cast<int>(message.causal_history.size()));
  for (const auto& entry : message.causal_history) FillEntry(entry, out.add_causal_history());
  out.set_channel_id(message.channel_id);
  Assign(out.mutable_content(), message.content);
  if (bloom != nullptr) {
    if (Status written = SerializeBloomEnvelope(*bloom, out.mutable_bloom_filter()); !written) {
      return std::unexpected(std::move(written.error()));
    }
  } else {
    out.mutable_bloom_filter();  // present and empty: `32 00`, like nim-sds master
  }
  if (!message.sender_id.empty()) out.set_sender_id(message.sender_id);
  out.mutable_repair_request()->Reserve(static_cast<int>(message.repair_request.size()));
  for (const auto& entry : message.repair_request) FillEntry(entry, out.add_repair_request());
  return codec::Serialize(out, kLimits);
}

Result<Message> DecodeNim(ByteView bytes) {
  if (Status ok = codec::CheckDecodable(bytes, kLimits); !ok) {
    return std::unexpected(std::move(ok.error()));
  }

  pb::NimSdsMessage in;
  if (!in.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DecodeError("message does not parse");
  }
  if (in.message_id().empty()) return DecodeError("message without a message id");
  if (in.channel_id().empty()) return DecodeError("message without a channel id");

  Message message;
  auto history = ReadEntries(in.causal_history(), "causal history");
  if (!history) return std::unexpected(std::move(history.error()));
  auto repair = ReadEntries(in.repair_request(), "repair request");
  if (!repair) return std::unexpected(std::move(repair.error()));

  message.message_id = std::move(*in.mutable_message_id());
  message.channel_id = std::move(*in.mutable_channel_id());
  message.sender_id = std::move(*in.mutable_sender_id());
  if (in.has_lamport_timestamp()) message.lamport_timestamp = in.lamport_timestamp();
  message.causal_history = std::move(*history);
  message.repair_request = std::move(*repair);
  message.content = ToBytes(in.content());
  if (!in.bloom_filter().empty()) {
    const std::string& blob = in.bloom_filter();
    auto filter = DecodeBloomEnvelope(
        ByteView(reinterpret_cast<const std::uint8_t*>(blob.data()), blob.size()));
    // A filter that fails to decode or validate is ignored; the message stands.
    if (filter) message.bloom_filter = std::move(*filter);
  }
  return message;
}

}  // namespace sds
