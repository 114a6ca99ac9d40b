// SHA-256 (GNU Nettle's portable implementation, cmake/FetchSha256.cmake) and
// the two things the spec dialect derives from it, both as @waku/sds does:
// content-addressed message ids and the 64-bit hash behind SDS-R's timing and
// response groups.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "sds/bytes.h"

namespace sds {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest Sha256(ByteView data);
Sha256Digest Sha256(std::string_view text);

// Lowercase hex of SHA-256(payload), 64 characters: @waku/sds's
// MessageChannel.getMessageId, so that the same payload gets the same id
// from every sender.
std::string ContentMessageId(ByteView payload);

// The first 8 bytes of SHA-256(text) as a big-endian uint64 (@waku/sds's
// hashToInteger over the string's UTF-8 bytes).
std::uint64_t Sha256Prefix64(std::string_view text);

}  // namespace sds
