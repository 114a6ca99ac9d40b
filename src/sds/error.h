// Error and result types of the SDS engine. The kinds are nim-sds's
// ReliabilityError, in the same order, then this engine's own.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace sds {

enum class ErrorKind {
  kInvalidArgument,
  kOutOfMemory,
  kInternalError,
  kSerializationError,
  kDeserializationError,
  kMessageTooLarge,
  kPersistenceError,
  // Wrap with a message id the channel already holds (logged or unacknowledged):
  // distinct from kInvalidArgument so a caller re-sending after a crash can tell
  // "it was sent already" from any other refusal.
  kDuplicateMessageId,
};

std::string_view ErrorKindName(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::kInternalError;
  std::string message;

  // "SdsError(<kind>: <message>)".
  std::string ToString() const;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

inline std::unexpected<Error> MakeError(ErrorKind kind, std::string message) {
  return std::unexpected(Error{kind, std::move(message)});
}

}  // namespace sds
