// The snapshot codec: a storage encoding of channel state (not the network
// format), compatible with nim-sds's optional storage codec
// `sds/snapshot_codec.nim`. Schema: proto/sds_snapshot.proto.
//
// Whole channel (EncodeChannelSnapshot / DecodeChannelSnapshot): nim-sds's
// ChannelData
//     1 meta: ChannelMeta
//         1 schema_version (= 1)   2 lamport
//         3* outgoing     {1 message, 2 send_time_ms, 3 resend_attempts}
//         4* incoming     {1 message, 2* missing id}
//         5* outgoing_repair {1 id, 2 {1 HistoryEntry, 2 t_req_ms}}
//         6* incoming_repair {1 id, 2 {1 HistoryEntry, 2 cached message,
//                                      3 t_resp_ms}}
//     2* the log, oldest first
// plus this engine's extras, all numbered >= 15 so that nim-sds skips them:
//     ChannelData 15 log seqs (packed, one per log message)
//     ChannelMeta 15* met ids
//     outgoing    15 seq, 16 possible_acks
//     incoming    15 received_at_ms
//
// Messages inside are nim-dialect SdsMessages (EncodeNim / DecodeNim).
// Stored messages carry no bloom filter: encoding leaves a message's filter
// out (field 6 written empty, like EncodeNim for a message without one), and
// decoding drops the filter nim-sds stores with its messages.
//
// Encoding writes every field nim-sds's decoder requires, even when zero or
// empty (schema_version, lamport, send_time_ms, resend_attempts, the repair
// ids, t_req_ms, cached message, t_resp_ms, ...), in nim's field order, so
// nim-sds can read what we write (minus the extras). The cached message of an
// incoming repair entry is the nim encoding of the logged message with that
// id, or empty when the log does not hold it; decoding ignores it (the engine
// re-encodes from its log).
//
// Decoding accepts nim-sds's bytes (master and release/v0.4) and refuses,
// with kDeserializationError:
//   - malformed protobuf, schema_version absent or != 1, any field nim-sds
//     requires being absent (lamport, each entry's message, send_time_ms,
//     repair id / entry / HistoryEntry / t_req_ms / t_resp_ms, meta);
//   - a message DecodeNim refuses (empty message or channel id, ...);
//   - a repair entry whose key id differs from its HistoryEntry's id, or a
//     HistoryEntry with an empty id;
//   - two records with the same message id in one list (log, outgoing,
//     incoming, either repair buffer, met), or two records of the log, or two
//     of the outgoing buffer, with the same seq;
//   - a log-seq list whose length differs from the log's;
//   - input over the size or item limits below.
// Missing-dependency ids come back sorted and deduplicated (nim-sds writes a
// hash set's order). Data without extras (nim-sds's) decodes with: seqs
// numbered from max(seen seq) + 1 upwards, log first, then outgoing, in
// order; possible_acks 0; received_at_ms 0; met empty.
//
// Per-record codecs (one key-value row per record) reuse the same shapes:
// LoggedMessage {1 message, 15 seq}; OutgoingEntry = the outgoing shape;
// IncomingEntry = the incoming shape; OutgoingRepairEntry = {1 HistoryEntry,
// 2 t_req_ms}; IncomingRepairEntry = {1 HistoryEntry, 2 cached message
// (always empty), 3 t_resp_ms}. Absent extras decode as 0.
//
// HistoryUpdate: nim-sds's {1* message, 2* evict id}.
//
// Hostile input: decoders never throw or abort. Before protobuf allocates
// anything, a walk over the input refuses malformed bytes and counts its
// items (records, ids, causal-history and repair-request entries of every
// embedded message); over the limit => kDeserializationError. Encoders run
// the same checks on their output and fail with kSerializationError instead
// of writing what the decoders would refuse for size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sds/bytes.h"
#include "sds/channel_records.h"
#include "sds/error.h"
#include "sds/message.h"
#include "sds/nim_codec.h"

namespace sds {

// ChannelMeta.schema_version this codec writes and the only one it reads.
inline constexpr std::uint32_t kSnapshotSchemaVersion = 1;

// Whole-channel snapshots and history updates: input size, and items (see
// above). The defaults hold a channel at this engine's default caps many
// times over (1000 logged messages, 10000 outgoing and 10000 incoming
// entries of 10 causal-history entries each is about 0.25 M items).
inline constexpr std::size_t kMaxSnapshotBytes = std::size_t{256} << 20;
inline constexpr std::size_t kMaxSnapshotItems = std::size_t{1} << 20;

// Single records: one message plus a few fields.
inline constexpr std::size_t kMaxSnapshotRecordBytes = kMaxNimMessageBytes + (std::size_t{4} << 20);
inline constexpr std::size_t kMaxSnapshotRecordItems = 4 * kMaxNimHistoryEntries;

// nim-sds's HistoryUpdate: what one operation added to / evicted from the log.
struct HistoryUpdate {
  std::vector<Message> append;   // in delivery order
  std::vector<MessageId> evict;

  bool empty() const { return append.empty() && evict.empty(); }
  friend bool operator==(const HistoryUpdate&, const HistoryUpdate&) = default;
};

// The whole channel. kSerializationError when a message cannot be encoded
// (EncodeNim's limits) or the result exceeds the limits above.
Result<Bytes> EncodeChannelSnapshot(const ChannelSnapshot& snapshot);
Result<ChannelSnapshot> DecodeChannelSnapshot(ByteView bytes);

// One record each.
Result<Bytes> EncodeLoggedMessage(const LoggedMessage& record);
Result<LoggedMessage> DecodeLoggedMessage(ByteView bytes);

Result<Bytes> EncodeOutgoingEntry(const OutgoingEntry& record);
Result<OutgoingEntry> DecodeOutgoingEntry(ByteView bytes);

Result<Bytes> EncodeIncomingEntry(const IncomingEntry& record);
Result<IncomingEntry> DecodeIncomingEntry(ByteView bytes);

Result<Bytes> EncodeOutgoingRepairEntry(const OutgoingRepairEntry& record);
Result<OutgoingRepairEntry> DecodeOutgoingRepairEntry(ByteView bytes);

Result<Bytes> EncodeIncomingRepairEntry(const IncomingRepairEntry& record);
Result<IncomingRepairEntry> DecodeIncomingRepairEntry(ByteView bytes);

// nim-sds's HistoryUpdate.
Result<Bytes> EncodeHistoryUpdate(const HistoryUpdate& update);
Result<HistoryUpdate> DecodeHistoryUpdate(ByteView bytes);

}  // namespace sds
