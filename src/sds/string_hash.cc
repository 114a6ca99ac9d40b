#include "sds/string_hash.h"

#include <farmhash.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace sds {
namespace {

// ---- MurmurHash3 x86_32, seed 0 --------------------------------------------

constexpr std::uint32_t kMurmurC1 = 0xcc9e2d51u;
constexpr std::uint32_t kMurmurC2 = 0x1b873593u;

constexpr std::uint32_t RotateLeft(std::uint32_t x, int r) {
  return (x << r) | (x >> (32 - r));
}

constexpr std::uint32_t ScrambleBlock(std::uint32_t k) {
  k *= kMurmurC1;
  k = RotateLeft(k, 15);
  k *= kMurmurC2;
  return k;
}

// Murmur over `n` units, `unit(i)` giving the i-th one. Units are bytes for
// the native variant; for the js-waku variant they may exceed 0xFF and are
// then combined with OR after shifting, exactly as the JS does (see the
// header). For bytes this is the standard algorithm.
template <class UnitAt>
std::uint32_t MurmurUnits(std::size_t n, UnitAt unit) {
  std::uint32_t h = 0;
  const std::size_t whole = n / 4;
  for (std::size_t b = 0; b < whole; ++b) {
    const std::size_t i = 4 * b;
    const std::uint32_t k = (unit(i + 3) << 24) | (unit(i + 2) << 16) | (unit(i + 1) << 8) | unit(i);
    h ^= ScrambleBlock(k);
    h = RotateLeft(h, 13);
    h = h * 5u + 0xe6546b64u;
  }
  const std::size_t tail = n % 4;
  if (tail != 0) {
    std::uint32_t k = 0;
    for (std::size_t j = tail; j > 0; --j) k = (k << 8) | unit(4 * whole + j - 1);
    h ^= ScrambleBlock(k);
  }
  h ^= static_cast<std::uint32_t>(n);  // the length mod 2^32
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

std::uint32_t MurmurBytes(std::string_view s) {
  return MurmurUnits(s.size(), [s](std::size_t i) -> std::uint32_t {
    return static_cast<unsigned char>(s[i]);
  });
}

// ---- js-waku units -----------------------------------------------------------

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

constexpr std::uint32_t kReplacement = 0xFFFD;

// The unit js-waku hashes for one code point: the code point in the BMP,
// the UTF-16 high surrogate otherwise.
constexpr std::uint32_t JsUnit(std::uint32_t code_point) {
  return code_point <= 0xFFFF ? code_point : 0xD800u + ((code_point - 0x10000u) >> 10);
}

// Decodes UTF-8 as the WHATWG Encoding Standard's UTF-8 decoder (what
// TextDecoder does), appending one js-waku unit per decoded code point.
void AppendJsUnits(std::string_view s, std::vector<std::uint32_t>& out) {
  std::uint32_t code_point = 0;
  int needed = 0;
  int seen = 0;
  unsigned lower = 0x80;
  unsigned upper = 0xBF;
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned b = static_cast<unsigned char>(s[i]);
    if (needed == 0) {
      ++i;
      if (b <= 0x7F) {
        out.push_back(b);
      } else if (b >= 0xC2 && b <= 0xDF) {
        needed = 1;
        code_point = b & 0x1Fu;
      } else if (b >= 0xE0 && b <= 0xEF) {
        if (b == 0xE0) lower = 0xA0;
        if (b == 0xED) upper = 0x9F;
        needed = 2;
        code_point = b & 0x0Fu;
      } else if (b >= 0xF0 && b <= 0xF4) {
        if (b == 0xF0) lower = 0x90;
        if (b == 0xF4) upper = 0x8F;
        needed = 3;
        code_point = b & 0x07u;
      } else {
        out.push_back(kReplacement);
      }
      continue;
    }
    if (b < lower || b > upper) {
      // Invalid continuation: one U+FFFD for what was read so far, and the
      // byte is examined again as the start of a new sequence.
      code_point = 0;
      needed = 0;
      seen = 0;
      lower = 0x80;
      upper = 0xBF;
      out.push_back(kReplacement);
      continue;
    }
    ++i;
    lower = 0x80;
    upper = 0xBF;
    code_point = (code_point << 6) | (b & 0x3Fu);
    if (++seen == needed) {
      out.push_back(JsUnit(code_point));
      code_point = 0;
      needed = 0;
      seen = 0;
    }
  }
  if (needed != 0) out.push_back(kReplacement);
}

std::int64_t JsWakuHashOfUnits(const std::vector<std::uint32_t>& units) {
  const std::uint32_t h =
      MurmurUnits(units.size(), [&units](std::size_t i) { return units[i]; });
  return static_cast<std::int32_t>(h);  // signed int32, sign-extended
}

// ---- H(item) and H(item & " b") -----------------------------------------------

std::int64_t HashOfBytes(std::string_view s, StringHash hash) {
  switch (hash) {
    case StringHash::kFarm:
      return static_cast<std::int64_t>(util::Fingerprint64(s.data(), s.size()));
    case StringHash::kMurmur:
      return static_cast<std::int64_t>(MurmurBytes(s));
    case StringHash::kJsWaku:
      break;
  }
  // kJsWaku on ASCII only: units are the bytes.
  return static_cast<std::int32_t>(MurmurBytes(s));
}

constexpr std::string_view kSecondSuffix = " b";

// H(item & " b") without allocating for ids of ordinary length.
std::int64_t NimHashWithSuffix(std::string_view item, StringHash hash) {
  if (hash == StringHash::kJsWaku && !IsAscii(item)) {
    std::vector<std::uint32_t> units;
    units.reserve(item.size() + kSecondSuffix.size());
    AppendJsUnits(item, units);
    for (char c : kSecondSuffix) units.push_back(static_cast<unsigned char>(c));
    return JsWakuHashOfUnits(units);
  }
  constexpr std::size_t kStackBytes = 256;
  const std::size_t total = item.size() + kSecondSuffix.size();
  if (total <= kStackBytes) {
    std::array<char, kStackBytes> buffer;
    item.copy(buffer.data(), item.size());
    kSecondSuffix.copy(buffer.data() + item.size(), kSecondSuffix.size());
    return HashOfBytes(std::string_view(buffer.data(), total), hash);
  }
  std::string joined;
  joined.reserve(total);
  joined.append(item);
  joined.append(kSecondSuffix);
  return HashOfBytes(joined, hash);
}

// Nim's abs for int64: abs(INT64_MIN) stays INT64_MIN (wrapping negation).
constexpr std::int64_t NimAbs(std::int64_t x) {
  return x < 0 ? static_cast<std::int64_t>(std::uint64_t{0} - static_cast<std::uint64_t>(x)) : x;
}

constexpr bool InNimIntRange(std::uint64_t m) {
  return m >= 1 && m <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
}

}  // namespace

