// Job ids become file names, so they are checked before any file is touched.
#pragma once

#include <cstddef>
#include <string_view>

#include "persistency/error.h"

namespace persistency {

inline constexpr std::size_t kMaxJobIdLength = 128;

// InvalidArgument unless `id` is 1..kMaxJobIdLength bytes with no path
// separator ('/', '\\'), no "..", not ".", and no control characters.
Status ValidateJobId(std::string_view id);

}  // namespace persistency
