#include "persistency/key.h"

namespace persistency {

std::string Key::ToHex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes_.size() * 2);
  for (std::uint8_t byte : bytes_) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0x0f]);
  }
  return hex;
}

KeyRange PrefixRange(const Key& prefix) {
  Bytes stop = prefix.bytes();
  while (!stop.empty() && stop.back() == 0xff) stop.pop_back();
  if (!stop.empty()) ++stop.back();
  return KeyRange{prefix, Key::Raw(std::move(stop))};
}

}  // namespace persistency
