// Hash containers keyed by message id that can be searched with a
// std::string_view (an id read in place from a HistoryList) without
// building a std::string for each lookup.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace sds {

struct IdHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view id) const noexcept {
    return std::hash<std::string_view>{}(id);
  }
};

template <class Value>
using IdMap = std::unordered_map<std::string, Value, IdHash, std::equal_to<>>;
using IdSet = std::unordered_set<std::string, IdHash, std::equal_to<>>;

}  // namespace sds
