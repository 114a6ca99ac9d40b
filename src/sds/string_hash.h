// The string hashes behind the SDS bloom filter, and the double-hashing rule
// that turns one of them into bit indices.
//
// nim-sds hashes message ids with Nim's `hash(string)` and derives the i-th
// bit index with Kirsch–Mitzenmacher double hashing (`hashN` in
// nim-sds sds/bloom.nim):
//
//   hA    = abs(H(item))        mod m
//   hB    = abs(H(item & " b")) mod m      (the item followed by 0x20 0x62)
//   idx_i = abs(hA + i * hB)    mod m      for i in 0 .. k-1
//
// with Nim `int` (int64) arithmetic, overflow checks off: `abs` leaves
// INT64_MIN as INT64_MIN, `mod` truncates toward zero (like C++ `%`).
//
// H depends on who computes it; a peer using another H sees our filter as
// (almost) empty, which silently disables bloom-based acknowledgements but
// breaks nothing else.
#pragma once

#include <cstdint>
#include <string_view>

namespace sds {

enum class StringHash {
  // Nim >= 2.2, what nim-sds (which requires Nim >= 2.2.4) uses: 64-bit
  // FarmHash, Google farmhash `util::Fingerprint64`, reinterpreted as int64.
  kFarm,
  // Nim <= 2.0, or any Nim built with -d:nimStringHash2: MurmurHash3 x86_32
  // with seed 0 over the string's bytes, the uint32 zero-extended to int64
  // (so never negative).
  kMurmur,
  // js-waku (@waku/sds): Nim's murmur hashN compiled to JavaScript. The same
  // MurmurHash3 x86_32 (seed 0), but
  //   - the result is a *signed* int32 (sign-extended; abs() is then taken in
  //     JS numbers, so abs(INT32_MIN) = 2^31),
  //   - it runs over one "unit" per Unicode code point of the JS string, not
  //     over UTF-8 bytes: the unit is the code point itself when it is in the
  //     BMP, and its UTF-16 high surrogate otherwise (js-waku maps
  //     `Array.from(item)` through `charCodeAt(0)`). Units above 0xFF are not
  //     truncated: a 4-unit block is (u3 << 24 | u2 << 16 | u1 << 8 | u0)
  //     mod 2^32, the tail likewise, and the length mixed in is the unit
  //     count. For ASCII (all SDS message ids in practice: hex digests) this
  //     is exactly `int32(murmur(bytes))`.
  // Our input is UTF-8; it is decoded the way a JS TextDecoder does
  // (WHATWG UTF-8 decode, each maximal invalid subsequence -> U+FFFD).
  // js-waku checks int32 overflow in `hA + i * hB` and throws; that needs
  // m * k >= 2^31, far beyond its fixed m = 150000, k = 10, and is not
  // reproduced (we return the mathematically exact index there).
  kJsWaku,
};

// "farm", "murmur", "js-waku".
std::string_view StringHashName(StringHash hash);

// MurmurHash3 x86_32 with seed 0 over the bytes of `s` (the standard
// algorithm; Nim <= 2.0's string hash before widening).
std::uint32_t Murmur3X86_32(std::string_view s);

// Nim's `hash(s)` as a Nim int (int64) for the given variant (see above).
std::int64_t NimHash(std::string_view s, StringHash hash);

// The two per-item values of hashN: a = abs(H(item)) mod m and
// b = abs(H(item & " b")) mod m. Both are in (-m, m); they are negative only
// in the (probability 2^-64) case H = INT64_MIN, exactly as in Nim.
struct DoubleHash {
  std::int64_t a = 0;
  std::int64_t b = 0;
};

// An item's two raw hashes, H(item) and H(item & " b"). They do not depend on
// the filter size, so an item tested against many filters is hashed once.
struct ItemHash {
  std::int64_t h = 0;
  std::int64_t h_suffix = 0;
};

ItemHash HashItem(std::string_view item, StringHash hash);

// hA and hB for a filter of m bits from precomputed raw hashes (same domain
// as below).
DoubleHash DoubleHashOf(const ItemHash& item, std::uint64_t m);

// Computes hA and hB for `item`. Requires 1 <= m <= INT64_MAX (a Nim int);
// returns {0, 0} outside that domain, where Nim would raise.
DoubleHash DoubleHashOf(std::string_view item, std::uint64_t m, StringHash hash);

// idx_i = abs(hA + i*hB) mod m from precomputed hA/hB, in wrapping int64
// arithmetic like Nim. The result is < m whenever (|i| + 1) * m < 2^63
// (always the case for a BloomFilter: k <= 64, m <= 2^27). Returns 0 when
// m is 0 or above INT64_MAX.
std::uint64_t IndexFromDoubleHash(const DoubleHash& ab, int i, std::uint64_t m);

// nim-sds `hashN(item, i, m)`: the i-th bit index of `item` in a filter of
// m bits. Same domain as above. Recomputes both hashes; Insert/Contains use
// DoubleHashOf once per item instead.
std::uint64_t HashIndex(std::string_view item, int i, std::uint64_t m, StringHash hash);

}  // namespace sds
