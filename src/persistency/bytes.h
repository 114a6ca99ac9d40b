// Byte containers shared by the persistency layer.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace persistency {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Views the characters of a string as bytes, without copying.
inline ByteView AsBytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

inline Bytes ToBytes(std::string_view text) {
  ByteView view = AsBytes(text);
  return {view.begin(), view.end()};
}

}  // namespace persistency
