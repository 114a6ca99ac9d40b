// The snapshot codec (src/sds/snapshot_codec.h). The first input byte picks
// one of its seven decoders; the rest is its input. Whatever a decoder
// accepts must encode, decode to an equal value and re-encode to the same
// bytes; everything else is refused with kDeserializationError.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "fuzz_check.h"
#include "sds/snapshot_codec.h"
#include "wire_round_trip.h"

namespace {

void CheckIncoming(const sds::IncomingEntry& entry) {
  fuzz::CheckAccepted(entry.message);
  FUZZ_CHECK(std::ranges::is_sorted(entry.missing));
  FUZZ_CHECK(std::ranges::adjacent_find(entry.missing) == entry.missing.end());
}

// Stored messages carry no filter (snapshot_codec.h).
void CheckStored(const sds::Message& message) {
  fuzz::CheckAccepted(message);
  FUZZ_CHECK(!message.bloom_filter.has_value());
}

void Check(const sds::ChannelSnapshot& snapshot) {
  for (const auto& record : snapshot.log) CheckStored(record.message);
  for (const auto& record : snapshot.outgoing) CheckStored(record.message);
  for (const auto& record : snapshot.incoming) {
    CheckStored(record.message);
    CheckIncoming(record);
  }
  for (const auto& record : snapshot.outgoing_repair) FUZZ_CHECK(!record.entry.message_id.empty());
  for (const auto& record : snapshot.incoming_repair) FUZZ_CHECK(!record.entry.message_id.empty());
}
void Check(const sds::LoggedMessage& record) { CheckStored(record.message); }
void Check(const sds::OutgoingEntry& record) { CheckStored(record.message); }
void Check(const sds::IncomingEntry& record) {
  CheckStored(record.message);
  CheckIncoming(record);
}
void Check(const sds::OutgoingRepairEntry& record) { FUZZ_CHECK(!record.entry.message_id.empty()); }
void Check(const sds::IncomingRepairEntry& record) { FUZZ_CHECK(!record.entry.message_id.empty()); }
void Check(const sds::HistoryUpdate& update) {
  for (const auto& message : update.append) CheckStored(message);
}

template <class T>
void RoundTrip(sds::ByteView input, sds::Result<T> (*decode)(sds::ByteView),
               sds::Result<sds::Bytes> (*encode)(const T&)) {
  auto first = decode(input);
  if (!first) {
    FUZZ_CHECK(first.error().kind == sds::ErrorKind::kDeserializationError,
               first.error().ToString());
    return;
  }
  Check(*first);
  auto bytes = encode(*first);
  FUZZ_CHECK(bytes.has_value(), bytes.error().ToString());
  auto second = decode(*bytes);
  FUZZ_CHECK(second.has_value(), second.error().ToString());
  FUZZ_CHECK(*second == *first);
  auto again = encode(*second);
  FUZZ_CHECK(again.has_value() && *again == *bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const sds::ByteView rest(data + 1, size - 1);
  switch (data[0] % 7) {
    case 0: RoundTrip(rest, sds::DecodeChannelSnapshot, sds::EncodeChannelSnapshot); break;
    case 1: RoundTrip(rest, sds::DecodeLoggedMessage, sds::EncodeLoggedMessage); break;
    case 2: RoundTrip(rest, sds::DecodeOutgoingEntry, sds::EncodeOutgoingEntry); break;
    case 3: RoundTrip(rest, sds::DecodeIncomingEntry, sds::EncodeIncomingEntry); break;
    case 4: RoundTrip(rest, sds::DecodeOutgoingRepairEntry, sds::EncodeOutgoingRepairEntry); break;
    case 5: RoundTrip(rest, sds::DecodeIncomingRepairEntry, sds::EncodeIncomingRepairEntry); break;
    default: RoundTrip(rest, sds::DecodeHistoryUpdate, sds::EncodeHistoryUpdate); break;
  }
  return 0;
}
