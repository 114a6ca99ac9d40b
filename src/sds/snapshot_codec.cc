#include "sds/snapshot_codec.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "sds/dialect.h"
#include "sds_snapshot.pb.h"

namespace sds {
namespace {

namespace pb = ::sds::wire::snapshot;

// ---- errors and byte helpers ---------------------------------------------------

std::unexpected<Error> DecodeError(std::string message) {
  return MakeError(ErrorKind::kDeserializationError, "snapshot codec: " + std::move(message));
}

std::unexpected<Error> EncodeError(std::string message) {
  return MakeError(ErrorKind::kSerializationError, "snapshot codec: " + std::move(message));
}

// Re-labels an error from a nested codec, keeping its kind.
std::unexpected<Error> Nested(const Error& error, std::string_view context) {
  return std::unexpected(Error{error.kind, std::string(context) + ": " + error.message});
}

ByteView View(const std::string& s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

void Assign(std::string* out, ByteView bytes) {
  out->assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Bytes ToBytes(const std::string& s) {
  const auto* begin = reinterpret_cast<const std::uint8_t*>(s.data());
  return Bytes(begin, begin + s.size());
}

// ---- limits: a walk over the input before protobuf allocates -------------------
//
// Counts items (records, ids, and the causal-history / repair-request entries of
// each embedded SdsMessage) against a budget, and refuses malformed protobuf on
// the way. Counts are upper bounds: every occurrence of a field counts, also
// those protobuf would merge or keep as unknown.

// SdsMessage (nim dialect) fields that allocate one HistoryEntry each.
constexpr std::uint32_t kMessageCausalHistory = 3;
constexpr std::uint32_t kMessageRepairRequest = 13;

struct Budget {
  std::size_t left = 0;
  std::string error;  // the first failure

  bool Take(std::size_t n) {
    if (n > left) return Fail("more than the allowed number of items");
    left -= n;
    return true;
  }
  bool Fail(std::string why) {
    if (error.empty()) error = std::move(why);
    left = 0;
    return false;
  }
};

using ScanFn = bool (*)(ByteView, Budget&);

// Calls on_field(field) for each top-level field of `bytes`; false when it
// does, or when the bytes are malformed.
template <class OnField>
bool Walk(ByteView bytes, Budget& budget, std::string_view what, OnField&& on_field) {
  wire::FieldReader reader(bytes);
  wire::Field field;
  while (reader.Next(field)) {
    if (!on_field(field)) return false;
  }
  if (reader.failed()) {
    return budget.Fail("malformed " + std::string(what) + " at byte " +
                       std::to_string(reader.offset()) + ": " + std::string(reader.error()));
  }
  return true;
}

bool IsLen(const wire::Field& f) { return f.wire_type == wire::kLengthDelimited; }

bool ScanMessage(ByteView bytes, Budget& budget) {
  if (!budget.Take(1)) return false;
  return Walk(bytes, budget, "embedded message", [&](const wire::Field& f) {
    if (IsLen(f) && (f.number == kMessageCausalHistory || f.number == kMessageRepairRequest)) {
      return budget.Take(1);
    }
    return true;
  });
}

bool ScanUnacked(ByteView bytes, Budget& budget) {
  if (!budget.Take(1)) return false;
  return Walk(bytes, budget, "outgoing entry", [&](const wire::Field& f) {
    if (IsLen(f) && f.number == 1) return ScanMessage(f.payload, budget);
    return true;
  });
}

bool ScanIncoming(ByteView bytes, Budget& budget) {
  if (!budget.Take(1)) return false;
  return Walk(bytes, budget, "incoming entry", [&](const wire::Field& f) {
    if (IsLen(f) && f.number == 1) return ScanMessage(f.payload, budget);
    if (f.number == 2) return budget.Take(1);
    return true;
  });
}

// A repair entry or repair key-value: fixed shape, one item.
bool ScanRepair(ByteView bytes, Budget& budget) {
  if (!budget.Take(1)) return false;
  return Walk(bytes, budget, "repair entry", [](const wire::Field&) { return true; });
}

bool ScanMeta(ByteView bytes, Budget& budget) {
  if (!budget.Take(1)) return false;
  return Walk(bytes, budget, "channel meta", [&](const wire::Field& f) {
    if (!IsLen(f)) return true;
    switch (f.number) {
      case 3: return ScanUnacked(f.payload, budget);
      case 4: return ScanIncoming(f.payload, budget);
      case 5:
      case 6: return ScanRepair(f.payload, budget);
      case 15: return budget.Take(1);
      default: return true;
    }
  });
}

bool ScanChannelData(ByteView bytes, Budget& budget) {
  return Walk(bytes, budget, "channel data", [&](const wire::Field& f) {
    if (f.number == 15) {
      if (f.wire_type == wire::kVarint) return budget.Take(1);
      if (!IsLen(f)) return true;
      // Packed varints: one ends at each byte without the continuation bit.
      std::size_t values = 0;
      for (std::uint8_t b : f.payload) values += (b & 0x80) == 0 ? 1 : 0;
      return budget.Take(values);
    }
    if (!IsLen(f)) return true;
    if (f.number == 1) return ScanMeta(f.payload, budget);
    if (f.number == 2) return ScanMessage(f.payload, budget);
    return true;
  });
}

bool ScanHistoryUpdate(ByteView bytes, Budget& budget) {
  return Walk(bytes, budget, "history update", [&](const wire::Field& f) {
    if (IsLen(f) && f.number == 1) return ScanMessage(f.payload, budget);
    if (f.number == 2) return budget.Take(1);
    return true;
  });
}

bool ScanLogged(ByteView bytes, Budget& budget) {
  return Walk(bytes, budget, "log record", [&](const wire::Field& f) {
    if (IsLen(f) && f.number == 1) return ScanMessage(f.payload, budget);
    return true;
  });
}

struct Limits {
  std::size_t max_bytes;
  std::size_t max_items;
};
constexpr Limits kSnapshotLimits{kMaxSnapshotBytes, kMaxSnapshotItems};
constexpr Limits kRecordLimits{kMaxSnapshotRecordBytes, kMaxSnapshotRecordItems};

// Checks `bytes` against the limits; the reason when refused, "" otherwise.
std::string CheckLimits(ByteView bytes, Limits limits, ScanFn scan) {
  if (bytes.size() > limits.max_bytes) {
    return std::to_string(bytes.size()) + " bytes exceed the limit of " +
           std::to_string(limits.max_bytes);
  }
  Budget budget{limits.max_items, {}};
  if (!scan(bytes, budget)) {
    return budget.error.empty() ? std::string("refused") : budget.error;
  }
  return {};
}

template <class Proto>
Result<Bytes> Serialize(const Proto& proto, Limits limits, ScanFn scan, std::string_view what) {
  const std::size_t size = proto.ByteSizeLong();
  if (size > limits.max_bytes) {
    return EncodeError(std::string(what) + " of " + std::to_string(size) +
                       " bytes exceeds the limit of " + std::to_string(limits.max_bytes));
  }
  Bytes out(size);
  if (!proto.SerializeToArray(out.data(), static_cast<int>(size))) {
    return EncodeError(std::string(what) + ": serialization failed");
  }
  // Never write what the decoder would refuse for size.
  if (std::string why = CheckLimits(out, limits, scan); !why.empty()) {
    return EncodeError(std::string(what) + ": " + why);
  }
  return out;
}

template <class Proto>
Result<Proto> Parse(ByteView bytes, Limits limits, ScanFn scan, std::string_view what) {
  if (std::string why = CheckLimits(bytes, limits, scan); !why.empty()) {
    return DecodeError(std::string(what) + ": " + why);
  }
  static constexpr std::uint8_t kNothing = 0;
  const void* data = bytes.empty() ? &kNothing : static_cast<const void*>(bytes.data());
  Proto out;
  if (!out.ParseFromArray(data, static_cast<int>(bytes.size()))) {
    return DecodeError(std::string(what) + " does not parse");
  }
  return out;
}

// A single record: parsed under the record limits, then checked and converted
// by `read`.
template <class Proto, class Read>
std::invoke_result_t<Read, const Proto&> DecodeRecord(ByteView bytes, ScanFn scan,
                                                      std::string_view what, Read read) {
  const auto in = Parse<Proto>(bytes, kRecordLimits, scan, what);
  if (!in) return std::unexpected(in.error());
  return read(*in);
}

// ---- messages ---------------------------------------------------------------

// The nim encoding of a stored message: without its bloom filter.
Status EncodeStored(const Message& message, std::string* out) {
  Result<Bytes> bytes;
  if (message.bloom_filter) {
    Message bare = message;
    bare.bloom_filter.reset();
    bytes = EncodeNim(bare);
  } else {
    bytes = EncodeNim(message);
  }
  if (!bytes) return Nested(bytes.error(), "snapshot codec: message '" + message.message_id + "'");
  Assign(out, *bytes);
  return {};
}

Result<Message> DecodeStored(const std::string& bytes, std::string_view what) {
  Result<Message> message = DecodeNim(View(bytes));
  if (!message) return Nested(message.error(), "snapshot codec: " + std::string(what));
  message->bloom_filter.reset();  // stored messages carry none
  return message;
}

// ---- records: model -> proto ------------------------------------------------

void FillHistoryEntry(const HistoryEntry& entry, pb::SnapshotHistoryEntry* out) {
  out->set_message_id(entry.message_id);  // always, like nim-sds
  if (!entry.retrieval_hint.empty()) Assign(out->mutable_retrieval_hint(), entry.retrieval_hint);
  if (!entry.sender_id.empty()) out->set_sender_id(entry.sender_id);
}

Status FillUnacked(const OutgoingEntry& record, pb::UnackedMessage* out) {
  if (auto st = EncodeStored(record.message, out->mutable_message()); !st) return st;
  out->set_send_time_ms(record.send_time_ms);
  out->set_resend_attempts(record.resend_attempts);
  out->set_seq(record.seq);
  out->set_possible_acks(record.possible_acks);
  return {};
}

Status FillIncoming(const IncomingEntry& record, pb::IncomingMessage* out) {
  if (auto st = EncodeStored(record.message, out->mutable_message()); !st) return st;
  out->mutable_missing()->Reserve(static_cast<int>(record.missing.size()));
  for (const MessageId& id : record.missing) out->add_missing(id);
  out->set_received_at_ms(record.received_at_ms);
  return {};
}

void FillOutRepair(const OutgoingRepairEntry& record, pb::OutgoingRepairEntry* out) {
  FillHistoryEntry(record.entry, out->mutable_entry());
  out->set_t_req_ms(record.t_req_ms);
}

// `cached`: the nim encoding of the message, or null (an empty field then;
// nim-sds requires the field).
void FillInRepair(const IncomingRepairEntry& record, const std::string* cached,
                  pb::IncomingRepairEntry* out) {
  FillHistoryEntry(record.entry, out->mutable_entry());
  if (cached != nullptr) {
    out->set_cached_message(*cached);
  } else {
    out->mutable_cached_message();
  }
  out->set_t_resp_ms(record.t_resp_ms);
}

// ---- records: proto -> model ------------------------------------------------

Result<HistoryEntry> ReadHistoryEntry(const pb::SnapshotHistoryEntry& in, std::string_view what) {
  if (in.message_id().empty()) return DecodeError(std::string(what) + " without a message id");
  return HistoryEntry{in.message_id(), ToBytes(in.retrieval_hint()), in.sender_id()};
}

Result<LoggedMessage> ReadLogged(const pb::LoggedMessage& in) {
  if (!in.has_message()) return DecodeError("log record without a message");
  auto message = DecodeStored(in.message(), "log record");
  if (!message) return std::unexpected(std::move(message.error()));
  return LoggedMessage{in.seq(), std::move(*message)};
}

// `has_seq` tells whether the record carried this engine's seq.
Result<OutgoingEntry> ReadUnacked(const pb::UnackedMessage& in, bool* has_seq) {
  if (!in.has_message()) return DecodeError("outgoing entry without a message");
  if (!in.has_send_time_ms()) return DecodeError("outgoing entry without a send time");
  auto message = DecodeStored(in.message(), "outgoing entry");
  if (!message) return std::unexpected(std::move(message.error()));
  OutgoingEntry out;
  out.seq = in.seq();
  out.message = std::move(*message);
  out.send_time_ms = in.send_time_ms();
  out.resend_attempts = in.resend_attempts();
  out.possible_acks = in.possible_acks();
  if (has_seq != nullptr) *has_seq = in.has_seq();
  return out;
}

Result<IncomingEntry> ReadIncoming(const pb::IncomingMessage& in) {
  if (!in.has_message()) return DecodeError("incoming entry without a message");
  auto message = DecodeStored(in.message(), "incoming entry");
  if (!message) return std::unexpected(std::move(message.error()));
  IncomingEntry out;
  out.message = std::move(*message);
  out.missing.assign(in.missing().begin(), in.missing().end());
  // nim-sds keeps a set and writes it in hash order; ours is sorted.
  std::ranges::sort(out.missing);
  const auto dups = std::ranges::unique(out.missing);
  out.missing.erase(dups.begin(), dups.end());
  out.received_at_ms = in.received_at_ms();
  return out;
}

Result<OutgoingRepairEntry> ReadOutRepair(const pb::OutgoingRepairEntry& in) {
  if (!in.has_entry()) return DecodeError("outgoing repair entry without a history entry");
  if (!in.has_t_req_ms()) return DecodeError("outgoing repair entry without t_req");
  auto entry = ReadHistoryEntry(in.entry(), "outgoing repair entry");
  if (!entry) return std::unexpected(std::move(entry.error()));
  return OutgoingRepairEntry{std::move(*entry), in.t_req_ms()};
}

Result<IncomingRepairEntry> ReadInRepair(const pb::IncomingRepairEntry& in) {
  if (!in.has_entry()) return DecodeError("incoming repair entry without a history entry");
  if (!in.has_t_resp_ms()) return DecodeError("incoming repair entry without t_resp");
  auto entry = ReadHistoryEntry(in.entry(), "incoming repair entry");
  if (!entry) return std::unexpected(std::move(entry.error()));
  // cached_message is not read: the engine re-encodes from its log.
  return IncomingRepairEntry{std::move(*entry), in.t_resp_ms()};
}

// A repair buffer row {1 id, 2 entry}: both required, and the id must be the
// entry's own.
template <class KV, class Read>
auto ReadKeyed(const KV& kv, Read read, std::string_view what) -> decltype(read(kv.entry())) {
  if (!kv.has_message_id()) return DecodeError(std::string(what) + " without a key id");
  if (!kv.has_entry()) return DecodeError(std::string(what) + " without an entry");
  auto record = read(kv.entry());
  if (!record) return record;
  if (kv.message_id() != record->entry.message_id) {
    return DecodeError(std::string(what) + " keyed by another id than its history entry's");
  }
  return record;
}

// Reads every row with `read` into `out`, in order; the first refusal stops it.
template <class Rows, class Read, class Record>
Status ReadAll(const Rows& rows, Read read, std::vector<Record>& out) {
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (const auto& row : rows) {
    Result<Record> record = read(row);
    if (!record) return std::unexpected(std::move(record.error()));
    out.push_back(std::move(*record));
  }
  return {};
}

// ---- snapshot checks -----------------------------------------------------------

template <class Records, class IdOf>
Status RefuseDuplicateIds(const Records& records, IdOf id_of, std::string_view what) {
  std::unordered_set<std::string_view> seen;
  seen.reserve(records.size());
  for (const auto& record : records) {
    if (!seen.insert(std::string_view(id_of(record))).second) {
      return DecodeError("duplicate id in " + std::string(what));
    }
  }
  return {};
}

template <class Records>
Status RefuseDuplicateSeqs(const Records& records, std::string_view what) {
  std::unordered_set<std::uint64_t> seen;
  seen.reserve(records.size());
  for (const auto& record : records) {
    if (!seen.insert(record.seq).second) return DecodeError("duplicate seq in " + std::string(what));
  }
  return {};
}

}  // namespace

// ---- whole channel -----------------------------------------------------------

Result<Bytes> EncodeChannelSnapshot(const ChannelSnapshot& snapshot) {
  pb::ChannelData data;
  pb::ChannelMeta* meta = data.mutable_meta();
  meta->set_schema_version(kSnapshotSchemaVersion);
  meta->set_lamport_timestamp(snapshot.lamport);

  // Fails early, before building a huge message only to refuse it.
  std::size_t message_bytes = 0;
  auto count = [&](const std::string& encoded) -> Status {
    message_bytes += encoded.size();
    if (message_bytes > kMaxSnapshotBytes) {
      return EncodeError("channel snapshot exceeds the limit of " +
                         std::to_string(kMaxSnapshotBytes) + " bytes");
    }
    return {};
  };

  // The log, and where each id's encoding is (for the cached messages).
  std::unordered_map<std::string_view, int> log_index;
  log_index.reserve(snapshot.log.size());
  data.mutable_message_history()->Reserve(static_cast<int>(snapshot.log.size()));
  data.mutable_log_seq()->Reserve(static_cast<int>(snapshot.log.size()));
  for (const LoggedMessage& logged : snapshot.log) {
    std::string* encoded = data.add_message_history();
    if (auto st = EncodeStored(logged.message, encoded); !st) return std::unexpected(st.error());
    if (auto st = count(*encoded); !st) return std::unexpected(st.error());
    data.add_log_seq(logged.seq);
    log_index.emplace(logged.message.message_id, data.message_history_size() - 1);
  }

  meta->mutable_outgoing()->Reserve(static_cast<int>(snapshot.outgoing.size()));
  for (const OutgoingEntry& entry : snapshot.outgoing) {
    pb::UnackedMessage* out = meta->add_outgoing();
    if (auto st = FillUnacked(entry, out); !st) return std::unexpected(st.error());
    if (auto st = count(out->message()); !st) return std::unexpected(st.error());
  }
  meta->mutable_incoming()->Reserve(static_cast<int>(snapshot.incoming.size()));
  for (const IncomingEntry& entry : snapshot.incoming) {
    pb::IncomingMessage* out = meta->add_incoming();
    if (auto st = FillIncoming(entry, out); !st) return std::unexpected(st.error());
    if (auto st = count(out->message()); !st) return std::unexpected(st.error());
  }
  meta->mutable_outgoing_repair()->Reserve(static_cast<int>(snapshot.outgoing_repair.size()));
  for (const OutgoingRepairEntry& entry : snapshot.outgoing_repair) {
    pb::OutgoingRepairKV* kv = meta->add_outgoing_repair();
    kv->set_message_id(entry.entry.message_id);
    FillOutRepair(entry, kv->mutable_entry());
  }
  meta->mutable_incoming_repair()->Reserve(static_cast<int>(snapshot.incoming_repair.size()));
  for (const IncomingRepairEntry& entry : snapshot.incoming_repair) {
    pb::IncomingRepairKV* kv = meta->add_incoming_repair();
    kv->set_message_id(entry.entry.message_id);
    const auto found = log_index.find(entry.entry.message_id);
    const std::string* cached =
        found == log_index.end() ? nullptr : &data.message_history(found->second);
    FillInRepair(entry, cached, kv->mutable_entry());
    if (cached != nullptr) {
      if (auto st = count(*cached); !st) return std::unexpected(st.error());
    }
  }
  meta->mutable_met()->Reserve(static_cast<int>(snapshot.met.size()));
  for (const MessageId& id : snapshot.met) meta->add_met(id);

  return Serialize(data, kSnapshotLimits, ScanChannelData, "channel snapshot");
}

Result<ChannelSnapshot> DecodeChannelSnapshot(ByteView bytes) {
  const auto parsed =
      Parse<pb::ChannelData>(bytes, kSnapshotLimits, ScanChannelData, "channel snapshot");
  if (!parsed) return std::unexpected(parsed.error());
  const pb::ChannelData& data = *parsed;
  if (!data.has_meta()) return DecodeError("channel data without meta");
  const pb::ChannelMeta& meta = data.meta();
  if (!meta.has_schema_version()) return DecodeError("channel meta without a schema version");
  if (meta.schema_version() != kSnapshotSchemaVersion) {
    return DecodeError("unsupported schema version " + std::to_string(meta.schema_version()) +
                       " (expected " + std::to_string(kSnapshotSchemaVersion) + ")");
  }
  if (!meta.has_lamport_timestamp()) return DecodeError("channel meta without a lamport timestamp");

  const bool log_has_seq = data.log_seq_size() > 0;
  if (log_has_seq && data.log_seq_size() != data.message_history_size()) {
    return DecodeError(std::to_string(data.log_seq_size()) + " log seqs for " +
                       std::to_string(data.message_history_size()) + " logged messages");
  }

  ChannelSnapshot snapshot;
  snapshot.lamport = meta.lamport_timestamp();

  std::uint64_t max_seq = 0;
  snapshot.log.reserve(static_cast<std::size_t>(data.message_history_size()));
  for (int i = 0; i < data.message_history_size(); ++i) {
    auto message = DecodeStored(data.message_history(i), "logged message");
    if (!message) return std::unexpected(std::move(message.error()));
    const std::uint64_t seq = log_has_seq ? data.log_seq(i) : 0;
    if (log_has_seq) max_seq = std::max(max_seq, seq);
    snapshot.log.push_back(LoggedMessage{seq, std::move(*message)});
  }

  std::vector<bool> outgoing_has_seq;
  snapshot.outgoing.reserve(static_cast<std::size_t>(meta.outgoing_size()));
  outgoing_has_seq.reserve(static_cast<std::size_t>(meta.outgoing_size()));
  for (const pb::UnackedMessage& in : meta.outgoing()) {
    bool has_seq = false;
    auto entry = ReadUnacked(in, &has_seq);
    if (!entry) return std::unexpected(std::move(entry.error()));
    if (has_seq) max_seq = std::max(max_seq, entry->seq);
    outgoing_has_seq.push_back(has_seq);
    snapshot.outgoing.push_back(std::move(*entry));
  }

  // Records without a seq (nim-sds data) are numbered after every seq seen:
  // the log first, then the outgoing buffer, each in order.
  std::uint64_t next_seq = max_seq + 1;
  if (!log_has_seq) {
    for (LoggedMessage& logged : snapshot.log) logged.seq = next_seq++;
  }
  for (std::size_t i = 0; i < snapshot.outgoing.size(); ++i) {
    if (!outgoing_has_seq[i]) snapshot.outgoing[i].seq = next_seq++;
  }

  const auto read_out_repair = [](const pb::OutgoingRepairKV& kv) {
    return ReadKeyed(kv, ReadOutRepair, "outgoing repair entry");
  };
  const auto read_in_repair = [](const pb::IncomingRepairKV& kv) {
    return ReadKeyed(kv, ReadInRepair, "incoming repair entry");
  };
  if (auto st = ReadAll(meta.incoming(), ReadIncoming, snapshot.incoming); !st) {
    return std::unexpected(st.error());
  }
  if (auto st = ReadAll(meta.outgoing_repair(), read_out_repair, snapshot.outgoing_repair); !st) {
    return std::unexpected(st.error());
  }
  if (auto st = ReadAll(meta.incoming_repair(), read_in_repair, snapshot.incoming_repair); !st) {
    return std::unexpected(st.error());
  }

  snapshot.met.assign(meta.met().begin(), meta.met().end());

  // The engine indexes every list by id (and the log / outgoing buffer by
  // seq); a duplicate would corrupt those indexes.
  const auto message_id = [](const auto& r) -> const MessageId& { return r.message.message_id; };
  const auto entry_id = [](const auto& r) -> const MessageId& { return r.entry.message_id; };
  const auto self = [](const MessageId& id) -> const MessageId& { return id; };
  for (const Status& st : {RefuseDuplicateIds(snapshot.log, message_id, "log"),
                           RefuseDuplicateIds(snapshot.outgoing, message_id, "outgoing buffer"),
                           RefuseDuplicateIds(snapshot.incoming, message_id, "incoming buffer"),
                           RefuseDuplicateIds(snapshot.outgoing_repair, entry_id,
                                              "outgoing repair buffer"),
                           RefuseDuplicateIds(snapshot.incoming_repair, entry_id,
                                              "incoming repair buffer"),
                           RefuseDuplicateIds(snapshot.met, self, "met ids"),
                           RefuseDuplicateSeqs(snapshot.log, "log"),
                           RefuseDuplicateSeqs(snapshot.outgoing, "outgoing buffer")}) {
    if (!st) return std::unexpected(st.error());
  }
  return snapshot;
}

// ---- single records ------------------------------------------------------------

Result<Bytes> EncodeLoggedMessage(const LoggedMessage& record) {
  pb::LoggedMessage out;
  if (auto st = EncodeStored(record.message, out.mutable_message()); !st) {
    return std::unexpected(st.error());
  }
  out.set_seq(record.seq);
  return Serialize(out, kRecordLimits, ScanLogged, "log record");
}

Result<LoggedMessage> DecodeLoggedMessage(ByteView bytes) {
  return DecodeRecord<pb::LoggedMessage>(bytes, ScanLogged, "log record", ReadLogged);
}

Result<Bytes> EncodeOutgoingEntry(const OutgoingEntry& record) {
  pb::UnackedMessage out;
  if (auto st = FillUnacked(record, &out); !st) return std::unexpected(st.error());
  return Serialize(out, kRecordLimits, ScanUnacked, "outgoing entry");
}

Result<OutgoingEntry> DecodeOutgoingEntry(ByteView bytes) {
  const auto read = [](const pb::UnackedMessage& in) { return ReadUnacked(in, nullptr); };
  return DecodeRecord<pb::UnackedMessage>(bytes, ScanUnacked, "outgoing entry", read);
}

Result<Bytes> EncodeIncomingEntry(const IncomingEntry& record) {
  pb::IncomingMessage out;
  if (auto st = FillIncoming(record, &out); !st) return std::unexpected(st.error());
  return Serialize(out, kRecordLimits, ScanIncoming, "incoming entry");
}

Result<IncomingEntry> DecodeIncomingEntry(ByteView bytes) {
  return DecodeRecord<pb::IncomingMessage>(bytes, ScanIncoming, "incoming entry", ReadIncoming);
}

Result<Bytes> EncodeOutgoingRepairEntry(const OutgoingRepairEntry& record) {
  pb::OutgoingRepairEntry out;
  FillOutRepair(record, &out);
  return Serialize(out, kRecordLimits, ScanRepair, "outgoing repair entry");
}

Result<OutgoingRepairEntry> DecodeOutgoingRepairEntry(ByteView bytes) {
  return DecodeRecord<pb::OutgoingRepairEntry>(bytes, ScanRepair, "outgoing repair entry",
                                               ReadOutRepair);
}

Result<Bytes> EncodeIncomingRepairEntry(const IncomingRepairEntry& record) {
  pb::IncomingRepairEntry out;
  FillInRepair(record, nullptr, &out);
  return Serialize(out, kRecordLimits, ScanRepair, "incoming repair entry");
}

Result<IncomingRepairEntry> DecodeIncomingRepairEntry(ByteView bytes) {
  return DecodeRecord<pb::IncomingRepairEntry>(bytes, ScanRepair, "incoming repair entry",
                                               ReadInRepair);
}

// ---- history update --------------------------------------------------------------

Result<Bytes> EncodeHistoryUpdate(const HistoryUpdate& update) {
  pb::HistoryUpdate out;
  std::size_t message_bytes = 0;
  out.mutable_append()->Reserve(static_cast<int>(update.append.size()));
  for (const Message& message : update.append) {
    std::string* encoded = out.add_append();
    if (auto st = EncodeStored(message, encoded); !st) return std::unexpected(st.error());
    message_bytes += encoded->size();
    if (message_bytes > kMaxSnapshotBytes) {
      return EncodeError("history update exceeds the limit of " +
                         std::to_string(kMaxSnapshotBytes) + " bytes");
    }
  }
  out.mutable_evict()->Reserve(static_cast<int>(update.evict.size()));
  for (const MessageId& id : update.evict) out.add_evict(id);
  return Serialize(out, kSnapshotLimits, ScanHistoryUpdate, "history update");
}

Result<HistoryUpdate> DecodeHistoryUpdate(ByteView bytes) {
  const auto in =
      Parse<pb::HistoryUpdate>(bytes, kSnapshotLimits, ScanHistoryUpdate, "history update");
  if (!in) return std::unexpected(in.error());
  HistoryUpdate update;
  const auto read = [](const std::string& m) { return DecodeStored(m, "appended message"); };
  if (auto st = ReadAll(in->append(), read, update.append); !st) return std::unexpected(st.error());
  update.evict.assign(in->evict().begin(), in->evict().end());
  return update;
}

}  // namespace sds
