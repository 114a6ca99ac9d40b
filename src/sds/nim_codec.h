// The "nim" wire dialect: byte-exact with nim-sds (master, which serializes
// with minprotobuf), decoding as leniently as nim-sds release/v0.4.
// Schema: proto/sds_nim.proto.
//
// Encoding (identical to nim-sds master for every message it can produce):
//   1 message_id        always written, even when empty
//   2 lamport_timestamp always written as a varint when present (even 0);
//                       omitted when the model has none (an ephemeral
//                       message, which nim-sds cannot produce: nim-sds master
//                       refuses such a message, v0.4 reads it as lamport 0)
//   3 causal_history    one HistoryEntry per entry, in order
//   4 channel_id        always written
//   5 content           always written, even when empty
//   6 bloom_filter      always written: the bloom envelope (below), or an
//                       empty field (`32 00`) when the message has no filter
//   7 sender_id         only when non-empty
//   13 repair_request   one HistoryEntry per entry, in order
//   HistoryEntry: 1 message_id always; 2 retrieval_hint and 3 sender_id only
//   when non-empty.
// Encoding does not validate ids (neither does nim-sds); DecodeNim refuses a
// message with an empty message id, channel id or entry id, so such a message
// does not round-trip.
//
// Bloom envelope (field 6 payload), all five fields always written:
//   1 data       the filter's 64-bit words, each little-endian, in index order
//   2 capacity   3 error_rate = uint64(error_rate * 1e6), truncated
//   4 k_hashes   5 m_bits
//
// Decoding accepts both nim-sds master bytes and release/v0.4 bytes (which
// omit empty fields):
//   - message_id (1) and channel_id (4) must be present and non-empty, and
//     every causal_history / repair_request entry must have a non-empty
//     message_id; otherwise kDeserializationError.
//   - content (5) absent => empty content; lamport (2) absent => nullopt.
//   - bloom_filter (6) absent or empty => nullopt. A filter that does not
//     parse, or that BloomFilter::FromParts refuses (k = 0, m_bits = 0, too
//     few words, ...) => nullopt as well: the message itself is accepted, as
//     nim-sds does.
//   - Unknown fields are skipped; a known field with an unexpected wire type
//     counts as unknown (protobuf behaviour); for singular fields the last
//     occurrence wins.
//   - Malformed protobuf (truncated varint or field, bad tag, groups) =>
//     kDeserializationError.
//
// Hostile-input limits (checked before anything is allocated):
//   - inputs longer than kMaxNimMessageBytes are refused unparsed;
//   - more than kMaxNimHistoryEntries causal_history entries, or more than
//     kMaxNimHistoryEntries repair_request entries, are refused.
// The same limits make EncodeNim fail with kSerializationError, so that we
// never send what we would refuse to read.
#pragma once

#include <cstddef>

#include "sds/bloom_filter.h"
#include "sds/bytes.h"
#include "sds/error.h"
#include "sds/message.h"

namespace sds {

// 4 MiB: nim-sds caps content at 1 MiB; a default bloom envelope is 18,768
// bytes (22,520 after a roll-over); the rest is ample room for ids, history
// and larger peer filters.
inline constexpr std::size_t kMaxNimMessageBytes = std::size_t{4} << 20;

// Per repeated field (causal_history, repair_request). nim-sds sends at most
// 10 causal-history entries and 3 repair requests by default.
inline constexpr std::size_t kMaxNimHistoryEntries = 10000;

// Serializes `message` exactly as nim-sds master does (see above).
// kSerializationError when a limit above is exceeded or the bloom filter's
// error rate cannot be written.
Result<Bytes> EncodeNim(const Message& message);
// The same, with `bloom` written in place of message.bloom_filter (which is
// then ignored): lets a sender attach its live filter without copying it.
Result<Bytes> EncodeNim(const Message& message, const BloomFilter* bloom);

// Parses nim-dialect bytes (master or v0.4). kDeserializationError on
// malformed or refused input; never throws or aborts on hostile bytes.
Result<Message> DecodeNim(ByteView bytes);

// The bloom envelope alone (the payload of field 6).
// kSerializationError when error_rate * 1e6 is not a finite value in
// [0, 2^64).
Result<Bytes> EncodeBloomEnvelope(const BloomFilter& filter);

// Parses a bloom envelope and validates it through BloomFilter::FromParts.
// Absent fields count as 0 / empty (as in nim-sds v0.4). The decoded error
// rate is error_rate / 1e6; `data` is read as len/8 little-endian words
// (trailing bytes ignored). kDeserializationError when it does not parse,
// k_hashes does not fit in 32 bits, or FromParts refuses the parameters.
Result<BloomFilter> DecodeBloomEnvelope(ByteView bytes);

}  // namespace sds
