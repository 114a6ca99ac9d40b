// The SDS bloom filter, bit-exact with nim-sds sds/bloom.nim.
//
// Sizing (nim-sds `initializeBloomFilter(capacity, errorRate, k, forceNBitsPerElem)`):
//   - k < 1 (what nim-sds always uses):
//       bitsPerElem = ceil(-ln(p) / ln(2)^2), k = round(ln 2 * bitsPerElem)
//       (round half away from zero).
//   - k >= 1: bitsPerElem = force_bits_per_elem when >= 1, otherwise the
//     smallest m/n in 2..32 whose false-positive rate in the Cao "summary
//     cache" table for k is below p (BitsPerElementForK).
//   - m_bits = capacity * bitsPerElem, stored in 1 + m_bits / 64 words.
//   Defaults (10000, 0.001): k 10, m_bits 150000, 2344 words.
//
// Bits: index h (from the double hashing in string_hash.h) is bit h % 64 of
// word h / 64; a lookup needs all k bits. On the wire (the codecs' job):
// nim-sds writes the words little-endian in index order, js-waku big-endian.
//
// Received filters are rebuilt with FromParts, which validates what nim-sds
// does not (k = 0 would make every lookup true, m_bits = 0 divides by zero,
// too few words index out of range) and bounds the work a hostile peer can
// cause (k <= kMaxHashes, m_bits <= kMaxBits).
//
// A BloomFilter has no default constructor: every instance comes from Create
// or FromParts and is valid. (A moved-from instance is safe too: it contains
// nothing and ignores inserts.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sds/bytes.h"
#include "sds/error.h"
#include "sds/string_hash.h"

namespace sds {

class BloomFilter {
 public:
  // Upper bounds enforced by Create (kInvalidArgument) and FromParts
  // (kDeserializationError). 2^27 bits = 16 MiB of words, capacity ~8.9 M
  // at the default error rate; nim-sds defaults use 150000 bits and k 10.
  static constexpr std::uint32_t kMaxHashes = 64;
  static constexpr std::uint64_t kMaxBits = std::uint64_t{1} << 27;

  // Number of 64-bit words nim-sds allocates for m_bits: 1 + m_bits / 64.
  static constexpr std::size_t WordCountFor(std::uint64_t m_bits) {
    return 1 + static_cast<std::size_t>(m_bits / 64);
  }

  // The parameters Create would use, without allocating.
  struct Sizing {
    std::uint32_t k = 0;
    std::uint64_t bits_per_element = 0;
    std::uint64_t m_bits = 0;
    std::size_t word_count = 0;
  };

  // nim-sds `getMOverNBitsForK`: the smallest m/n in 2..32 with
  // kErrors[k][m/n] < target_error. Errors (kInvalidArgument), with
  // nim-sds's exact messages:
  //   k outside 0..12: "K must be <= 12 if forceNBitsPerElem is not also specified."
  //   none found:      "Specified value of k and error rate not achievable using
  //                     less than 4 bytes / element."
  static Result<int> BitsPerElementForK(int k, double target_error);

  // Sizing as nim-sds computes it (see the top of this file), plus these
  // checks, all kInvalidArgument:
  //   - error_rate must be finite; with k < 1 it must be in (0, 1)
  //     (otherwise nim-sds builds a filter with k <= 0);
  //   - capacity must be >= 1 (nim-sds would divide by zero on insert);
  //   - the resulting k must be <= kMaxHashes and m_bits <= kMaxBits.
  static Result<Sizing> ComputeSizing(std::uint64_t capacity, double error_rate, int k = 0,
                                      int force_bits_per_elem = 0);

  // An empty filter sized by ComputeSizing.
  static Result<BloomFilter> Create(std::uint64_t capacity, double error_rate, int k = 0,
                                    int force_bits_per_elem = 0);

  // A filter from its serialized parts (a received blob). Validates, else
  // kDeserializationError: 1 <= k <= kMaxHashes, 1 <= m_bits <= kMaxBits,
  // words.size() >= WordCountFor(m_bits), error_rate finite and >= 0.
  // capacity is not checked (lookups do not use it; nim-sds v0.4 reads an
  // absent capacity as 0). Extra words beyond WordCountFor(m_bits) are kept
  // as received and never read by lookups.
  static Result<BloomFilter> FromParts(std::vector<std::uint64_t> words, std::uint64_t capacity,
                                       double error_rate, std::uint32_t k, std::uint64_t m_bits);

  // Sets the item's k bits, hashing with `hash`.
  void Insert(std::string_view item, StringHash hash);

  // True when all of the item's k bits are set ("probably inserted"; false
  // positives at about error_rate, never false negatives).
  bool Contains(std::string_view item, StringHash hash) const;
  // The same for an item hashed beforehand (HashItem with the same StringHash).
  bool Contains(const ItemHash& item) const;

  std::uint64_t capacity() const { return capacity_; }
  double error_rate() const { return error_rate_; }
  std::uint32_t k() const { return k_; }
  std::uint64_t m_bits() const { return m_bits_; }
  const std::vector<std::uint64_t>& words() const { return words_; }

  // nim-sds's `$`: "Bloom filter with <capacity> capacity, <error rate as
  // %.1e, e.g. 1.0e-02> error rate, <k> hash functions, and requiring
  // <m_bits / capacity> bits of memory." (the last number is 0 when the
  // capacity is 0, where nim-sds would divide by zero).
  std::string ToString() const;

  // The words, each as 8 little-endian bytes, in index order (nim-sds).
  Bytes WordsLittleEndian() const;
  // WordsLittleEndian() written at `out`, which has room for words().size()
  // * 8 bytes; returns the end of what was written. For codecs that write
  // the words straight into a message.
  std::uint8_t* WriteWordsLittleEndian(std::uint8_t* out) const;
  // The words, each as 8 big-endian bytes, in index order (js-waku).
  Bytes WordsBigEndian() const;
  // len / 8 words from 8-byte little- / big-endian groups; trailing bytes
  // (len % 8) are ignored.
  static std::vector<std::uint64_t> WordsFromLittleEndian(ByteView bytes);
  static std::vector<std::uint64_t> WordsFromBigEndian(ByteView bytes);

  friend bool operator==(const BloomFilter&, const BloomFilter&) = default;

 private:
  BloomFilter(std::vector<std::uint64_t> words, std::uint64_t capacity, double error_rate,
              std::uint32_t k, std::uint64_t m_bits)
      : words_(std::move(words)),
        capacity_(capacity),
        error_rate_(error_rate),
        k_(k),
        m_bits_(m_bits) {}

  // False when the words cannot hold m_bits (only for a moved-from filter).
  bool Usable() const { return m_bits_ >= 1 && words_.size() >= WordCountFor(m_bits_); }

  std::vector<std::uint64_t> words_;
  std::uint64_t capacity_ = 0;
  double error_rate_ = 0.0;
  std::uint32_t k_ = 0;
  std::uint64_t m_bits_ = 0;
};

}  // namespace sds
