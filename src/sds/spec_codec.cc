#include "sds/spec_codec.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sds/codec_support.h"
#include "sds_spec.pb.h"

namespace sds {
namespace {

namespace pb = ::sds::wire::spec;

using codec::Assign;
using codec::ToBytes;

constexpr std::uint32_t kBloomField = 12;

constexpr codec::WireLimits kLimits{.dialect = "spec dialect",
                                    .max_message_bytes = kMaxSpecMessageBytes,
                                    .max_entries = kMaxSpecHistoryEntries,
                                    .causal_history_field = 11,
                                    .repair_request_field = 13};

std::unexpected<Error> DecodeError(std::string message) {
  return codec::DecodeError(kLimits, std::move(message));
}

std::unexpected<Error> EncodeError(std::string message) {
  return codec::EncodeError(kLimits, std::move(message));
}

// Well-formed UTF-8 (what protobuf demands of proto3 strings): shortest
// forms only, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<std::uint8_t>(text[i]);
    std::size_t length = 0;
    std::uint8_t low = 0x80;  // bounds of the second byte
    std::uint8_t high = 0xbf;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead == 0xe0) low = 0xa0;   // overlong
      if (lead == 0xed) high = 0x9f;  // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead == 0xf0) low = 0x90;   // overlong
      if (lead == 0xf4) high = 0x8f;  // above U+10FFFF
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto byte = static_cast<std::uint8_t>(text[i + k]);
      const std::uint8_t min = k == 1 ? low : 0x80;
      const std::uint8_t max = k == 1 ? high : 0xbf;
      if (byte < min || byte > max) return false;
    }
    i += length;
  }
  return true;
}

Status RequireUtf8(std::string_view text, const char* what) {
  if (IsValidUtf8(text)) return {};
  return EncodeError(std::string(what) + " is not valid UTF-8");
}

Status CheckUtf8(std::string_view text, const char* what) {
  if (IsValidUtf8(text)) return {};
  return DecodeError(std::string(what) + " is not valid UTF-8");
}

Status FillEntries(const std::vector<HistoryEntry>& entries, const char* list,
                   ::google::protobuf::RepeatedPtrField<pb::SpecHistoryEntry>* out) {
  if (entries.size() > kMaxSpecHistoryEntries) {
    return EncodeError(std::string("too many ") + list + " entries");
  }
  out->Reserve(static_cast<int>(entries.size()));
  for (const HistoryEntry& entry : entries) {
    if (Status ok = RequireUtf8(entry.message_id, "an entry's message id"); !ok) return ok;
    if (Status ok = RequireUtf8(entry.sender_id, "an entry's sender id"); !ok) return ok;
    pb::SpecHistoryEntry* written = out->Add();
    written->set_message_id(entry.message_id);
    if (!entry.retrieval_hint.empty()) {
      Assign(written->mutable_retrieval_hint(), entry.retrieval_hint);
    }
    if (!entry.sender_id.empty()) written->set_sender_id(entry.sender_id);
  }
  return {};
}

Result<std::vector<HistoryEntry>> ReadEntries(
    ::google::protobuf::RepeatedPtrField<pb::SpecHistoryEntry>& in, const char* list) {
  std::vector<HistoryEntry> out;
  out.reserve(static_cast<std::size_t>(in.size()));
  for (pb::SpecHistoryEntry& entry : in) {
    if (entry.message_id().empty()) {
      return DecodeError(std::string(list) + " entry without a message id");
    }
    for (const std::string* id : {&entry.message_id(), &entry.sender_id()}) {
      if (Status ok = CheckUtf8(*id, "an entry's id"); !ok) {
        return std::unexpected(std::move(ok.error()));
      }
    }
    out.push_back(HistoryEntry{std::move(*entry.mutable_message_id()),
                               ToBytes(entry.retrieval_hint()),
                               std::move(*entry.mutable_sender_id())});
  }
  return out;
}

// The filter's first kSpecBloomWords words, each as 8 big-endian bytes,
// straight into the field (no intermediate copy of the ~19 KB).
std::uint8_t* WriteBigEndianWords(const BloomFilter& filter, std::uint8_t* out) {
  for (std::size_t i = 0; i < kSpecBloomWords; ++i, out += 8) {
    const std::uint64_t word = std::byteswap(filter.words()[i]);
    std::memcpy(out, &word, 8);
  }
  return out;
}

}  // namespace

bool IsSpecBloom(const BloomFilter& filter) {
  return filter.k() == kSpecBloomHashes && filter.m_bits() == kSpecBloomBits &&
         filter.words().size() >= kSpecBloomWords;
}

