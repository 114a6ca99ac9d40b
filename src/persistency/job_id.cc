#include "persistency/job_id.h"

#include <string>

namespace persistency {
namespace {

std::unexpected<Error> Invalid(std::string_view id, std::string_view why) {
  std::string shown(id.substr(0, 40));
  return MakeError(ErrorKind::kInvalidArgument, "invalid job id '" + shown + "': " + std::string(why));
}

}  // namespace

Status ValidateJobId(std::string_view id) {
  if (id.empty()) return Invalid(id, "empty");
  if (id.size() > kMaxJobIdLength) return Invalid(id, "longer than 128 bytes");
  if (id == "." || id.find("..") != std::string_view::npos) return Invalid(id, "dot path");
  for (char c : id) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '/' || c == '\\') return Invalid(id, "path separator");
    if (byte < 0x20 || byte == 0x7f) return Invalid(id, "control character");
  }
  return {};
}

Status ValidateRootText(std::string_view root) {
  if (root.empty()) return MakeError(ErrorKind::kInvalidArgument, "root directory is empty");
  if (root.find('\0') != std::string_view::npos) {
    return MakeError(ErrorKind::kInvalidArgument, "root contains a NUL byte");
  }
  return {};
}

}  // namespace persistency
