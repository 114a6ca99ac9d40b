// SnapshotPersistence: runs the engine on a store written against nim-sds's
// snapshot persistence contract (nim-sds master / v0.4,
// `sds/types/persistence.nim`; see /work/shared/reference/sds-nim.md §5.1):
//
//     saveChannelMeta(channel, ChannelMeta)     everything but the log
//     updateHistory(channel, HistoryUpdate)     log appends and evictions
//     loadChannel(channel) -> ChannelData       meta + log, oldest first
//     dropChannel(channel)
//
// The engine persists through Persistence (one ChannelDelta per step). The
// adapter keeps a mirror of every loaded channel's meta, folds each delta
// into it, and turns the delta into the nim calls, issued back to back:
//   1. SaveChannelMeta(the whole mirrored meta), when the meta changed (or
//      an earlier save of it failed);
//   2. UpdateHistory(the delta's log appends, in log order, and evictions),
//      when the log changed (or an earlier update failed).
// Either failing fails the Commit. The engine then keeps the delta and
// merges it, latest change per record winning, into the next step's
// Commit, which is nim-sds's R2 pending-write queue with its "latest wins"
// rule. The adapter remembers which part already reached the store, so a
// retry sends only what is still missing: a meta save that succeeded is not
// repeated unless the meta changed again, and a history change the store
// took is not sent twice.
//
// Failure policy as in nim-sds: save/update failures never fail a protocol
// operation (the engine swallows Commit errors); load and drop failures
// surface as kPersistenceError.
//
// Order: HistoryUpdate carries no seq, so the log's order is the history's
// order. Appends are sent in seq order; on load, the history is numbered
// oldest first after every outgoing seq (ToChannelSnapshot).
//
// Not thread-safe; call it from the thread that drives the manager.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "sds/channel_records.h"
#include "sds/error.h"
#include "sds/message.h"
#include "sds/persistence.h"
#include "sds/snapshot_codec.h"

namespace sds {

// nim-sds's ChannelMeta: a channel's state except its log (and bloom filter,
// which is rebuilt from the log). `met` is this engine's addition (the
// snapshot codec stores it as ChannelMeta field 15).
struct ChannelMeta {
  std::uint64_t lamport = 0;
  std::vector<OutgoingEntry> outgoing;                // by seq
  std::vector<IncomingEntry> incoming;                // by message id
  std::vector<OutgoingRepairEntry> outgoing_repair;   // by t_req_ms, then id
  std::vector<IncomingRepairEntry> incoming_repair;   // by t_resp_ms, then id
  std::vector<MessageId> met;                         // oldest first

  bool empty() const {
    return lamport == 0 && outgoing.empty() && incoming.empty() && outgoing_repair.empty() &&
           incoming_repair.empty() && met.empty();
  }
  friend bool operator==(const ChannelMeta&, const ChannelMeta&) = default;
};

// nim-sds's ChannelData: what LoadChannel returns.
struct ChannelData {
  ChannelMeta meta;
  std::vector<Message> history;  // the log, oldest first

  bool empty() const { return meta.empty() && history.empty(); }
  friend bool operator==(const ChannelData&, const ChannelData&) = default;
};

// The meta part of a snapshot (its log is dropped).
ChannelMeta MetaOf(const ChannelSnapshot& snapshot);

// ChannelData -> ChannelSnapshot, for the engine (and for backends that
// store with the snapshot codec: EncodeChannelSnapshot(ToChannelSnapshot(
// {meta, {}})) is a meta blob). The history becomes the log in the given
// order; when an id occurs more than once, its last occurrence counts (as if
// a store had appended it again). Seqs: outgoing entries keep theirs; those
// with seq 0 (a store that did not keep seqs) are numbered in the given
// order after every seq seen, and then the log after those.
ChannelSnapshot ToChannelSnapshot(ChannelData data);

// ChannelSnapshot -> ChannelData: the log's messages in log order, no seqs.
ChannelData ToChannelData(ChannelSnapshot snapshot);

// A store written against nim-sds's snapshot contract. Every call is for
// one channel. Errors may be of any kind (the adapter reports them as
// kPersistenceError).
class SnapshotStore {
 public:
  virtual ~SnapshotStore() = default;

  // Replaces the channel's stored meta with `meta` (complete, not a change).
  virtual Status SaveChannelMeta(const ChannelId& channel, const ChannelMeta& meta) = 0;

  // Applies one batch of log changes. No id is in both lists, nor twice in
  // one. Evicting an id not held is a no-op. Each append becomes the newest
  // message, in the given order; appending an id already held replaces that
  // message and moves it to the newest position (an evicted message that came
  // back while its eviction had not reached the store).
  // Sent right after SaveChannelMeta of the same step (when both are sent),
  // so a backend may treat the pair as one unit.
  virtual Status UpdateHistory(const ChannelId& channel, const HistoryUpdate& update) = 0;

  // The last saved meta (default ChannelMeta when none) and the history,
  // oldest first; an empty ChannelData for an unknown channel.
  virtual Result<ChannelData> LoadChannel(const ChannelId& channel) = 0;

  // Deletes the channel's meta and history, in one go; OK when unknown.
  virtual Status DropChannel(const ChannelId& channel) = 0;
};

class SnapshotPersistence final : public Persistence {
 public:
  // `store` must outlive the adapter.
  explicit SnapshotPersistence(SnapshotStore& store) : store_(store) {}

  // Reads the channel from the store and (re)starts its mirror.
  Result<ChannelSnapshot> LoadChannel(const ChannelId& channel) override;
  // Folds `delta` into the mirror and writes it (see above). A channel this
  // adapter has not loaded is loaded first, so that the meta it saves is
  // complete.
  Status Commit(const ChannelId& channel, const ChannelDelta& delta) override;
  // Drops the channel from the store; forgets the mirror once that worked.
  Status DropChannel(const ChannelId& channel) override;

  // The mirrored meta of a loaded channel (what the next save would write),
  // or nullopt when the channel is not loaded.
  std::optional<ChannelMeta> Mirrored(const ChannelId& channel) const;

 private:
  struct Mirror {
    std::uint64_t lamport = 0;
    std::map<MessageId, OutgoingEntry> outgoing;
    std::map<MessageId, IncomingEntry> incoming;
    std::map<MessageId, OutgoingRepairEntry> outgoing_repair;
    std::map<MessageId, IncomingRepairEntry> incoming_repair;
    std::map<MessageId, std::uint64_t> met;  // id -> arrival rank
    std::uint64_t next_met_rank = 0;
    // The store's meta lags behind the mirror (a change not saved yet).
    bool meta_unsaved = false;
    // Log changes the store took since the last Commit that succeeded (the
    // engine sends them again after a failed one): id -> seq appended, or
    // nullopt for an eviction.
    std::map<MessageId, std::optional<std::uint64_t>> history_written;

    static Mirror Of(const ChannelSnapshot& snapshot);
    // Folds the non-log part of `delta` in; true when something changed.
    bool Apply(const ChannelDelta& delta);
    ChannelMeta Meta() const;
  };

  Result<Mirror*> MirrorFor(const ChannelId& channel);

  SnapshotStore& store_;
  std::map<ChannelId, Mirror> mirrors_;
};

}  // namespace sds
