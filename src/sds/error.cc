#include "sds/error.h"

namespace sds {

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument: return "InvalidArgument";
    case ErrorKind::kOutOfMemory: return "OutOfMemory";
    case ErrorKind::kInternalError: return "InternalError";
    case ErrorKind::kSerializationError: return "SerializationError";
    case ErrorKind::kDeserializationError: return "DeserializationError";
    case ErrorKind::kMessageTooLarge: return "MessageTooLarge";
    case ErrorKind::kPersistenceError: return "PersistenceError";
    case ErrorKind::kDuplicateMessageId: return "DuplicateMessageId";
  }
  return "Unknown";
}

std::string Error::ToString() const {
  return "SdsError(" + std::string(ErrorKindName(kind)) + ": " + message + ")";
}

}  // namespace sds
