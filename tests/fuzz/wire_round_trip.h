// The round-trip check shared by the two dialect targets: whatever a decoder
// accepts must re-encode, be detected as the same dialect, decode to the same
// message, and re-encode to the same bytes (the encoding is canonical). The
// causal history, which the codecs read by hand, must also be what
// protobuf's generated parser reads from the same bytes.
#pragma once

#include <cmath>
#include <optional>
#include <string_view>
#include <utility>

#include "fuzz_check.h"
#include "sds/dialect.h"
#include "sds/message.h"
#include "sds/nim_codec.h"
#include "sds/spec_codec.h"
#include "sds_nim.pb.h"
#include "sds_spec.pb.h"

namespace fuzz {

inline sds::Result<sds::Message> DecodeIn(sds::Dialect dialect, sds::ByteView bytes) {
  return dialect == sds::Dialect::kNim ? sds::DecodeNim(bytes) : sds::DecodeSpec(bytes);
}

// Equal filters, except that the nim envelope stores the error rate as a
// truncated integer in millionths: one pass through it may lower it by 1e-6.
inline bool SameFilter(const sds::BloomFilter& a, const sds::BloomFilter& b) {
  const double rate_slack = 1.0e-6 * (1.0 + 1.0e-9) + std::abs(a.error_rate()) * 1.0e-15;
  return a.words() == b.words() && a.k() == b.k() && a.m_bits() == b.m_bits() &&
         a.capacity() == b.capacity() && std::abs(a.error_rate() - b.error_rate()) <= rate_slack;
}

inline bool SameMessage(const sds::Message& a, const sds::Message& b) {
  if (a.bloom_filter.has_value() != b.bloom_filter.has_value()) return false;
  if (a.bloom_filter && !SameFilter(*a.bloom_filter, *b.bloom_filter)) return false;
  return a.message_id == b.message_id && a.channel_id == b.channel_id &&
         a.sender_id == b.sender_id && a.lamport_timestamp == b.lamport_timestamp &&
         a.causal_history == b.causal_history && a.repair_request == b.repair_request &&
         a.content == b.content;
}

// What both decoders promise about every message they return.
inline void CheckAccepted(const sds::Message& message) {
  FUZZ_CHECK(!message.message_id.empty());
  FUZZ_CHECK(!message.channel_id.empty());
  for (sds::HistoryEntryView entry : message.causal_history) FUZZ_CHECK(!entry.message_id.empty());
  for (const sds::HistoryEntry& entry : message.repair_request) FUZZ_CHECK(!entry.message_id.empty());
  if (message.bloom_filter) {
    const sds::BloomFilter& filter = *message.bloom_filter;
    FUZZ_CHECK(filter.k() >= 1 && filter.k() <= sds::BloomFilter::kMaxHashes);
    FUZZ_CHECK(filter.m_bits() >= 1 && filter.m_bits() <= sds::BloomFilter::kMaxBits);
    FUZZ_CHECK(filter.words().size() >= sds::BloomFilter::WordCountFor(filter.m_bits()));
  }
}

// `Proto`: the dialect's generated message (sds::wire::nim::NimSdsMessage or
// sds::wire::spec::SpecSdsMessage).
template <class Proto>
void CheckHistoryAsProtobufReadsIt(sds::ByteView input, const sds::Message& decoded) {
  Proto proto;
  FUZZ_CHECK(proto.ParseFromArray(input.data(), static_cast<int>(input.size())));
  FUZZ_CHECK(static_cast<std::size_t>(proto.causal_history_size()) == decoded.causal_history.size());
  int i = 0;
  for (sds::HistoryEntryView entry : decoded.causal_history) {
    const auto& expected = proto.causal_history(i++);
    const std::string_view hint(reinterpret_cast<const char*>(entry.retrieval_hint.data()),
                                entry.retrieval_hint.size());
    FUZZ_CHECK(entry.message_id == expected.message_id() && hint == expected.retrieval_hint() &&
               entry.sender_id == expected.sender_id());
  }
}

// Returns the decoded message, or nullopt when the decoder refused the input.
inline std::optional<sds::Message> CheckWireRoundTrip(sds::ByteView input, sds::Dialect dialect) {
  auto first = DecodeIn(dialect, input);
  if (!first) {
    FUZZ_CHECK(first.error().kind == sds::ErrorKind::kDeserializationError,
               first.error().ToString());
    return std::nullopt;
  }
  CheckAccepted(*first);
  if (dialect == sds::Dialect::kNim) {
    CheckHistoryAsProtobufReadsIt<sds::wire::nim::NimSdsMessage>(input, *first);
  } else {
    CheckHistoryAsProtobufReadsIt<sds::wire::spec::SpecSdsMessage>(input, *first);
  }

  auto channel = sds::PeekChannelId(input, dialect);
  FUZZ_CHECK(channel.has_value() && *channel == first->channel_id);

  auto bytes = sds::Encode(*first, dialect);
  FUZZ_CHECK(bytes.has_value(), bytes.error().ToString());
  auto detected = sds::DetectDialect(*bytes);
  FUZZ_CHECK(detected.has_value() && *detected == dialect);

  auto second = DecodeIn(dialect, *bytes);
  FUZZ_CHECK(second.has_value(), second.error().ToString());
  FUZZ_CHECK(SameMessage(*first, *second));

  auto again = sds::Encode(*second, dialect);
  FUZZ_CHECK(again.has_value(), again.error().ToString());
  // A lowered error rate changes the envelope's bytes; anything else may not.
  const bool same_rate = !first->bloom_filter ||
                         first->bloom_filter->error_rate() == second->bloom_filter->error_rate();
  if (same_rate) FUZZ_CHECK(*again == *bytes);
  return std::move(*first);
}

}  // namespace fuzz
