#include "sds/codec_support.h"

#include <cstring>
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

Status CheckEncodedSize(std::size_t size, const WireLimits& limits) {
  if (size > limits.max_message_bytes) {
    return EncodeError(limits, TooLarge(size, limits.max_message_bytes));
  }
  return {};
}

void Assign(std::string* out, ByteView bytes) {
  out->assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Bytes ToBytes(const std::string& s) {
  return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()),
               reinterpret_cast<const std::uint8_t*>(s.data()) + s.size());
}

namespace {

std::size_t LengthDelimitedSize(std::size_t payload_size) {
  return 1 + CodedOutputStream::VarintSize64(payload_size) + payload_size;
}

// The tag (one byte: `number` is below 16) and the length of a
// length-delimited field.
std::uint8_t* WriteFieldHead(std::uint32_t number, std::size_t payload_size, std::uint8_t* out) {
  *out++ = static_cast<std::uint8_t>((number << 3) | wire::kLengthDelimited);
  return CodedOutputStream::WriteVarint64ToArray(payload_size, out);
}

std::uint8_t* WriteLengthDelimited(std::uint32_t number, std::string_view payload,
                                   std::uint8_t* out) {
  out = WriteFieldHead(number, payload.size(), out);
  if (!payload.empty()) std::memcpy(out, payload.data(), payload.size());
  return out + payload.size();
}

// An entry's fields: 1 message_id, 2 retrieval_hint, 3 sender_id, the
// latter two only when not empty.
std::size_t EntrySize(const HistoryEntryView& entry, bool id_always) {
  std::size_t size = 0;
  if (id_always || !entry.message_id.empty()) size += LengthDelimitedSize(entry.message_id.size());
  if (!entry.retrieval_hint.empty()) size += LengthDelimitedSize(entry.retrieval_hint.size());
  if (!entry.sender_id.empty()) size += LengthDelimitedSize(entry.sender_id.size());
  return size;
}

std::string_view AsText(ByteView bytes) {
  return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::uint8_t* WriteEntry(const HistoryEntryView& entry, bool id_always, std::uint8_t* out) {
  if (id_always || !entry.message_id.empty()) out = WriteLengthDelimited(1, entry.message_id, out);
  if (!entry.retrieval_hint.empty()) out = WriteLengthDelimited(2, AsText(entry.retrieval_hint), out);
  if (!entry.sender_id.empty()) out = WriteLengthDelimited(3, entry.sender_id, out);
  return out;
}

// One entry's payload, read as protobuf would read it into a HistoryEntry
// message: a field repeated wins last, fields of other numbers or wire
// types are skipped (groups are refused, as everywhere in a message).
bool ReadEntry(ByteView payload, HistoryList& history) {
  ByteView fields[3];  // message_id, retrieval_hint, sender_id
  wire::FieldReader reader(payload);
  wire::Field field;
  while (reader.Next(field)) {
    if (field.wire_type == wire::kLengthDelimited && field.number >= 1 && field.number <= 3) {
      fields[field.number - 1] = field.payload;
    }
  }
  if (reader.failed()) return false;
  history.Append(AsText(fields[0]), fields[1], AsText(fields[2]));
  return true;
}

// Parses `bytes` into `out` without the byte ranges in `skip` (in order, not
// overlapping).
bool ParseAround(ByteView bytes, const std::vector<std::pair<std::size_t, std::size_t>>& skip,
                 ::google::protobuf::MessageLite& out) {
  const auto* data = bytes.data();
  std::size_t begin = 0;
  out.Clear();
  for (std::size_t i = 0; i <= skip.size(); ++i) {
    const std::size_t end = i < skip.size() ? skip[i].first : bytes.size();
    if (end > begin) {
      CodedInputStream part(data + begin, static_cast<int>(end - begin));
      if (!out.MergeFromCodedStream(&part) || !part.ConsumedEntireMessage()) return false;
    }
    if (i < skip.size()) begin = skip[i].second;
  }
  return true;
}

}  // namespace

HandWritten LengthDelimitedField(std::uint32_t number, std::size_t payload_size,
                                 std::function<std::uint8_t*(std::uint8_t*)> write_payload) {
  return HandWritten{LengthDelimitedSize(payload_size),
                     [number, payload_size, write = std::move(write_payload)](std::uint8_t* out) {
                       return write(WriteFieldHead(number, payload_size, out));
                     }};
}

HandWritten HistoryFields(const HistoryList& history, const WireLimits& limits) {
  std::size_t size = 0;
  for (HistoryEntryView entry : history) {
    size += LengthDelimitedSize(EntrySize(entry, limits.entry_id_always));
  }
  return HandWritten{size, [&history, &limits](std::uint8_t* out) {
                       for (HistoryEntryView entry : history) {
                         out = WriteFieldHead(limits.causal_history_field,
                                              EntrySize(entry, limits.entry_id_always), out);
                         out = WriteEntry(entry, limits.entry_id_always, out);
                       }
                       return out;
                     }};
}

Result<Bytes> SerializeParts(std::initializer_list<Part> parts, const WireLimits& limits) {
  std::size_t size = 0;
  for (const Part& part : parts) {
    if (const auto* proto = std::get_if<const ::google::protobuf::MessageLite*>(&part)) {
      size += (*proto)->ByteSizeLong();
    } else {
      size += std::get<HandWritten>(part).size;
    }
  }
  if (Status fits = CheckEncodedSize(size, limits); !fits) return std::unexpected(std::move(fits.error()));
  Bytes bytes(size);
  std::uint8_t* out = bytes.data();
  for (const Part& part : parts) {
    if (const auto* proto = std::get_if<const ::google::protobuf::MessageLite*>(&part)) {
      out = (*proto)->SerializeWithCachedSizesToArray(out);
    } else {
      out = std::get<HandWritten>(part).write(out);
    }
  }
  return bytes;
}

Status ParseMessage(ByteView bytes, const WireLimits& limits, HistoryList& history,
                    std::optional<ByteView>& bloom, ::google::protobuf::MessageLite& out) {
  if (bytes.size() > limits.max_message_bytes) {
    return DecodeError(limits, TooLarge(bytes.size(), limits.max_message_bytes));
  }
  // One walk over the top-level fields: the entries are counted before
  // anything is allocated for them, and the hand-read fields are set aside.
  std::vector<ByteView> entries;
  std::size_t entry_count = 0;
  std::size_t entry_bytes = 0;
  std::size_t repair_count = 0;
  std::vector<std::pair<std::size_t, std::size_t>> skip;  // byte ranges, adjacent ones merged
  auto skip_field = [&skip](std::size_t begin, std::size_t end) {
    if (!skip.empty() && skip.back().second == begin) {
      skip.back().second = end;
    } else {
      skip.emplace_back(begin, end);
    }
  };
  bloom.reset();
  wire::FieldReader reader(bytes);
  wire::Field field;
  std::size_t begin = 0;
  while (reader.Next(field)) {
    if (field.wire_type == wire::kLengthDelimited) {
      if (field.number == limits.causal_history_field) {
        if (++entry_count <= limits.max_entries) entries.push_back(field.payload);
        entry_bytes += field.payload.size();
        skip_field(begin, reader.offset());
      } else if (field.number == limits.bloom_field) {
        bloom = field.payload;
        skip_field(begin, reader.offset());
      } else if (field.number == limits.repair_request_field) {
        ++repair_count;
      }
    }
    begin = reader.offset();
  }
  if (reader.failed()) {
    return DecodeError(limits, "malformed message at byte " + std::to_string(reader.offset()) +
                                   ": " + std::string(reader.error()));
  }
  if (entry_count > limits.max_entries) return DecodeError(limits, "too many causal history entries");
  if (repair_count > limits.max_entries) return DecodeError(limits, "too many repair request entries");

  // An entry's fields take at most its payload's bytes.
  history.Reserve(entries.size(), entry_bytes);
  for (ByteView entry : entries) {
    if (!ReadEntry(entry, history)) return DecodeError(limits, "message does not parse");
  }
  if (!ParseAround(bytes, skip, out)) return DecodeError(limits, "message does not parse");
  for (HistoryEntryView entry : history) {
    if (entry.message_id.empty()) return DecodeError(limits, "causal history entry without a message id");
  }
  return {};
}

}  // namespace sds::codec