std::string_view StringHashName(StringHash hash) {
  switch (hash) {
    case StringHash::kFarm:
      return "farm";
    case StringHash::kMurmur:
      return "murmur";
    case StringHash::kJsWaku:
      return "js-waku";
  }
  return "unknown";
}

std::uint32_t Murmur3X86_32(std::string_view s) { return MurmurBytes(s); }

std::int64_t NimHash(std::string_view s, StringHash hash) {
  if (hash == StringHash::kJsWaku && !IsAscii(s)) {
    std::vector<std::uint32_t> units;
    units.reserve(s.size());
    AppendJsUnits(s, units);
    return JsWakuHashOfUnits(units);
  }
  return HashOfBytes(s, hash);
}

DoubleHash DoubleHashOf(std::string_view item, std::uint64_t m, StringHash hash) {
  return DoubleHashOf(HashItem(item, hash), m);
}

ItemHash HashItem(std::string_view item, StringHash hash) {
  return ItemHash{NimHash(item, hash), NimHashWithSuffix(item, hash)};
}

DoubleHash DoubleHashOf(const ItemHash& item, std::uint64_t m) {
  if (!InNimIntRange(m)) return {};
  const auto mod = static_cast<std::int64_t>(m);
  return DoubleHash{NimAbs(item.h) % mod, NimAbs(item.h_suffix) % mod};
}

std::uint64_t IndexFromDoubleHash(const DoubleHash& ab, int i, std::uint64_t m) {
  if (!InNimIntRange(m)) return 0;
  const auto mod = static_cast<std::int64_t>(m);
  // hA + i * hB with Nim's overflow checks off: wrapping int64 arithmetic.
  const std::uint64_t product = static_cast<std::uint64_t>(static_cast<std::int64_t>(i)) *
                                static_cast<std::uint64_t>(ab.b);
  const auto sum = static_cast<std::int64_t>(static_cast<std::uint64_t>(ab.a) + product);
  return static_cast<std::uint64_t>(NimAbs(sum) % mod);
}

std::uint64_t HashIndex(std::string_view item, int i, std::uint64_t m, StringHash hash) {
  return IndexFromDoubleHash(DoubleHashOf(item, m, hash), i, m);
}

}  // namespace sds
