#include "sds/bloom_filter.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace sds {
namespace {

// False-positive rates of a bloom filter with k hashes and m/n bits per
// element, k = 1..12, m/n = 0..32 (Pei Cao, "Bloom Filters - the math",
// summary-cache tables; the same numbers nim-sds keeps in
// sds/private/probabilities.nim). Row k holds the rates from m/n =
// first_index up to 32; every earlier m/n counts as 1.0. Row 0 has only
// m/n = 0.
constexpr double kRowK1[] = {
    0.393, 0.283, 0.221, 0.181, 0.154, 0.133, 0.118, 0.105, 0.0952, 0.0869, 0.08, 0.074, 0.0689,
    0.0645, 0.0606, 0.0571, 0.054, 0.0513, 0.0488, 0.0465, 0.0444, 0.0425, 0.0408, 0.0392, 0.0377,
    0.0364, 0.0351, 0.0339, 0.0328, 0.0317, 0.0308
};
constexpr double kRowK2[] = {
    0.4, 0.237, 0.155, 0.109, 0.0804, 0.0618, 0.0489, 0.0397, 0.0329, 0.0276, 0.0236, 0.0203,
    0.0177, 0.0156, 0.0138, 0.0123, 0.0111, 0.00998, 0.00906, 0.00825, 0.00755, 0.00694, 0.00639,
    0.00591, 0.00548, 0.0051, 0.00475, 0.00444, 0.00416, 0.0039, 0.00367
};
constexpr double kRowK3[] = {
    0.253, 0.147, 0.092, 0.0609, 0.0423, 0.0306, 0.0228, 0.0174, 0.0136, 0.0108, 0.00875, 0.00718,
    0.00596, 0.005, 0.00423, 0.00362, 0.00312, 0.0027, 0.00236, 0.00207, 0.00183, 0.00162,
    0.00145, 0.00129, 0.00116, 0.00105, 0.000949, 0.000862, 0.000785, 0.000717
};
constexpr double kRowK4[] = {
    0.16, 0.092, 0.0561, 0.0359, 0.024, 0.0166, 0.0118, 0.00864, 0.00646, 0.00492, 0.00381, 0.003,
    0.00239, 0.00193, 0.00158, 0.0013, 0.00108, 0.000905, 0.000764, 0.000649, 0.000555, 0.000478,
    0.000413, 0.000359, 0.000314, 0.000276, 0.000243, 0.000215, 0.000191
};
constexpr double kRowK5[] = {
    0.101, 0.0578, 0.0347, 0.0217, 0.0141, 0.00943, 0.0065, 0.00459, 0.00332, 0.00244, 0.00183,
    0.00139, 0.00107, 0.000839, 0.000663, 0.00053, 0.000427, 0.000347, 0.000285, 0.000235,
    0.000196, 0.000164, 0.000138, 0.000117, 0.0000996, 0.0000853, 0.0000733, 0.0000633
};
constexpr double kRowK6[] = {
    0.0638, 0.0364, 0.0216, 0.0133, 0.00844, 0.00552, 0.00371, 0.00255, 0.00179, 0.00128,
    0.000935, 0.000692, 0.000519, 0.000394, 0.000303, 0.000236, 0.000185, 0.000147, 0.000117,
    0.0000944, 0.0000766, 0.0000626, 0.0000515, 0.0000426, 0.0000355, 0.0000297, 0.000025
};
constexpr double kRowK7[] = {
    0.0229, 0.0135, 0.00819, 0.00513, 0.00329, 0.00217, 0.00146, 0.001, 0.000702, 0.000499,
    0.00036, 0.000264, 0.000196, 0.000147, 0.000112, 0.0000856, 0.0000663, 0.0000518, 0.0000408,
    0.0000324, 0.0000259, 0.0000209, 0.0000169, 0.0000138, 0.0000113
};
constexpr double kRowK8[] = {
    0.0145, 0.00846, 0.00509, 0.00314, 0.00199, 0.00129, 0.000852, 0.000574, 0.000394, 0.000275,
    0.000194, 0.00014, 0.000101, 0.0000746, 0.0000555, 0.0000417, 0.0000316, 0.0000242, 0.0000187,
    0.0000146, 0.0000114, 0.00000901, 0.00000716, 0.00000573
};
constexpr double kRowK9[] = {
    0.00531, 0.00317, 0.00194, 0.00121, 0.000775, 0.000505, 0.000335, 0.000226, 0.000155,
    0.000108, 0.0000759, 0.0000542, 0.0000392, 0.0000286, 0.0000211, 0.0000157, 0.0000118,
    0.00000896, 0.00000685, 0.00000528, 0.0000041, 0.0000032
};
constexpr double kRowK10[] = {
    0.00334, 0.00198, 0.0012, 0.000744, 0.00047, 0.000302, 0.000198, 0.000132, 0.0000889,
    0.0000609, 0.0000423, 0.0000297, 0.0000211, 0.0000152, 0.000011, 0.00000807, 0.00000597,
    0.00000445, 0.00000335, 0.00000254, 0.00000194
};
constexpr double kRowK11[] = {
    0.0021, 0.00124, 0.000747, 0.000459, 0.000287, 0.000183, 0.000118, 0.0000777, 0.0000518,
    0.000035, 0.000024, 0.0000166, 0.0000116, 0.00000823, 0.00000589, 0.00000425, 0.0000031,
    0.00000228, 0.00000169, 0.00000126
};
constexpr double kRowK12[] = {
    0.000778, 0.000466, 0.000284, 0.000176, 0.000111, 0.0000712, 0.0000463, 0.0000305, 0.0000204,
    0.0000138, 0.00000942, 0.00000652, 0.00000456, 0.00000322, 0.00000229, 0.00000165, 0.0000012,
    0.000000874
};

constexpr int kLastBitsPerElement = 32;

struct ErrorRow {
  int first_index;
  std::span<const double> values;
};

constexpr ErrorRow kErrorTable[13] = {
    {1, {}},  // k = 0: just the 1.0 at m/n = 0 (nothing from 2 on)
    {2, kRowK1},
    {2, kRowK2},
    {3, kRowK3},
    {4, kRowK4},
    {5, kRowK5},
    {6, kRowK6},
    {8, kRowK7},
    {9, kRowK8},
    {11, kRowK9},
    {12, kRowK10},
    {13, kRowK11},
    {15, kRowK12},
};

constexpr bool RowsEndAt32() {
  for (int k = 1; k <= 12; ++k) {
    const ErrorRow& row = kErrorTable[k];
    if (row.first_index + static_cast<int>(row.values.size()) - 1 != kLastBitsPerElement) {
      return false;
    }
  }
  return true;
}
static_assert(RowsEndAt32(), "every row k >= 1 covers m/n up to 32");

// Last m/n index of row k (nim-sds's `kErrors[k].high`).
int LastIndex(int k) {
  const ErrorRow& row = kErrorTable[k];
  return row.first_index + static_cast<int>(row.values.size()) - 1;
}

double TableError(int k, int bits_per_element) {
  const ErrorRow& row = kErrorTable[k];
  if (bits_per_element < row.first_index) return 1.0;
  return row.values[static_cast<std::size_t>(bits_per_element - row.first_index)];
}

std::unexpected<Error> InvalidArgument(std::string message) {
  return MakeError(ErrorKind::kInvalidArgument, std::move(message));
}

std::unexpected<Error> Refused(std::string message) {
  return MakeError(ErrorKind::kDeserializationError, "bloom filter refused: " + std::move(message));
}

// Words to bytes and back in a given byte order: one memcpy when it is the
// host's, a byte swap per word otherwise.
template <std::endian Order>
void StoreWords(std::span<const std::uint64_t> words, std::uint8_t* out) {
  if constexpr (Order == std::endian::native) {
    if (!words.empty()) std::memcpy(out, words.data(), words.size() * 8);
  } else {
    for (std::size_t i = 0; i < words.size(); ++i) {
      const std::uint64_t swapped = std::byteswap(words[i]);
      std::memcpy(out + 8 * i, &swapped, 8);
    }
  }
}

template <std::endian Order>
std::vector<std::uint64_t> LoadWords(ByteView bytes) {
  std::vector<std::uint64_t> words(bytes.size() / 8);
  if (!words.empty()) std::memcpy(words.data(), bytes.data(), words.size() * 8);
  if constexpr (Order != std::endian::native) {
    for (std::uint64_t& word : words) word = std::byteswap(word);
  }
  return words;
}

}  // namespace

