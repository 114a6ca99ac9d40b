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

constexpr codec::WireLimits kLimits{.dialect = "spec dialect",
                                    .max_message_bytes = kMaxSpecMessageBytes,
                                    .max_entries = kMaxSpecHistoryEntries,
                                    .causal_history_field = 11,
                                    .repair_request_field = 13,
                                    .bloom_field = 12,
                                    .entry_id_always = false};

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

// `entries`: a HistoryList or a std::vector<HistoryEntry>.
Status CheckEntries(const auto& entries, const char* list) {
  if (entries.size() > kMaxSpecHistoryEntries) {
    return EncodeError(std::string("too many ") + list + " entries");
  }
  for (const auto& entry : entries) {
    if (Status ok = RequireUtf8(entry.message_id, "an entry's message id"); !ok) return ok;
    if (Status ok = RequireUtf8(entry.sender_id, "an entry's sender id"); !ok) return ok;
  }
  return {};
}

void FillEntries(const std::vector<HistoryEntry>& entries,
                 ::google::protobuf::RepeatedPtrField<pb::SpecHistoryEntry>* out) {
  out->Reserve(static_cast<int>(entries.size()));
  for (const HistoryEntry& entry : entries) {
    pb::SpecHistoryEntry* written = out->Add();
    written->set_message_id(entry.message_id);
    if (!entry.retrieval_hint.empty()) {
      Assign(written->mutable_retrieval_hint(), entry.retrieval_hint);
    }
    if (!entry.sender_id.empty()) written->set_sender_id(entry.sender_id);
  }
}

Status ReadRepairRequest(const ::google::protobuf::RepeatedPtrField<pb::SpecHistoryEntry>& in,
                         std::vector<HistoryEntry>& out) {
  out.reserve(static_cast<std::size_t>(in.size()));
  for (const pb::SpecHistoryEntry& entry : in) {
    if (entry.message_id().empty()) return DecodeError("repair request entry without a message id");
    out.push_back(HistoryEntry{entry.message_id(), ToBytes(entry.retrieval_hint()), entry.sender_id()});
  }
  return {};
}

// `entries`: a HistoryList or a std::vector<HistoryEntry>.
Status CheckEntryIds(const auto& entries) {
  for (const auto& entry : entries) {
    for (std::string_view id : {std::string_view(entry.message_id), std::string_view(entry.sender_id)}) {
      if (Status ok = CheckUtf8(id, "an entry's id"); !ok) return ok;
    }
  }
  return {};
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
  if (Status ok = CheckEntries(message.causal_history, "causal history"); !ok) {
    return std::unexpected(std::move(ok.error()));
  }
  if (Status ok = CheckEntries(message.repair_request, "repair request"); !ok) {
    return std::unexpected(std::move(ok.error()));
  }
  // The protobuf-written fields around the causal history (11) and the bloom
  // filter (12): 1–3 and 10, then 13 and 20. proto3: the plain strings are
  // written only when non-empty; each optional field is written once set,
  // whatever its value.
  codec::MessageArena arena;
  auto& before = arena.Create<pb::SpecSdsMessage>();
  before.set_sender_id(message.sender_id);
  before.set_message_id(message.message_id);
  before.set_channel_id(message.channel_id);
  if (message.lamport_timestamp) before.set_lamport_timestamp(*message.lamport_timestamp);
  auto& after = arena.Create<pb::SpecSdsMessage>();
  FillEntries(message.repair_request, after.mutable_repair_request());
  if (!message.content.empty()) Assign(after.mutable_content(), message.content);
  codec::HandWritten history = codec::HistoryFields(message.causal_history, kLimits);
  if (bloom == nullptr || !IsSpecBloom(*bloom)) {
    return codec::SerializeParts({&before, std::move(history), &after}, kLimits);
  }
  return codec::SerializeParts(
      {&before, std::move(history),
       codec::LengthDelimitedField(kLimits.bloom_field, kSpecBloomBytes,
                                   [bloom](std::uint8_t* out) { return WriteBigEndianWords(*bloom, out); }),
       &after},
      kLimits);
}

Result<Message> DecodeSpec(ByteView bytes) {
  Message message;
  std::optional<ByteView> bloom;
  codec::MessageArena arena;
  auto& in = arena.Create<pb::SpecSdsMessage>();
  if (Status ok = codec::ParseMessage(bytes, kLimits, message.causal_history, bloom, in); !ok) {
    return std::unexpected(std::move(ok.error()));
  }
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

  if (Status ok = ReadRepairRequest(in.repair_request(), message.repair_request); !ok) {
    return std::unexpected(std::move(ok.error()));
  }
  for (Status ok : {CheckEntryIds(message.causal_history), CheckEntryIds(message.repair_request)}) {
    if (!ok) return std::unexpected(std::move(ok.error()));
  }
  message.message_id = std::move(*in.mutable_message_id());
  message.channel_id = std::move(*in.mutable_channel_id());
  message.sender_id = std::move(*in.mutable_sender_id());
  if (in.has_lamport_timestamp()) message.lamport_timestamp = in.lamport_timestamp();
  message.content = ToBytes(in.content());
  if (bloom) {
    auto filter = DecodeSpecBloom(*bloom);
    // A filter the peer could not read either is ignored; the message stands.
    if (filter) message.bloom_filter = std::move(*filter);
  }
  return message;
}

}  // namespace sds
