// Job ids and roots become file paths, so they are checked before any file
// is touched.
#pragma once

#include <cstddef>
#include <string_view>

#include "persistency/error.h"

namespace persistency {

inline constexpr std::size_t kMaxJobIdLength = 128;

// InvalidArgument unless `id` is 1..kMaxJobIdLength bytes with no path
// separator ('/', '\\'), no "..", not ".", and no control characters.
Status ValidateJobId(std::string_view id);

// InvalidArgument when a root is empty or holds a NUL byte: the C file API
// would end the path at the NUL, at another place than the one named.
Status ValidateRootText(std::string_view root);

}  // namespace persistency