Result<int> BloomFilter::BitsPerElementForK(int k, double target_error) {
  if (k < 0 || k > 12) {
    return InvalidArgument("K must be <= 12 if forceNBitsPerElem is not also specified.");
  }
  for (int bits = 2; bits <= LastIndex(k); ++bits) {
    if (TableError(k, bits) < target_error) return bits;
  }
  return InvalidArgument(
      "Specified value of k and error rate not achievable using less than 4 bytes / element.");
}

Result<BloomFilter::Sizing> BloomFilter::ComputeSizing(std::uint64_t capacity, double error_rate,
                                                       int k, int force_bits_per_elem) {
  if (!std::isfinite(error_rate)) return InvalidArgument("error rate must be finite");
  Sizing sizing;
  if (k < 1) {
    // The only path nim-sds uses: optimal k for the error rate.
    if (!(error_rate > 0.0 && error_rate < 1.0)) {
      return InvalidArgument("error rate must be in (0, 1)");
    }
    const double ln2 = std::log(2.0);
    const double bits = std::ceil(-1.0 * (std::log(error_rate) / std::pow(ln2, 2.0)));
    const double hashes = std::round(ln2 * bits);  // half away from zero, like Nim
    if (hashes > static_cast<double>(kMaxHashes)) {
      return InvalidArgument("k must be <= " + std::to_string(kMaxHashes));
    }
    sizing.k = static_cast<std::uint32_t>(hashes);
    sizing.bits_per_element = static_cast<std::uint64_t>(bits);
  } else {
    if (force_bits_per_elem < 1) {
      auto bits = BitsPerElementForK(k, error_rate);
      if (!bits) return std::unexpected(std::move(bits.error()));
      sizing.bits_per_element = static_cast<std::uint64_t>(*bits);
    } else {
      sizing.bits_per_element = static_cast<std::uint64_t>(force_bits_per_elem);
    }
    if (static_cast<std::uint32_t>(k) > kMaxHashes) {
      return InvalidArgument("k must be <= " + std::to_string(kMaxHashes));
    }
    sizing.k = static_cast<std::uint32_t>(k);
  }
  if (capacity < 1) return InvalidArgument("capacity must be at least 1");
  if (sizing.bits_per_element == 0 || capacity > kMaxBits / sizing.bits_per_element) {
    return InvalidArgument("bloom filter too large: m_bits must be <= " + std::to_string(kMaxBits));
  }
  sizing.m_bits = capacity * sizing.bits_per_element;
  sizing.word_count = WordCountFor(sizing.m_bits);
  return sizing;
}

