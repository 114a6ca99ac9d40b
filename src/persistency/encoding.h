// The order-preserving part encoding shared by keys and payloads:
//   string / bytes      2-byte big-endian length, then the bytes (max 65535)
//   signed integers     widened to int64, sign bit flipped, 8 bytes big-endian
//   unsigned integers   widened to uint64, 8 bytes big-endian
//   uint8_t, char       1 raw byte
//   bool                1 byte, 0x00 or 0x01
//   enum                its value as int64 (as above)
//   Key                 its bytes verbatim, no length prefix
//   tuple / pair        each element in order, concatenated
//   user type T         the tuple returned by an ADL-visible `ToParts(const T&)`
// Byte-wise comparison of encoded keys equals tuple order of the inputs
// (strings order by length first).
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "persistency/bytes.h"
#include "persistency/error.h"
#include "persistency/key.h"

namespace persistency {

inline constexpr std::size_t kMaxPartLength = 0xFFFF;

namespace encoding_detail {

template <class T>
concept TupleLike = requires { std::tuple_size<T>::value; };

template <class T>
concept HasParts = requires(const T& value) { ToParts(value); };

inline void AppendBigEndian(Bytes& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

inline bool AppendSized(Bytes& out, ByteView data) {
  if (data.size() > kMaxPartLength) return false;
  out.push_back(static_cast<std::uint8_t>(data.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(data.size()));
  out.insert(out.end(), data.begin(), data.end());
  return true;
}

inline void AppendSigned(Bytes& out, std::int64_t value) {
  AppendBigEndian(out, static_cast<std::uint64_t>(value) ^ (std::uint64_t{1} << 63));
}

}  // namespace encoding_detail

// Appends one part; returns false (appending nothing more) when a string or
// byte part is longer than kMaxPartLength.
template <class T>
bool AppendPart(Bytes& out, const T& value) {
  using namespace encoding_detail;
  if constexpr (std::is_same_v<T, bool>) {
    out.push_back(value ? 1 : 0);
    return true;
  } else if constexpr (std::is_same_v<T, char> || std::is_same_v<T, unsigned char>) {
    out.push_back(static_cast<std::uint8_t>(value));
    return true;
  } else if constexpr (std::is_enum_v<T>) {
    AppendSigned(out, static_cast<std::int64_t>(value));
    return true;
  } else if constexpr (std::signed_integral<T>) {
    AppendSigned(out, value);
    return true;
  } else if constexpr (std::unsigned_integral<T>) {
    AppendBigEndian(out, value);
    return true;
  } else if constexpr (std::is_same_v<T, Key>) {
    out.insert(out.end(), value.bytes().begin(), value.bytes().end());
    return true;
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return AppendSized(out, AsBytes(std::string_view(value)));
  } else if constexpr (std::is_convertible_v<const T&, ByteView>) {
    return AppendSized(out, ByteView(value));
  } else if constexpr (TupleLike<T>) {
    return std::apply([&out](const auto&... parts) { return (AppendPart(out, parts) && ...); },
                      value);
  } else if constexpr (HasParts<T>) {
    return AppendPart(out, ToParts(value));
  } else {
    static_assert(sizeof(T) == 0, "no key encoding for this type");
  }
}

template <class... Parts>
bool AppendParts(Bytes& out, const Parts&... parts) {
  return (AppendPart(out, parts) && ...);
}

// Encodes a key from parts; InvalidArgument if a string part is too long.
template <class... Parts>
Result<Key> TryMakeKey(const Parts&... parts) {
  Key key;
  if (!AppendParts(key.mutable_bytes(), parts...)) {
    return MakeError(ErrorKind::kInvalidArgument, "key part longer than 65535 bytes");
  }
  return key;
}

// Encodes a key from parts known to fit (string parts ≤ 65535 bytes);
// throws std::length_error otherwise.
template <class... Parts>
Key MakeKey(const Parts&... parts) {
  Key key;
  if (!AppendParts(key.mutable_bytes(), parts...)) {
    throw std::length_error("key part longer than 65535 bytes");
  }
  return key;
}

// Payloads use the same encoding; they need not sort, the encoder is shared
// to keep callers simple. Any other bytes may be stored as a payload too.
template <class... Parts>
Result<Bytes> TryMakePayload(const Parts&... parts) {
  Bytes payload;
  if (!AppendParts(payload, parts...)) {
    return MakeError(ErrorKind::kInvalidArgument, "payload part longer than 65535 bytes");
  }
  return payload;
}

template <class... Parts>
Bytes MakePayload(const Parts&... parts) {
  Bytes payload;
  if (!AppendParts(payload, parts...)) {
    throw std::length_error("payload part longer than 65535 bytes");
  }
  return payload;
}

}  // namespace persistency
