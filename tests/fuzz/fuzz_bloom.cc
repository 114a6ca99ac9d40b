// Received bloom filters: the nim envelope (DecodeBloomEnvelope), the spec
// field 12 words (DecodeSpecBloom), and the validation both rely on
// (BloomFilter::FromParts) against a model of its documented rules.
// The first input byte picks one of the three; the rest is its input.
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_check.h"
#include "sds/bloom_filter.h"
#include "sds/nim_codec.h"
#include "sds/spec_codec.h"
#include "wire_round_trip.h"

namespace {

using sds::BloomFilter;

// A filter that was accepted must be usable: an inserted item is found,
// under either string hash, and lookups of arbitrary items stay in bounds.
void CheckUsable(const BloomFilter& received, std::string_view probe) {
  for (sds::StringHash hash : {sds::StringHash::kFarm, sds::StringHash::kMurmur}) {
    (void)received.Contains(probe, hash);
    BloomFilter copy = received;
    copy.Insert(probe, hash);
    FUZZ_CHECK(copy.Contains(probe, hash));
    FUZZ_CHECK(copy.Contains(sds::HashItem(probe, hash)));
  }
}

void CheckEnvelope(sds::ByteView input) {
  auto filter = sds::DecodeBloomEnvelope(input);
  if (!filter) {
    FUZZ_CHECK(filter.error().kind == sds::ErrorKind::kDeserializationError,
               filter.error().ToString());
    return;
  }
  FUZZ_CHECK(std::isfinite(filter->error_rate()) && filter->error_rate() >= 0);
  auto blob = sds::EncodeBloomEnvelope(*filter);
  if (!blob) {
    // Only a rate whose millionths no longer fit in 64 bits after rounding.
    FUZZ_CHECK(blob.error().kind == sds::ErrorKind::kSerializationError);
    FUZZ_CHECK(filter->error_rate() * 1e6 >= 0x1p63, blob.error().ToString());
    return;
  }
  auto again = sds::DecodeBloomEnvelope(*blob);
  FUZZ_CHECK(again.has_value(), again.error().ToString());
  FUZZ_CHECK(fuzz::SameFilter(*filter, *again));
  CheckUsable(*filter, std::string_view(reinterpret_cast<const char*>(input.data()), input.size()));
}

// Field 12 of at least kSpecBloomBytes, built by repeating the input, so
// that short fuzz inputs reach the full size too; the length varies around
// the threshold.
void CheckSpecWords(sds::ByteView input) {
  const std::size_t length =
      sds::kSpecBloomBytes - 8 + (input.empty() ? 0 : input.front() % 24);
  sds::Bytes field(length);
  for (std::size_t i = 0; i < length && !input.empty(); ++i) field[i] = input[i % input.size()];
  auto filter = sds::DecodeSpecBloom(field);
  if (length < sds::kSpecBloomBytes) {
    FUZZ_CHECK(!filter && filter.error().kind == sds::ErrorKind::kDeserializationError);
    return;
  }
  FUZZ_CHECK(filter.has_value(), filter.error().ToString());
  FUZZ_CHECK(sds::IsSpecBloom(*filter));
  FUZZ_CHECK(filter->words().size() == sds::kSpecBloomWords);
  const sds::Bytes words = filter->WordsBigEndian();
  FUZZ_CHECK(std::equal(words.begin(), words.end(), field.begin(),
                        field.begin() + static_cast<std::ptrdiff_t>(sds::kSpecBloomBytes)));
  CheckUsable(*filter, std::string_view(reinterpret_cast<const char*>(input.data()), input.size()));
}

void CheckFromParts(sds::ByteView input) {
  FuzzedDataProvider provider(input.data(), input.size());
  const std::size_t word_count = provider.ConsumeIntegralInRange<std::size_t>(0, 4096);
  const std::uint64_t m_bits = provider.ConsumeBool()
                                   ? provider.ConsumeIntegralInRange<std::uint64_t>(0, 64 * word_count + 128)
                                   : provider.ConsumeIntegral<std::uint64_t>();
  const auto k = provider.ConsumeBool() ? provider.ConsumeIntegralInRange<std::uint32_t>(0, 70)
                                        : provider.ConsumeIntegral<std::uint32_t>();
  const auto capacity = provider.ConsumeIntegral<std::uint64_t>();
  const double error_rate = provider.ConsumeBool()
                                ? std::bit_cast<double>(provider.ConsumeIntegral<std::uint64_t>())
                                : provider.ConsumeProbability<double>();
  std::vector<std::uint64_t> words(word_count);
  for (auto& word : words) word = provider.ConsumeIntegral<std::uint64_t>();

  const bool valid = k >= 1 && k <= BloomFilter::kMaxHashes && m_bits >= 1 &&
                     m_bits <= BloomFilter::kMaxBits &&
                     word_count >= BloomFilter::WordCountFor(m_bits) && std::isfinite(error_rate) &&
                     error_rate >= 0;
  auto filter = BloomFilter::FromParts(words, capacity, error_rate, k, m_bits);
  FUZZ_CHECK(filter.has_value() == valid);
  if (!filter) {
    FUZZ_CHECK(filter.error().kind == sds::ErrorKind::kDeserializationError);
    return;
  }
  FUZZ_CHECK(filter->words() == words && filter->k() == k && filter->m_bits() == m_bits &&
             filter->capacity() == capacity);
  CheckUsable(*filter, "probe");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const sds::ByteView rest(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: CheckEnvelope(rest); break;
    case 1: CheckSpecWords(rest); break;
    default: CheckFromParts(rest); break;
  }
  return 0;
}
