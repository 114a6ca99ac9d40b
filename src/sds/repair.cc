#include "sds/repair.h"

#include <limits>
#include <string>

#include "sds/sha256.h"

namespace sds {
namespace {

// Nim's abs(): abs(INT64_MIN) stays INT64_MIN.
std::int64_t NimAbs(std::int64_t value) {
  if (value == std::numeric_limits<std::int64_t>::min()) return value;
  return value < 0 ? -value : value;
}

std::string Concat(std::string_view a, std::string_view b) {
  std::string joined;
  joined.reserve(a.size() + b.size());
  joined.append(a).append(b);
  return joined;
}

// (a × b) mod m without overflow, for m < 2^63: double-and-add keeps every
// intermediate below 2m.
std::uint64_t MulMod(std::uint64_t a, std::uint64_t b, std::uint64_t m) {
  a %= m;
  b %= m;
  std::uint64_t result = 0;
  while (b != 0) {
    if ((b & 1) != 0) result = (result + a) % m;
    a = (a + a) % m;
    b >>= 1;
  }
  return result;
}

// ---- nim-sds ----------------------------------------------------------------

std::int64_t NimTReq(std::string_view participant, std::string_view message_id,
                     std::int64_t t_min_ms, std::int64_t range, StringHash hash) {
  return t_min_ms + NimAbs(NimHash(Concat(participant, message_id), hash)) % range;
}

std::int64_t NimTResp(std::string_view participant, std::string_view sender_id,
                      std::string_view message_id, std::int64_t t_max_ms, StringHash hash) {
  std::int64_t distance = NimAbs(NimHash(participant, hash) ^ NimHash(sender_id, hash));
  if (distance == 0) return 0;
  auto t_max = static_cast<std::uint64_t>(t_max_ms);
  // abs(INT64_MIN) is negative; as uint64 it is 2^63, which reduces fine.
  auto d = static_cast<std::uint64_t>(distance) % t_max;
  auto m = static_cast<std::uint64_t>(NimAbs(NimHash(message_id, hash))) % t_max;
  return static_cast<std::int64_t>((d * m) % t_max);
}

bool NimSameGroup(std::string_view participant, std::string_view sender_id,
                  std::string_view message_id, int num_groups, StringHash hash) {
  return NimAbs(NimHash(Concat(participant, message_id), hash)) % num_groups ==
         NimAbs(NimHash(Concat(sender_id, message_id), hash)) % num_groups;
}

// ---- @waku/sds ----------------------------------------------------------------

std::int64_t Sha256TReq(std::string_view participant, std::string_view message_id,
                        std::int64_t t_min_ms, std::int64_t range) {
  const std::uint64_t h = Sha256Prefix64(Concat(participant, message_id));
  return t_min_ms + static_cast<std::int64_t>(h % static_cast<std::uint64_t>(range));
}

std::int64_t Sha256TResp(std::string_view participant, std::string_view sender_id,
                         std::string_view message_id, std::int64_t t_max_ms) {
  const std::uint64_t distance = Sha256Prefix64(participant) ^ Sha256Prefix64(sender_id);
  return static_cast<std::int64_t>(
      MulMod(distance, Sha256Prefix64(message_id), static_cast<std::uint64_t>(t_max_ms)));
}

bool Sha256SameGroup(std::string_view participant, std::string_view sender_id,
                     std::string_view message_id, int num_groups) {
  const auto groups = static_cast<std::uint64_t>(num_groups);
  return Sha256Prefix64(Concat(participant, message_id)) % groups ==
         Sha256Prefix64(Concat(sender_id, message_id)) % groups;
}

}  // namespace

std::int64_t ComputeTReq(std::string_view participant, std::string_view message_id,
                         std::int64_t t_min_ms, std::int64_t t_max_ms, RepairHash hash) {
  const std::int64_t range = t_max_ms - t_min_ms;
  if (range <= 0) return t_min_ms;
  return hash.sha256 ? Sha256TReq(participant, message_id, t_min_ms, range)
                     : NimTReq(participant, message_id, t_min_ms, range, hash.nim);
}

std::int64_t ComputeTResp(std::string_view participant, std::string_view sender_id,
                          std::string_view message_id, std::int64_t t_max_ms, RepairHash hash) {
  if (t_max_ms <= 0) return 0;
  return hash.sha256 ? Sha256TResp(participant, sender_id, message_id, t_max_ms)
                     : NimTResp(participant, sender_id, message_id, t_max_ms, hash.nim);
}

bool IsInResponseGroup(std::string_view participant, std::string_view sender_id,
                       std::string_view message_id, int num_groups, RepairHash hash) {
  if (num_groups <= 1) return true;
  return hash.sha256 ? Sha256SameGroup(participant, sender_id, message_id, num_groups)
                     : NimSameGroup(participant, sender_id, message_id, num_groups, hash.nim);
}

}  // namespace sds
