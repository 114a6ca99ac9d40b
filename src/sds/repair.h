// SDS-R timing and response-group arithmetic, as nim-sds computes it: over
// Nim's string hash, in milliseconds, with abs() and truncating mod.
#pragma once

#include <cstdint>
#include <string_view>

#include "sds/string_hash.h"

namespace sds {

// When a participant should first ask for a missing message:
// t_min + |H(participant ++ message)| mod (t_max − t_min); t_min when the
// range is empty. Relative to now, in ms.
std::int64_t ComputeTReq(std::string_view participant, std::string_view message_id,
                         std::int64_t t_min_ms, std::int64_t t_max_ms, StringHash hash);

// How long a holder waits before answering a repair request:
// (|H(p) xor H(sender)| mod t_max) × (|H(message)| mod t_max) mod t_max,
// 0 for the original sender or when t_max ≤ 0.
std::int64_t ComputeTResp(std::string_view participant, std::string_view sender_id,
                          std::string_view message_id, std::int64_t t_max_ms, StringHash hash);

// Whether `participant` answers requests for `message_id` sent by
// `sender_id`; everyone does when there is at most one group.
bool IsInResponseGroup(std::string_view participant, std::string_view sender_id,
                       std::string_view message_id, int num_groups, StringHash hash);

}  // namespace sds
