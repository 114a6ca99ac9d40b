#include "sds/nim_codec.h"

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/io/coded_stream.h>

#include "sds/codec_support.h"
#include "sds/dialect.h"
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
                                    .repair_request_field = 13,
                                    .bloom_field = 6,
                                    .entry_id_always = true};

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

Status ReadRepairRequest(const ::google::protobuf::RepeatedPtrField<pb::NimHistoryEntry>& in,
                         std::vector<HistoryEntry>& out) {
  out.reserve(static_cast<std::size_t>(in.size()));
  for (const pb::NimHistoryEntry& entry : in) {
    if (entry.message_id().empty()) return DecodeError("repair request entry without a message id");
    out.push_back(HistoryEntry{entry.message_id(), ToBytes(entry.retrieval_hint()), entry.sender_id()});
  }
  return {};
}

}  // namespace

namespace {

using ::google::protobuf::io::CodedOutputStream;


// The bloom envelope is written and read by hand (codec_support.h says why).
class EnvelopeWriter {
 public:
  static Result<EnvelopeWriter> For(const BloomFilter& filter) {
    const double scaled = filter.error_rate() * 1e6;
    // 2^64 as a double; casting anything not below it (or NaN, or negative
    // beyond -1) to uint64 is undefined.
    constexpr double kTwoTo64 = 18446744073709551616.0;
    if (!(scaled >= 0.0 && scaled < kTwoTo64)) {
      return EncodeError("bloom filter error rate cannot be written");
    }
    // uint64(error_rate * 1e6), truncated like nim-sds.
    EnvelopeWriter writer(filter, static_cast<std::uint64_t>(scaled));
    if (writer.size() > kMaxNimMessageBytes) return EncodeError("bloom filter too large");
    return writer;
  }

  // The envelope's size in bytes.
  std::size_t size() const { return size_; }

  // Writes the envelope: every field always present, in field order.
  std::uint8_t* Write(std::uint8_t* out) const {
    out = WriteTag(1, wire::kLengthDelimited, out);
    out = CodedOutputStream::WriteVarint64ToArray(data_bytes(), out);
    out = filter_.WriteWordsLittleEndian(out);
    std::uint32_t number = 2;
    for (std::uint64_t value : numbers_) {
      out = WriteTag(number++, wire::kVarint, out);
      out = CodedOutputStream::WriteVarint64ToArray(value, out);
    }
    return out;
  }

 private:
  EnvelopeWriter(const BloomFilter& filter, std::uint64_t scaled_error)
      : filter_(filter), numbers_{filter.capacity(), scaled_error, filter.k(), filter.m_bits()} {
    size_ = 1 + CodedOutputStream::VarintSize64(data_bytes()) + data_bytes();
    for (std::uint64_t value : numbers_) size_ += 1 + CodedOutputStream::VarintSize64(value);
  }

  static std::uint8_t* WriteTag(std::uint32_t number, std::uint8_t wire_type, std::uint8_t* out) {
    *out = static_cast<std::uint8_t>((number << 3) | wire_type);  // numbers below 16: one byte
    return out + 1;
  }

  std::uint64_t data_bytes() const { return filter_.words().size() * 8; }

  const BloomFilter& filter_;
  std::array<std::uint64_t, 4> numbers_;  // fields 2–5: capacity, error_rate, k_hashes, m_bits
  std::size_t size_ = 0;
};

}  // namespace

Result<Bytes> EncodeBloomEnvelope(const BloomFilter& filter) {
  auto writer = EnvelopeWriter::For(filter);
  if (!writer) return std::unexpected(std::move(writer.error()));
  Bytes blob(writer->size());
  writer->Write(blob.data());
  return blob;
}

