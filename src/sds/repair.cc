#include "sds/repair.h"

#include <limits>
#include <string>

namespace sds {
namespace {

// Nim's abs(): abs(INT64_MIN) stays INT64_MIN.
std::int64_t NimAbs(std::int64_t value) {
  if (value == std::numeric_limits<std::int64_t>::min()) return value;
  return value < 0 ? -value : value;
}

std::int64_t ConcatHash(std::string_view a, std::string_view b, StringHash hash) {
  std::string joined;
  joined.reserve(a.size() + b.size());
  joined.append(a).append(b);
  return NimHash(joined, hash);
}

}  // namespace

std::int64_t ComputeTReq(std::string_view participant, std::string_view message_id,
                         std::int64_t t_min_ms, std::int64_t t_max_ms, StringHash hash) {
  std::int64_t range = t_max_ms - t_min_ms;
  if (range <= 0) return t_min_ms;
  return t_min_ms + NimAbs(ConcatHash(participant, message_id, hash)) % range;
}

std::int64_t ComputeTResp(std::string_view participant, std::string_view sender_id,
                          std::string_view message_id, std::int64_t t_max_ms, StringHash hash) {
  std::int64_t distance = NimAbs(NimHash(participant, hash) ^ NimHash(sender_id, hash));
  if (t_max_ms <= 0 || distance == 0) return 0;
  auto t_max = static_cast<std::uint64_t>(t_max_ms);
  // abs(INT64_MIN) is negative; as uint64 it is 2^63, which reduces fine.
  auto d = static_cast<std::uint64_t>(distance) % t_max;
  auto m = static_cast<std::uint64_t>(NimAbs(NimHash(message_id, hash))) % t_max;
  return static_cast<std::int64_t>((d * m) % t_max);
}

bool IsInResponseGroup(std::string_view participant, std::string_view sender_id,
                       std::string_view message_id, int num_groups, StringHash hash) {
  if (num_groups <= 1) return true;
  return NimAbs(ConcatHash(participant, message_id, hash)) % num_groups ==
         NimAbs(ConcatHash(sender_id, message_id, hash)) % num_groups;
}

}  // namespace sds
