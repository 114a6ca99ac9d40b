// Key encoding, key decoding and prefix bounds:
//   - the order-preserving encoding (src/persistency/encoding.h): byte order
//     of two encoded keys equals the order of their part tuples (strings by
//     length first), and equal keys come only from equal tuples;
//   - PrefixRange (src/persistency/key.h): a key lies in the range exactly
//     when it starts with the prefix;
//   - record keys (src/channels/channel_layout.h): RecordId inverts
//     RecordKey, and whatever RecordId accepts re-encodes to the same key;
//   - the sds.meta / sds.met payload decoders accept only what the encoders
//     write.
#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "channels/channel_layout.h"
#include "fuzz_check.h"
#include "persistency/encoding.h"
#include "persistency/key.h"

namespace {

using persistency::Bytes;
using persistency::Key;
using Part = std::variant<std::string, std::int64_t, std::uint64_t, std::int32_t, bool, std::uint8_t>;

Part ConsumePart(FuzzedDataProvider& provider, std::size_t type) {
  switch (type) {
    case 0: return provider.ConsumeRandomLengthString(24);
    case 1: return provider.ConsumeIntegral<std::int64_t>();
    case 2: return provider.ConsumeIntegral<std::uint64_t>();
    case 3: return provider.ConsumeIntegral<std::int32_t>();
    case 4: return provider.ConsumeBool();
    default: return provider.ConsumeIntegral<std::uint8_t>();
  }
}

// The order the encoding promises: strings by length, then bytes (unsigned).
std::strong_ordering ComparePart(const Part& a, const Part& b) {
  if (const auto* text = std::get_if<std::string>(&a)) {
    const auto& other = std::get<std::string>(b);
    if (text->size() != other.size()) return text->size() <=> other.size();
    return std::lexicographical_compare_three_way(
        text->begin(), text->end(), other.begin(), other.end(), [](char x, char y) {
          return static_cast<unsigned char>(x) <=> static_cast<unsigned char>(y);
        });
  }
  return a <=> b;
}

Key Encode(const std::vector<Part>& parts) {
  Key key;
  for (const Part& part : parts) {
    const bool fits = std::visit(
        [&key](const auto& value) { return persistency::AppendPart(key.mutable_bytes(), value); },
        part);
    FUZZ_CHECK(fits);
  }
  return key;
}

void CheckOrder(FuzzedDataProvider& provider) {
  const std::size_t count = provider.ConsumeIntegralInRange<std::size_t>(1, 4);
  std::vector<Part> a, b;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t type = provider.ConsumeIntegralInRange<std::size_t>(0, 5);
    a.push_back(ConsumePart(provider, type));
    // Often the same value, so that later parts decide the order.
    b.push_back(provider.ConsumeBool() ? a.back() : ConsumePart(provider, type));
  }
  std::strong_ordering expected = std::strong_ordering::equal;
  for (std::size_t i = 0; i < count && expected == 0; ++i) expected = ComparePart(a[i], b[i]);
  FUZZ_CHECK((Encode(a) <=> Encode(b)) == expected);
}

bool StartsWith(const Key& key, const Key& prefix) {
  return key.size() >= prefix.size() &&
         std::equal(prefix.bytes().begin(), prefix.bytes().end(), key.bytes().begin());
}

void CheckPrefixRange(FuzzedDataProvider& provider) {
  // Bytes near the edges (0x00, 0xff) are where prefix bounds go wrong.
  auto consume_key = [&provider] {
    static constexpr std::uint8_t kAlphabet[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
    Bytes bytes(provider.ConsumeIntegralInRange<std::size_t>(0, 6));
    for (auto& byte : bytes) byte = provider.PickValueInArray(kAlphabet);
    return Key::Raw(std::move(bytes));
  };
  const Key prefix = consume_key();
  const persistency::KeyRange range = persistency::PrefixRange(prefix);
  FUZZ_CHECK(range.start == prefix);
  const bool all_ff = std::ranges::all_of(prefix.bytes(), [](std::uint8_t b) { return b == 0xff; });
  FUZZ_CHECK(range.open_ended() == all_ff);
  if (!range.open_ended()) {
    FUZZ_CHECK(range.start < range.stop);
    FUZZ_CHECK(!range.Contains(range.stop));
  }
  FUZZ_CHECK(range.Contains(prefix));
  for (int i = 0; i < 8 && provider.remaining_bytes() > 0; ++i) {
    const Key key = consume_key();
    FUZZ_CHECK(range.Contains(key) == StartsWith(key, prefix), key.ToHex());
  }
}

void CheckRecordKeys(FuzzedDataProvider& provider) {
  const std::string channel = provider.ConsumeRandomLengthString(16);
  const std::string id = provider.ConsumeRandomLengthString(16);
  auto channel_key = channels::ChannelKey(channel);
  FUZZ_CHECK(channel_key.has_value());
  auto record_key = channels::RecordKey(*channel_key, id);
  FUZZ_CHECK(record_key.has_value());
  auto decoded = channels::RecordId(*channel_key, *record_key);
  FUZZ_CHECK(decoded.has_value() && *decoded == id);

  // Arbitrary bytes read back as a record key of that channel.
  const std::string raw = provider.ConsumeRandomLengthString(40);
  Bytes bytes = channel_key->bytes();
  if (provider.ConsumeBool()) bytes.clear();  // sometimes not under the channel at all
  bytes.insert(bytes.end(), raw.begin(), raw.end());
  const Key arbitrary = Key::Raw(std::move(bytes));
  auto arbitrary_id = channels::RecordId(*channel_key, arbitrary);
  if (!arbitrary_id) {
    FUZZ_CHECK(arbitrary_id.error().kind == sds::ErrorKind::kDeserializationError);
    return;
  }
  auto rebuilt = channels::RecordKey(*channel_key, *arbitrary_id);
  FUZZ_CHECK(rebuilt.has_value() && *rebuilt == arbitrary);
}

void CheckPayloads(FuzzedDataProvider& provider) {
  const std::uint64_t value = provider.ConsumeIntegral<std::uint64_t>();
  FUZZ_CHECK(channels::DecodeMetaPayload(channels::MetaPayload(value)) == value);
  FUZZ_CHECK(channels::DecodeMetPayload(channels::MetPayload(value)) == value);
  const std::string raw = provider.ConsumeRandomLengthString(12);
  const Bytes bytes(raw.begin(), raw.end());
  if (auto meta = channels::DecodeMetaPayload(bytes)) {
    FUZZ_CHECK(channels::MetaPayload(*meta) == bytes);
  } else {
    FUZZ_CHECK(meta.error().kind == sds::ErrorKind::kDeserializationError);
  }
  if (auto met = channels::DecodeMetPayload(bytes)) {
    FUZZ_CHECK(channels::MetPayload(*met) == bytes);
  } else {
    FUZZ_CHECK(met.error().kind == sds::ErrorKind::kDeserializationError);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider provider(data, size);
  while (provider.remaining_bytes() > 0) {
    switch (provider.ConsumeIntegralInRange<int>(0, 3)) {
      case 0: CheckOrder(provider); break;
      case 1: CheckPrefixRange(provider); break;
      case 2: CheckRecordKeys(provider); break;
      default: CheckPayloads(provider); break;
    }
  }
  return 0;
}
