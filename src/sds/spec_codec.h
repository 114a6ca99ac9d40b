// The "spec" wire dialect: the SDS specification's schema, byte-exact with
// @waku/sds 0.0.8 (js-waku), the TypeScript peer. Schema:
// proto/sds_spec.proto.
//
// Encoding (equal to the peer's bytes for every message it produces):
//   1 sender_id, 2 message_id, 3 channel_id   only when non-empty
//   10 lamport_timestamp  whenever the model has one (even 0); absent in
//                         ephemeral messages
//   11 causal_history     one HistoryEntry per entry, in order
//   12 bloom_filter       the filter's words, each as 8 big-endian bytes, when
//                         the filter has the peer's parameters (IsSpecBloom);
//                         otherwise the field is left out: the peer reads a
//                         filter with its own fixed parameters, drops the
//                         whole message when the field is shorter than
//                         kSpecBloomBytes and misreads any other layout
//   13 repair_request     one HistoryEntry per entry, in order
//   20 content            only when non-empty (sync messages carry none)
//   HistoryEntry: 1 message_id, 2 retrieval_hint, 3 sender_id, each only when
//   non-empty. (The peer also writes a present-but-empty sender_id or
//   retrieval hint, which this model does not tell from an absent one; the
//   meaning is the same.)
// Ids are JS strings to the peer, so every id (sender, message, channel, the
// entries' ids and senders) must be valid UTF-8: otherwise
// kSerializationError.
//
// Decoding:
//   - message_id and channel_id must be non-empty, and so must every entry's
//     message_id; every id must be valid UTF-8 (a JS string to the peer);
//     otherwise kDeserializationError.
//   - The kind is inferred as the peer does: lamport present => content
//     (non-empty content) or sync (content empty or absent); lamport absent
//     and non-empty content => ephemeral; anything else (no lamport and no
//     content) => kDeserializationError.
//   - bloom_filter: absent => nullopt. At least kSpecBloomBytes => a filter
//     with the peer's parameters from the first kSpecBloomWords words (longer
//     input is cut, as the peer does). Shorter, empty included => nullopt:
//     the message stands without a filter (the peer would drop it whole).
//   - Unknown fields are skipped; a known field with an unexpected wire type
//     counts as unknown (protobuf's behaviour); for singular fields the last
//     occurrence wins.
//   - Malformed protobuf => kDeserializationError.
//
// Hostile-input limits, as for the nim dialect: inputs longer than
// kMaxSpecMessageBytes and more than kMaxSpecHistoryEntries entries in either
// list are refused before anything is allocated, and EncodeSpec fails with
// kSerializationError beyond the same limits.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sds/bloom_filter.h"
#include "sds/bytes.h"
#include "sds/error.h"
#include "sds/message.h"

namespace sds {

// The peer's fixed filter (DEFAULT_BLOOM_FILTER_OPTIONS, not configurable):
// capacity 10000 at error rate 0.001 => k 10, 150000 bits, 2344 words.
inline constexpr std::uint64_t kSpecBloomCapacity = 10000;
inline constexpr double kSpecBloomErrorRate = 0.001;
inline constexpr std::uint32_t kSpecBloomHashes = 10;
inline constexpr std::uint64_t kSpecBloomBits = 150000;
inline constexpr std::size_t kSpecBloomWords = BloomFilter::WordCountFor(kSpecBloomBits);
inline constexpr std::size_t kSpecBloomBytes = 8 * kSpecBloomWords;  // 18752

inline constexpr std::size_t kMaxSpecMessageBytes = std::size_t{4} << 20;
inline constexpr std::size_t kMaxSpecHistoryEntries = 10000;

// True when `filter` has the peer's parameters (k, m_bits and at least
// kSpecBloomWords words), i.e. the peer reads its bits where they are.
bool IsSpecBloom(const BloomFilter& filter);

// Serializes `message` as the peer does (see above).
Result<Bytes> EncodeSpec(const Message& message);
// The same, with `bloom` written in place of message.bloom_filter.
Result<Bytes> EncodeSpec(const Message& message, const BloomFilter* bloom);

// Parses spec-dialect bytes. kDeserializationError on malformed or refused
// input; never throws or aborts on hostile bytes.
Result<Message> DecodeSpec(ByteView bytes);

// A received field 12: the peer's filter from the first kSpecBloomWords
// big-endian words. kDeserializationError when shorter than kSpecBloomBytes.
Result<BloomFilter> DecodeSpecBloom(ByteView words);

}  // namespace sds
