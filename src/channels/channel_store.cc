#include "channels/channel_store.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "channels/channel_layout.h"
#include "sds/snapshot_codec.h"

namespace channels {
namespace {

using persistency::Bytes;
using persistency::ByteView;
using persistency::Key;
using persistency::KvRow;
using persistency::WriteBatch;

// ---- errors -----------------------------------------------------------------------------

std::unexpected<sds::Error> Failed(std::string_view op, const sds::ChannelId& channel,
                                   const sds::Error& error) {
  return sds::MakeError(sds::ErrorKind::kPersistenceError,
                        std::string(op) + "(" + channel + "): " + error.message);
}

sds::Error StorageError(const persistency::Error& error) {
  return sds::Error{sds::ErrorKind::kPersistenceError, error.ToString()};
}

// `error`, naming the record it concerns.
std::unexpected<sds::Error> InRecord(std::string_view category, const sds::MessageId& id,
                                     const sds::Error& error) {
  return std::unexpected(
      sds::Error{error.kind, std::string(category) + " record '" + id + "': " + error.message});
}

// ---- per-message records ---------------------------------------------------------------

// How one kind of record is stored: its category and codec (snapshot_codec.h).
template <class Record>
struct RecordRows {
  std::string_view category;
  sds::Result<Bytes> (*encode)(const Record&);
  sds::Result<Record> (*decode)(ByteView);
  const sds::MessageId& (*id_of)(const Record&);
};

const sds::MessageId& MessageIdOf(const auto& record) { return record.message.message_id; }
const sds::MessageId& EntryIdOf(const auto& record) { return record.entry.message_id; }

constexpr RecordRows<sds::LoggedMessage> kLogRows{kLogCategory, sds::EncodeLoggedMessage,
                                                  sds::DecodeLoggedMessage, MessageIdOf};
constexpr RecordRows<sds::OutgoingEntry> kOutgoingRows{kOutgoingCategory, sds::EncodeOutgoingEntry,
                                                       sds::DecodeOutgoingEntry, MessageIdOf};
constexpr RecordRows<sds::IncomingEntry> kIncomingRows{kIncomingCategory, sds::EncodeIncomingEntry,
                                                       sds::DecodeIncomingEntry, MessageIdOf};
constexpr RecordRows<sds::OutgoingRepairEntry> kOutgoingRepairRows{
    kOutgoingRepairCategory, sds::EncodeOutgoingRepairEntry, sds::DecodeOutgoingRepairEntry,
    EntryIdOf};
constexpr RecordRows<sds::IncomingRepairEntry> kIncomingRepairRows{
    kIncomingRepairCategory, sds::EncodeIncomingRepairEntry, sds::DecodeIncomingRepairEntry,
    EntryIdOf};

// Adds a put (the encoded record) or a delete (nullopt) per change.
template <class Record>
sds::Status AddChanges(WriteBatch& batch, const RecordRows<Record>& rows, const Key& channel_key,
                       const std::map<sds::MessageId, std::optional<Record>>& changes) {
  for (const auto& [id, record] : changes) {
    sds::Result<Key> key = RecordKey(channel_key, id);
    if (!key) return InRecord(rows.category, id, key.error());
    if (!record) {
      batch.Delete(std::string(rows.category), std::move(*key));
      continue;
    }
    sds::Result<Bytes> payload = rows.encode(*record);
    if (!payload) return InRecord(rows.category, id, payload.error());
    batch.Put(std::string(rows.category), std::move(*key), std::move(*payload));
  }
  return {};
}

// Decodes every record of the channel, in key order; each must sit under its
// own message id.
template <class Record>
sds::Result<std::vector<Record>> ReadRecords(KvAccess& kv, const RecordRows<Record>& rows,
                                             const Key& channel_key) {
  persistency::Result<std::vector<KvRow>> stored = kv.ScanPrefix(rows.category, channel_key);
  if (!stored) return std::unexpected(StorageError(stored.error()));
  std::vector<Record> records;
  records.reserve(stored->size());
  for (const KvRow& row : *stored) {
    sds::Result<sds::MessageId> id = RecordId(channel_key, row.key);
    if (!id) return std::unexpected(std::move(id.error()));
    sds::Result<Record> record = rows.decode(row.payload);
    if (!record) return InRecord(rows.category, *id, record.error());
    if (rows.id_of(*record) != *id) {
      return InRecord(rows.category, *id,
                      sds::Error{sds::ErrorKind::kDeserializationError,
                                 "holds message '" + rows.id_of(*record) + "'"});
    }
    records.push_back(std::move(*record));
  }
  return records;
}

// ---- met ids ----------------------------------------------------------------------------

struct RankedId {
  std::uint64_t rank = 0;
  sds::MessageId id;
};

// The channel's met ids, oldest rank first.
sds::Result<std::vector<RankedId>> ReadMet(KvAccess& kv, const Key& channel_key) {
  persistency::Result<std::vector<KvRow>> stored = kv.ScanPrefix(kMetCategory, channel_key);
  if (!stored) return std::unexpected(StorageError(stored.error()));
  std::vector<RankedId> met;
  met.reserve(stored->size());
  for (const KvRow& row : *stored) {
    sds::Result<sds::MessageId> id = RecordId(channel_key, row.key);
    if (!id) return std::unexpected(std::move(id.error()));
    sds::Result<std::uint64_t> rank = DecodeMetPayload(row.payload);
    if (!rank) return InRecord(kMetCategory, *id, rank.error());
    met.push_back({*rank, std::move(*id)});
  }
  std::ranges::sort(met, {}, &RankedId::rank);
  return met;
}

std::uint64_t RankAfter(const std::vector<RankedId>& met) {
  return met.empty() ? 0 : met.back().rank + 1;
}

sds::Status AddMetChanges(WriteBatch& batch, const Key& channel_key,
                          const std::map<sds::MessageId, bool>& changes, std::uint64_t& next_rank) {
  for (const auto& [id, is_met] : changes) {
    sds::Result<Key> key = RecordKey(channel_key, id);
    if (!key) return InRecord(kMetCategory, id, key.error());
    if (is_met) {
      batch.Put(std::string(kMetCategory), std::move(*key), MetPayload(next_rank++));
    } else {
      batch.Delete(std::string(kMetCategory), std::move(*key));
    }
  }
  return {};
}

// ---- the whole channel --------------------------------------------------------------------

// Reads one kind of record into `out`.
template <class Record>
sds::Status ReadInto(KvAccess& kv, const RecordRows<Record>& rows, const Key& channel_key,
                     std::vector<Record>& out) {
  sds::Result<std::vector<Record>> records = ReadRecords(kv, rows, channel_key);
  if (!records) return std::unexpected(std::move(records.error()));
  out = std::move(*records);
  return {};
}

// The snapshot held under `channel_key`, and the rank its next met id gets.
sds::Result<std::pair<sds::ChannelSnapshot, std::uint64_t>> ReadChannel(KvAccess& kv,
                                                                        const Key& channel_key) {
  sds::ChannelSnapshot snapshot;
  persistency::Result<std::optional<Bytes>> meta = kv.Get(kMetaCategory, channel_key);
  if (!meta) return std::unexpected(StorageError(meta.error()));
  if (*meta) {
    sds::Result<std::uint64_t> lamport = DecodeMetaPayload(**meta);
    if (!lamport) return std::unexpected(std::move(lamport.error()));
    snapshot.lamport = *lamport;
  }
  for (const sds::Status& read : {
           ReadInto(kv, kLogRows, channel_key, snapshot.log),
           ReadInto(kv, kOutgoingRows, channel_key, snapshot.outgoing),
           ReadInto(kv, kIncomingRows, channel_key, snapshot.incoming),
           ReadInto(kv, kOutgoingRepairRows, channel_key, snapshot.outgoing_repair),
           ReadInto(kv, kIncomingRepairRows, channel_key, snapshot.incoming_repair),
       }) {
    if (!read) return std::unexpected(read.error());
  }
  // Keys sort by message id; the engine needs these two in seq order.
  std::ranges::sort(snapshot.log, {}, &sds::LoggedMessage::seq);
  std::ranges::sort(snapshot.outgoing, {}, &sds::OutgoingEntry::seq);

  sds::Result<std::vector<RankedId>> met = ReadMet(kv, channel_key);
  if (!met) return std::unexpected(std::move(met.error()));
  snapshot.met.reserve(met->size());
  for (RankedId& ranked : *met) snapshot.met.push_back(std::move(ranked.id));
  return std::pair{std::move(snapshot), RankAfter(*met)};
}

}  // namespace

sds::Result<sds::ChannelSnapshot> ChannelStore::LoadChannel(const sds::ChannelId& channel) {
  sds::Result<Key> channel_key = ChannelKey(channel);
  if (!channel_key) return Failed("loadChannel", channel, channel_key.error());
  auto read = ReadChannel(*kv_, *channel_key);
  if (!read) return Failed("loadChannel", channel, read.error());
  next_met_rank_.insert_or_assign(channel, read->second);
  return std::move(read->first);
}

sds::Result<std::uint64_t*> ChannelStore::NextMetRank(const sds::ChannelId& channel,
                                                      const Key& channel_key) {
  if (auto found = next_met_rank_.find(channel); found != next_met_rank_.end()) {
    return &found->second;
  }
  // A commit to a channel this store has not loaded: rank after what is stored.
  sds::Result<std::vector<RankedId>> met = ReadMet(*kv_, channel_key);
  if (!met) return std::unexpected(std::move(met.error()));
  return &next_met_rank_.emplace(channel, RankAfter(*met)).first->second;
}

sds::Status ChannelStore::Commit(const sds::ChannelId& channel, const sds::ChannelDelta& delta) {
  if (delta.empty()) return {};
  sds::Result<Key> channel_key = ChannelKey(channel);
  if (!channel_key) return Failed("commit", channel, channel_key.error());

  WriteBatch batch;
  if (delta.lamport) {
    batch.Put(std::string(kMetaCategory), *channel_key, MetaPayload(*delta.lamport));
  }
  for (const sds::Status& added : {
           AddChanges(batch, kLogRows, *channel_key, delta.log),
           AddChanges(batch, kOutgoingRows, *channel_key, delta.outgoing),
           AddChanges(batch, kIncomingRows, *channel_key, delta.incoming),
           AddChanges(batch, kOutgoingRepairRows, *channel_key, delta.outgoing_repair),
           AddChanges(batch, kIncomingRepairRows, *channel_key, delta.incoming_repair),
       }) {
    if (!added) return Failed("commit", channel, added.error());
  }
  if (!delta.met.empty()) {
    sds::Result<std::uint64_t*> next_rank = NextMetRank(channel, *channel_key);
    if (!next_rank) return Failed("commit", channel, next_rank.error());
    if (sds::Status added = AddMetChanges(batch, *channel_key, delta.met, **next_rank); !added) {
      return Failed("commit", channel, added.error());
    }
  }
  if (persistency::Status committed = kv_->Commit(std::move(batch)); !committed) {
    return Failed("commit", channel, StorageError(committed.error()));
  }
  return {};
}

sds::Status ChannelStore::DropChannel(const sds::ChannelId& channel) {
  sds::Result<Key> channel_key = ChannelKey(channel);
  if (!channel_key) return Failed("dropChannel", channel, channel_key.error());
  WriteBatch batch;
  batch.Delete(std::string(kMetaCategory), *channel_key);
  for (std::string_view category : kRecordCategories) {
    batch.DeletePrefix(std::string(category), *channel_key);
  }
  if (persistency::Status committed = kv_->Commit(std::move(batch)); !committed) {
    return Failed("dropChannel", channel, StorageError(committed.error()));
  }
  next_met_rank_.erase(channel);
  return {};
}

}  // namespace channels