Result<BloomFilter> DecodeBloomEnvelope(ByteView bytes) {
  if (bytes.size() > kMaxNimMessageBytes) return DecodeError("bloom filter too large");
  // Protobuf semantics: absent fields are 0, a field with another wire type
  // is unknown, the last occurrence wins.
  ByteView data;
  std::array<std::uint64_t, 4> numbers{};  // capacity, error_rate, k_hashes, m_bits
  wire::FieldReader reader(bytes);
  wire::Field field;
  while (reader.Next(field)) {
    if (field.number == 1 && field.wire_type == wire::kLengthDelimited) data = field.payload;
    if (field.number >= 2 && field.number <= 5 && field.wire_type == wire::kVarint) {
      numbers[field.number - 2] = field.varint;
    }
  }
  if (reader.failed()) return DecodeError("bloom filter does not parse");
  const auto [capacity, error_rate, k_hashes, m_bits] = numbers;
  if (k_hashes > std::numeric_limits<std::uint32_t>::max()) {
    return DecodeError("bloom filter k out of range");
  }
  auto filter = BloomFilter::FromParts(
      BloomFilter::WordsFromLittleEndian(data.first(data.size() - data.size() % 8)), capacity,
      static_cast<double>(error_rate) / 1e6, static_cast<std::uint32_t>(k_hashes), m_bits);
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
  std::optional<EnvelopeWriter> envelope;
  if (bloom != nullptr) {
    auto writer = EnvelopeWriter::For(*bloom);
    if (!writer) return std::unexpected(std::move(writer.error()));
    envelope.emplace(*writer);
  }

  // The protobuf-written fields around the causal history (3) and the bloom
  // filter (6): 1–2, 4–5, then 7 and 13. Setting an optional proto2 field sets
  // its has-bit, and the generated serializer writes every field whose has-bit
  // is set, in field-number order, even when it holds the default value.
  codec::MessageArena arena;
  auto& first = arena.Create<pb::NimSdsMessage>();
  first.set_message_id(message.message_id);
  if (message.lamport_timestamp) first.set_lamport_timestamp(*message.lamport_timestamp);
  auto& middle = arena.Create<pb::NimSdsMessage>();
  middle.set_channel_id(message.channel_id);
  Assign(middle.mutable_content(), message.content);
  auto& last = arena.Create<pb::NimSdsMessage>();
  if (!message.sender_id.empty()) last.set_sender_id(message.sender_id);
  last.mutable_repair_request()->Reserve(static_cast<int>(message.repair_request.size()));
  for (const auto& entry : message.repair_request) FillEntry(entry, last.add_repair_request());

  // Field 6 is always written: the envelope, or empty (`32 00`) like nim-sds master.
  codec::HandWritten bloom_field = codec::LengthDelimitedField(
      kLimits.bloom_field, envelope ? envelope->size() : 0,
      [&envelope](std::uint8_t* out) { return envelope ? envelope->Write(out) : out; });
  return codec::SerializeParts({&first, codec::HistoryFields(message.causal_history, kLimits),
                                &middle, std::move(bloom_field), &last},
                               kLimits);
}

Result<Message> DecodeNim(ByteView bytes) {
  Message message;
  std::optional<ByteView> bloom;
  codec::MessageArena arena;
  auto& in = arena.Create<pb::NimSdsMessage>();
  if (Status ok = codec::ParseMessage(bytes, kLimits, message.causal_history, bloom, in); !ok) {
    return std::unexpected(std::move(ok.error()));
  }
  if (in.message_id().empty()) return DecodeError("message without a message id");
  if (in.channel_id().empty()) return DecodeError("message without a channel id");
  if (Status ok = ReadRepairRequest(in.repair_request(), message.repair_request); !ok) {
    return std::unexpected(std::move(ok.error()));
  }

  message.message_id = std::move(*in.mutable_message_id());
  message.channel_id = std::move(*in.mutable_channel_id());
  message.sender_id = std::move(*in.mutable_sender_id());
  if (in.has_lamport_timestamp()) message.lamport_timestamp = in.lamport_timestamp();
  message.content = ToBytes(in.content());
  if (bloom && !bloom->empty()) {
    auto filter = DecodeBloomEnvelope(*bloom);
    // A filter that fails to decode or validate is ignored; the message stands.
    if (filter) message.bloom_filter = std::move(*filter);
  }
  return message;
}

}  // namespace sds