Result<BloomFilter> BloomFilter::Create(std::uint64_t capacity, double error_rate, int k,
                                        int force_bits_per_elem) {
  auto sizing = ComputeSizing(capacity, error_rate, k, force_bits_per_elem);
  if (!sizing) return std::unexpected(std::move(sizing.error()));
  return BloomFilter(std::vector<std::uint64_t>(sizing->word_count, 0), capacity, error_rate,
                     sizing->k, sizing->m_bits);
}

Result<BloomFilter> BloomFilter::FromParts(std::vector<std::uint64_t> words,
                                           std::uint64_t capacity, double error_rate,
                                           std::uint32_t k, std::uint64_t m_bits) {
  if (k < 1) return Refused("k must be >= 1");
  if (k > kMaxHashes) return Refused("k must be <= " + std::to_string(kMaxHashes));
  if (m_bits < 1) return Refused("m_bits must be >= 1");
  if (m_bits > kMaxBits) return Refused("m_bits must be <= " + std::to_string(kMaxBits));
  if (words.size() < WordCountFor(m_bits)) {
    return Refused("m_bits " + std::to_string(m_bits) + " needs " +
                   std::to_string(WordCountFor(m_bits)) + " words, got " +
                   std::to_string(words.size()));
  }
  if (!(std::isfinite(error_rate) && error_rate >= 0.0)) {
    return Refused("error rate must be finite and >= 0");
  }
  return BloomFilter(std::move(words), capacity, error_rate, k, m_bits);
}

void BloomFilter::Insert(std::string_view item, StringHash hash) {
  if (!Usable()) return;
  const DoubleHash ab = DoubleHashOf(item, m_bits_, hash);
  for (std::uint32_t i = 0; i < k_; ++i) {
    const std::uint64_t index = IndexFromDoubleHash(ab, static_cast<int>(i), m_bits_);
    words_[index / 64] |= std::uint64_t{1} << (index % 64);
  }
}

bool BloomFilter::Contains(std::string_view item, StringHash hash) const {
  return Contains(HashItem(item, hash));
}

bool BloomFilter::Contains(const ItemHash& item) const {
  if (!Usable()) return false;
  const DoubleHash ab = DoubleHashOf(item, m_bits_);
  for (std::uint32_t i = 0; i < k_; ++i) {
    const std::uint64_t index = IndexFromDoubleHash(ab, static_cast<int>(i), m_bits_);
    if ((words_[index / 64] & (std::uint64_t{1} << (index % 64))) == 0) return false;
  }
  return true;
}

std::string BloomFilter::ToString() const {
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.1e", error_rate_);
  const std::uint64_t bits_per_element = capacity_ == 0 ? 0 : m_bits_ / capacity_;
  return "Bloom filter with " + std::to_string(capacity_) + " capacity, " + rate +
         " error rate, " + std::to_string(k_) + " hash functions, and requiring " +
         std::to_string(bits_per_element) + " bits of memory.";
}

Bytes BloomFilter::WordsLittleEndian() const {
  Bytes out(words_.size() * 8);
  WriteWordsLittleEndian(out.data());
  return out;
}

Bytes BloomFilter::WordsBigEndian() const {
  Bytes out(words_.size() * 8);
  StoreWords<std::endian::big>(words_, out.data());
  return out;
}

std::uint8_t* BloomFilter::WriteWordsLittleEndian(std::uint8_t* out) const {
  StoreWords<std::endian::little>(words_, out);
  return out + words_.size() * 8;
}

std::vector<std::uint64_t> BloomFilter::WordsFromLittleEndian(ByteView bytes) {
  return LoadWords<std::endian::little>(bytes);
}

std::vector<std::uint64_t> BloomFilter::WordsFromBigEndian(ByteView bytes) {
  return LoadWords<std::endian::big>(bytes);
}

}  // namespace sds
