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

// Moves the entry's strings out of the parsed message.
Result<HistoryEntry> ReadEntry(pb::NimHistoryEntry& in, const char* list) {
  if (in.message_id().empty()) {
    return DecodeError(std::string(list) + " entry without a message id");
  }
  return HistoryEntry{std::move(*in.mutable_message_id()), ToBytes(in.retrieval_hint()),
                      std::move(*in.mutable_sender_id())};
}

Result<std::vector<HistoryEntry>> ReadEntries(
    ::google::protobuf::RepeatedPtrField<pb::NimHistoryEntry>& in, const char* list) {
  std::vector<HistoryEntry> out;
  out.reserve(static_cast<std::size_t>(in.size()));
  for (auto& e : in) {
    auto entry = ReadEntry(e, list);
    if (!entry) return std::unexpected(std::move(entry.error()));
    out.push_back(std::move(*entry));
  }
  return out;
}

}  // namespace

namespace {

using ::google::protobuf::io::CodedOutputStream;

constexpr std::uint32_t kBloomField = 6;

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

  // The fields before the bloom filter (1–5) and after it (7, 13). Setting an optional
  // proto2 field sets its has-bit, and the generated serializer writes every
  // field whose has-bit is set, in field-number order, even when it holds the
  // default value.
  codec::MessageArena arena;
  auto& before = arena.Create<pb::NimSdsMessage>();
  before.set_message_id(message.message_id);
  if (message.lamport_timestamp) before.set_lamport_timestamp(*message.lamport_timestamp);
  before.mutable_causal_history()->Reserve(static_cast<int>(message.causal_history.size()));
  for (const auto& entry : message.causal_history) FillEntry(entry, before.add_causal_history());
  before.set_channel_id(message.channel_id);
  Assign(before.mutable_content(), message.content);
  auto& after = arena.Create<pb::NimSdsMessage>();
  if (!message.sender_id.empty()) after.set_sender_id(message.sender_id);
  after.mutable_repair_request()->Reserve(static_cast<int>(message.repair_request.size()));
  for (const auto& entry : message.repair_request) FillEntry(entry, after.add_repair_request());

  // Field 6 is always written: the envelope, or empty (`32 00`) like nim-sds master.
  codec::SplicedField field{kBloomField, 0, [](std::uint8_t* out) { return out; }};
  if (envelope) {
    field.size = envelope->size();
    field.write = [&envelope](std::uint8_t* out) { return envelope->Write(out); };
  }
  return codec::SerializeSpliced(before, field, after, kLimits);
}

Result<Message> DecodeNim(ByteView bytes) {
  if (Status ok = codec::CheckDecodable(bytes, kLimits); !ok) {
    return std::unexpected(std::move(ok.error()));
  }

  const std::optional<codec::FieldSpan> bloom_field = codec::FindLastField(bytes, kBloomField);
  codec::MessageArena arena;
  auto& in = arena.Create<pb::NimSdsMessage>();
  if (!codec::ParseWithout(bytes, bloom_field, in)) return DecodeError("message does not parse");
  if (in.message_id().empty()) return DecodeError("message without a message id");
  if (in.channel_id().empty()) return DecodeError("message without a channel id");

  Message message;
  auto history = ReadEntries(*in.mutable_causal_history(), "causal history");
  if (!history) return std::unexpected(std::move(history.error()));
  auto repair = ReadEntries(*in.mutable_repair_request(), "repair request");
  if (!repair) return std::unexpected(std::move(repair.error()));

  message.message_id = std::move(*in.mutable_message_id());
  message.channel_id = std::move(*in.mutable_channel_id());
  message.sender_id = std::move(*in.mutable_sender_id());
  if (in.has_lamport_timestamp()) message.lamport_timestamp = in.lamport_timestamp();
  message.causal_history = std::move(*history);
  message.repair_request = std::move(*repair);
  message.content = ToBytes(in.content());
  if (bloom_field && !bloom_field->payload.empty()) {
    auto filter = DecodeBloomEnvelope(bloom_field->payload);
    // A filter that fails to decode or validate is ignored; the message stands.
    if (filter) message.bloom_filter = std::move(*filter);
  }
  return message;
}

}  // namespace sds