Result<BloomFilter> DecodeSpecBloom(ByteView words) {
  if (words.size() < kSpecBloomBytes) {
    return DecodeError("bloom filter of " + std::to_string(words.size()) +
                       " bytes; the peer's has " + std::to_string(kSpecBloomBytes));
  }
  auto filter = BloomFilter::FromParts(
      BloomFilter::WordsFromBigEndian(words.first(kSpecBloomBytes)), kSpecBloomCapacity,
      kSpecBloomErrorRate, kSpecBloomHashes, kSpecBloomBits);
  if (!filter) return DecodeError("invalid bloom filter: " + filter.error().message);
  return std::move(*filter);
}

Result<Bytes> EncodeSpec(const Message& message) {
  return EncodeSpec(message, message.bloom_filter ? &*message.bloom_filter : nullptr);
}

Result<Bytes> EncodeSpec(const Message& message, const BloomFilter* bloom) {
  for (const auto& [text, what] : {std::pair{&message.sender_id, "the sender id"},
                                   std::pair{&message.message_id, "the message id"},
                                   std::pair{&message.channel_id, "the channel id"}}) {
    if (Status ok = RequireUtf8(*text, what); !ok) return std::unexpected(std::move(ok.error()));
  }
  // The fields before the bloom filter (1–3, 10, 11) and after it (13, 20).
  // proto3: the plain strings are written only when non-empty; each optional
  // field is written once set, whatever its value.
  codec::MessageArena arena;
  auto& before = arena.Create<pb::SpecSdsMessage>();
  before.set_sender_id(message.sender_id);
  before.set_message_id(message.message_id);
  before.set_channel_id(message.channel_id);
  if (message.lamport_timestamp) before.set_lamport_timestamp(*message.lamport_timestamp);
  auto* history = before.mutable_causal_history();
  if (Status ok = FillEntries(message.causal_history, "causal history", history); !ok) {
    return std::unexpected(std::move(ok.error()));
  }
  auto& after = arena.Create<pb::SpecSdsMessage>();
  auto* repair = after.mutable_repair_request();
  if (Status ok = FillEntries(message.repair_request, "repair request", repair); !ok) {
    return std::unexpected(std::move(ok.error()));
  }
  if (!message.content.empty()) Assign(after.mutable_content(), message.content);
  std::optional<codec::SplicedField> field;
  if (bloom != nullptr && IsSpecBloom(*bloom)) {
    field = codec::SplicedField{kBloomField, kSpecBloomBytes, [bloom](std::uint8_t* out) {
                                  return WriteBigEndianWords(*bloom, out);
                                }};
  }
  return codec::SerializeSpliced(before, field, after, kLimits);
}

Result<Message> DecodeSpec(ByteView bytes) {
  if (Status ok = codec::CheckDecodable(bytes, kLimits); !ok) {
    return std::unexpected(std::move(ok.error()));
  }

  const std::optional<codec::FieldSpan> bloom_field = codec::FindLastField(bytes, kBloomField);
  codec::MessageArena arena;
  auto& in = arena.Create<pb::SpecSdsMessage>();
  if (!codec::ParseWithout(bytes, bloom_field, in)) return DecodeError("message does not parse");
  if (in.message_id().empty()) return DecodeError("message without a message id");
  if (in.channel_id().empty()) return DecodeError("message without a channel id");
  for (const auto& [id, what] :
       {std::pair{&in.sender_id(), "the sender id"}, std::pair{&in.message_id(), "the message id"},
        std::pair{&in.channel_id(), "the channel id"}}) {
    if (Status ok = CheckUtf8(*id, what); !ok) return std::unexpected(std::move(ok.error()));
  }
  const bool has_content = in.has_content() && !in.content().empty();
  if (!in.has_lamport_timestamp() && !has_content) {
    return DecodeError("message has neither a lamport timestamp nor content");
  }

  auto history = ReadEntries(*in.mutable_causal_history(), "causal history");
  if (!history) return std::unexpected(std::move(history.error()));
  auto repair = ReadEntries(*in.mutable_repair_request(), "repair request");
  if (!repair) return std::unexpected(std::move(repair.error()));

  Message message;
  message.message_id = std::move(*in.mutable_message_id());
  message.channel_id = std::move(*in.mutable_channel_id());
  message.sender_id = std::move(*in.mutable_sender_id());
  if (in.has_lamport_timestamp()) message.lamport_timestamp = in.lamport_timestamp();
  message.causal_history = std::move(*history);
  message.repair_request = std::move(*repair);
  message.content = ToBytes(in.content());
  if (bloom_field) {
    auto filter = DecodeSpecBloom(bloom_field->payload);
    // A filter the peer could not read either is ignored; the message stands.
    if (filter) message.bloom_filter = std::move(*filter);
  }
  return message;
}

}  // namespace sds
