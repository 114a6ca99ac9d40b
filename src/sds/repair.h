// SDS-R timing and response-group arithmetic, in milliseconds, over one of
// two hashes (RepairHash): nim-sds's, or @waku/sds's SHA-256.
#pragma once

#include <cstdint>
#include <string_view>

#include "sds/string_hash.h"

namespace sds {

// The hash H the arithmetic below runs over, and how it reduces:
//  - nim-sds: Nim's hash(string) (a StringHash, a signed int64); abs() and
//    truncating mod, abs(INT64_MIN) staying negative as in Nim.
//  - @waku/sds (the spec dialect): the first 8 bytes of SHA-256 of the
//    string, big-endian, unsigned (Sha256Prefix64); plain unsigned mod, and
//    T_resp's product taken exactly (JS BigInt), not modulo 2^64.
// "participant ++ message" is the plain concatenation in both.
struct RepairHash {
  // nim-sds's rule over `nim_hash`. Implicit, so that a StringHash names it.
  // NOLINTNEXTLINE(google-explicit-constructor)
  constexpr RepairHash(StringHash nim_hash) : nim(nim_hash) {}
  // @waku/sds's rule.
  static constexpr RepairHash Sha256() {
    RepairHash hash(StringHash::kFarm);
    hash.sha256 = true;
    return hash;
  }

  StringHash nim;  // used when !sha256
  bool sha256 = false;
};

// When a participant should first ask for a missing message:
// t_min + H(participant ++ message) mod (t_max − t_min); t_min when the
// range is empty. Relative to now, in ms.
std::int64_t ComputeTReq(std::string_view participant, std::string_view message_id,
                         std::int64_t t_min_ms, std::int64_t t_max_ms, RepairHash hash);

// How long a holder waits before answering a repair request:
// (H(p) xor H(sender)) × H(message) mod t_max, 0 for the original sender or
// when t_max ≤ 0. (nim-sds takes abs() of the xor and reduces each factor
// first.)
std::int64_t ComputeTResp(std::string_view participant, std::string_view sender_id,
                          std::string_view message_id, std::int64_t t_max_ms, RepairHash hash);

// Whether `participant` answers requests for `message_id` sent by
// `sender_id`: H(participant ++ message) and H(sender ++ message) fall in the
// same group mod num_groups; everyone does when there is at most one group.
bool IsInResponseGroup(std::string_view participant, std::string_view sender_id,
                       std::string_view message_id, int num_groups, RepairHash hash);

}  // namespace sds
