// Shared helpers for the codec suites (nim_codec_test.cc, spec_codec_test.cc,
// snapshot_codec_test.cc, bloom_filter_test.cc): hex conversion and a tiny
// protobuf writer, so that golden vectors and hand-built (nim-shaped or
// malformed) inputs do not go through the code under test, and field-by-field
// comparison of decoded messages.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "sds/bloom_filter.h"
#include "sds/bytes.h"
#include "sds/message.h"

namespace sds::wire_test {

// ---- hex and text --------------------------------------------------------------

// Skips anything that is not a hex digit, so vectors may be spaced for reading.
inline Bytes FromHex(std::string_view hex) {
  Bytes out;
  int hi = -1;
  for (char c : hex) {
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      continue;
    }
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

inline std::string ToHex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

inline Bytes Str(std::string_view s) { return Bytes(s.begin(), s.end()); }

// ---- protobuf writer -------------------------------------------------------------

inline void PutVarint(Bytes& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

inline void PutTag(Bytes& out, std::uint32_t field, std::uint8_t wire_type) {
  PutVarint(out, (std::uint64_t{field} << 3) | wire_type);
}

inline void PutUint(Bytes& out, std::uint32_t field, std::uint64_t v) {
  PutTag(out, field, 0);
  PutVarint(out, v);
}

inline void PutLen(Bytes& out, std::uint32_t field, ByteView payload) {
  PutTag(out, field, 2);
  PutVarint(out, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
}

inline void PutLen(Bytes& out, std::uint32_t field, std::string_view payload) {
  PutLen(out, field, ByteView(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
}

// ---- comparison -------------------------------------------------------------------

inline void ExpectSameFilter(const BloomFilter& a, const BloomFilter& b) {
  EXPECT_EQ(a.capacity(), b.capacity());
  EXPECT_DOUBLE_EQ(a.error_rate(), b.error_rate());
  EXPECT_EQ(a.k(), b.k());
  EXPECT_EQ(a.m_bits(), b.m_bits());
  EXPECT_EQ(a.words(), b.words());
}

inline void ExpectSameMessage(const Message& a, const Message& b) {
  EXPECT_EQ(a.message_id, b.message_id);
  EXPECT_EQ(a.channel_id, b.channel_id);
  EXPECT_EQ(a.sender_id, b.sender_id);
  EXPECT_EQ(a.lamport_timestamp, b.lamport_timestamp);
  EXPECT_EQ(a.causal_history, b.causal_history);
  EXPECT_EQ(a.repair_request, b.repair_request);
  EXPECT_EQ(a.content, b.content);
  ASSERT_EQ(a.bloom_filter.has_value(), b.bloom_filter.has_value());
  if (a.bloom_filter) ExpectSameFilter(*a.bloom_filter, *b.bloom_filter);
}

}  // namespace sds::wire_test
