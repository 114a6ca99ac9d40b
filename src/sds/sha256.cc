#include "sds/sha256.h"

#include <sha2.h>

namespace sds {

Sha256Digest Sha256(ByteView data) {
  sha256_ctx context;
  sha256_init(&context);
  // Nettle copies the input with memcpy, which must not see the null
  // pointer of an empty span.
  if (!data.empty()) sha256_update(&context, data.size(), data.data());
  Sha256Digest digest;
  sha256_digest(&context, digest.size(), digest.data());
  return digest;
}

Sha256Digest Sha256(std::string_view text) {
  return Sha256(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::string ContentMessageId(ByteView payload) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const Sha256Digest digest = Sha256(payload);
  std::string hex;
  hex.reserve(2 * digest.size());
  for (std::uint8_t byte : digest) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 15]);
  }
  return hex;
}

std::uint64_t Sha256Prefix64(std::string_view text) {
  const Sha256Digest digest = Sha256(text);
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i) value = (value << 8) | digest[i];
  return value;
}

}  // namespace sds
