// Byte containers used by the SDS engine.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace sds {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

}  // namespace sds
