// Error and result types: every fallible call returns Result<T> or Status.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace persistency {

// The first five kinds match the original layer in name and order; the
// browser runtime adds the last two.
enum class ErrorKind {
  kBackend,
  kClosed,
  kInvalidArgument,
  kTimeout,
  kJobNotFound,
  kJobLocked,
  kQuotaExceeded,
};

std::string_view ErrorKindName(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::kBackend;
  std::string message;
  // The SQLite result code when the error came from SQLite, else 0.
  int backend_code = 0;

  // "PersistencyError(<kind>: <message>)", with ", code=<n>" when non-zero.
  std::string ToString() const;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

inline std::unexpected<Error> MakeError(ErrorKind kind, std::string message,
                                        int backend_code = 0) {
  return std::unexpected(Error{kind, std::move(message), backend_code});
}

}  // namespace persistency
