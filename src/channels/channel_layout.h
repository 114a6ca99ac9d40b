// Where a channel's SDS state lives in a persistency store: one row per
// record, in categories named after nim's `sds.meta` / `sds.log`
// (reference: persistency.md §5.3), keyed by the channel id and then the
// message id, so that one channel's rows share the prefix ChannelKey(id).
//
//   category        key                 payload
//   sds.meta        (channel)           MetaPayload: format byte, lamport
//   sds.log         (channel, id)       EncodeLoggedMessage       (log, with seq)
//   sds.outgoing    (channel, id)       EncodeOutgoingEntry
//   sds.incoming    (channel, id)       EncodeIncomingEntry
//   sds.repair.out  (channel, id)       EncodeOutgoingRepairEntry
//   sds.repair.in   (channel, id)       EncodeIncomingRepairEntry
//   sds.met         (channel, id)       MetPayload: arrival rank
//
// The record encodings are the per-record codecs of src/sds/snapshot_codec.h.
// Keys use the persistency key encoding (2-byte big-endian length, then the
// bytes), so an id is at most 65535 bytes.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "persistency/bytes.h"
#include "persistency/key.h"
#include "sds/error.h"
#include "sds/message.h"

namespace channels {

inline constexpr std::string_view kMetaCategory = "sds.meta";
inline constexpr std::string_view kLogCategory = "sds.log";
inline constexpr std::string_view kOutgoingCategory = "sds.outgoing";
inline constexpr std::string_view kIncomingCategory = "sds.incoming";
inline constexpr std::string_view kOutgoingRepairCategory = "sds.repair.out";
inline constexpr std::string_view kIncomingRepairCategory = "sds.repair.in";
inline constexpr std::string_view kMetCategory = "sds.met";

// Every category holding per-message records (all but sds.meta).
inline constexpr std::array<std::string_view, 6> kRecordCategories = {
    kLogCategory,
    kOutgoingCategory,
    kIncomingCategory,
    kOutgoingRepairCategory,
    kIncomingRepairCategory,
    kMetCategory,
};

// The first byte of every sds.meta payload; another value is refused.
inline constexpr std::uint8_t kMetaFormat = 1;

// sds.meta key, and the prefix of all the channel's record keys.
sds::Result<persistency::Key> ChannelKey(const sds::ChannelId& channel);
// The key of one record: ChannelKey(channel) followed by the message id.
sds::Result<persistency::Key> RecordKey(const persistency::Key& channel_key,
                                        const sds::MessageId& id);
// The message id of a record key read back under `channel_key`;
// kDeserializationError when the key is not ChannelKey + one id.
sds::Result<sds::MessageId> RecordId(const persistency::Key& channel_key,
                                     const persistency::Key& record_key);

persistency::Bytes MetaPayload(std::uint64_t lamport);
// The lamport clock; kDeserializationError for anything MetaPayload does
// not produce.
sds::Result<std::uint64_t> DecodeMetaPayload(persistency::ByteView payload);

// A met id's rank orders the ids as they were marked (the engine evicts the
// oldest first once it holds more than the bloom filter's capacity).
persistency::Bytes MetPayload(std::uint64_t rank);
sds::Result<std::uint64_t> DecodeMetPayload(persistency::ByteView payload);

}  // namespace channels
