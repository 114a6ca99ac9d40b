#include "persistency/error.h"

namespace persistency {

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBackend: return "Backend";
    case ErrorKind::kClosed: return "Closed";
    case ErrorKind::kInvalidArgument: return "InvalidArgument";
    case ErrorKind::kTimeout: return "Timeout";
    case ErrorKind::kJobNotFound: return "JobNotFound";
    case ErrorKind::kJobLocked: return "JobLocked";
    case ErrorKind::kQuotaExceeded: return "QuotaExceeded";
  }
  return "Unknown";
}

std::string Error::ToString() const {
  std::string text = "PersistencyError(";
  text += ErrorKindName(kind);
  text += ": ";
  text += message;
  if (backend_code != 0) text += ", code=" + std::to_string(backend_code);
  text += ")";
  return text;
}

}  // namespace persistency
