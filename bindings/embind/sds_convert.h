// Conversions between JS values and the SDS engine's types, shared by the
// glue files that expose the engine (sds_bindings.cc, which defines the
// functions declared here, and channel_bindings.cc).
#pragma once

#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "js_convert.h"
#include "sds/bytes.h"
#include "sds/config.h"
#include "sds/error.h"
#include "sds/event.h"
#include "sds/nim_codec.h"
#include "sds/spec_codec.h"
#include "sds/reliability_manager.h"

namespace js_convert {

// {kind, message}, `kind` being sds::ErrorKindName.
template <>
val ErrorToJs(const sds::Error& error);

}  // namespace js_convert

namespace sds::bindings {

inline constexpr double kMaxSafeInteger = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER
// The longest serialized message either dialect's decoder reads.
inline constexpr std::size_t kMaxWireBytes = std::max(kMaxNimMessageBytes, kMaxSpecMessageBytes);

inline Error InvalidArgument(std::string message) {
  return Error{ErrorKind::kInvalidArgument, std::move(message)};
}

// Reads a call's JS arguments into C++ values and keeps the first problem.
// After one, the readers return empty values and the caller returns error()
// without calling the engine.
class ArgReader {
 public:
  explicit ArgReader(bool reentered) {
    if (reentered) Fail("the manager was called from inside its retrieval hint provider");
  }

  bool ok() const { return !error_.has_value(); }
  const Error& error() const { return *error_; }

  void Fail(std::string message) { Refuse(InvalidArgument(std::move(message))); }
  void Refuse(Error error) {
    if (ok()) error_ = std::move(error);
  }

  std::string String(const emscripten::val& value, std::string_view name) {
    if (value.isString()) return value.as<std::string>();
    Fail(std::string(name) + " must be a string");
    return {};
  }

  std::vector<std::string> Strings(const emscripten::val& value, std::string_view name) {
    std::vector<std::string> strings;
    if (!value.isArray()) {
      Fail(std::string(name) + " must be an array of strings");
      return strings;
    }
    const auto count = value["length"].as<unsigned>();
    for (unsigned i = 0; i < count; ++i) {
      strings.push_back(String(value[i], std::string(name) + "[" + std::to_string(i) + "]"));
    }
    return strings;
  }

  Bytes ByteArray(const emscripten::val& value, std::string_view name) {
    if (js_convert::IsUint8Array(value)) return js_convert::BytesFromJs(value);
    Fail(std::string(name) + " must be a Uint8Array");
    return {};
  }

  // A payload to send: over kMaxContentSize is kMessageTooLarge, refused
  // before it is copied into the module's memory.
  Bytes Content(const emscripten::val& value, std::string_view name) {
    return Bounded(value, name, kMaxContentSize, ErrorKind::kMessageTooLarge);
  }

  // Received bytes: over kMaxWireBytes is kDeserializationError (what the
  // decoder would say), refused before the copy.
  Bytes WireMessage(const emscripten::val& value, std::string_view name) {
    return Bounded(value, name, kMaxWireBytes, ErrorKind::kDeserializationError);
  }

  // A JS number that is a safe integer within T's range.
  template <class T>
  T Integer(const emscripten::val& value, std::string_view name) {
    using Limits = std::numeric_limits<T>;
    const double low = std::max(static_cast<double>(Limits::min()), -kMaxSafeInteger);
    const double high = std::min(static_cast<double>(Limits::max()), kMaxSafeInteger);
    if (value.isNumber()) {
      const double number = value.as<double>();
      const bool integral = std::isfinite(number) && std::trunc(number) == number;
      if (integral && number >= low && number <= high) return static_cast<T>(number);
    }
    if (low == -kMaxSafeInteger && high == kMaxSafeInteger) {
      Fail(std::string(name) + " must be a safe integer");
    } else {
      Fail(std::string(name) + " must be an integer from " +
           std::to_string(static_cast<std::int64_t>(low)) + " to " +
           std::to_string(static_cast<std::int64_t>(high)));
    }
    return {};
  }

  std::int64_t Time(const emscripten::val& value, std::string_view name) {
    return Integer<std::int64_t>(value, name);
  }

  double Number(const emscripten::val& value, std::string_view name) {
    if (value.isNumber()) {
      const double number = value.as<double>();
      if (std::isfinite(number)) return number;
    }
    Fail(std::string(name) + " must be a finite number");
    return {};
  }

  bool Boolean(const emscripten::val& value, std::string_view name) {
    if (value.isTrue() || value.isFalse()) return value.isTrue();
    Fail(std::string(name) + " must be a boolean");
    return {};
  }

 private:
  Bytes Bounded(const emscripten::val& value, std::string_view name, std::size_t limit,
                ErrorKind kind) {
    if (js_convert::IsUint8Array(value)) {
      const auto length = value["length"].as<double>();
      if (length > static_cast<double>(limit)) {
        Refuse(Error{kind, std::string(name) + " has " + std::to_string(static_cast<std::uint64_t>(length)) +
                               " bytes; the limit is " + std::to_string(limit)});
        return {};
      }
    }
    return ByteArray(value, name);
  }

  std::optional<Error> error_;
};

// The engine's Config from a JS config object ({resendIntervalMs, ...});
// undefined and null mean the defaults.
Config ConfigFromJs(ArgReader& args, const emscripten::val& object);

// {channelId, messageId, kind, dialect, duplicate, content, missing}.
emscripten::val UnwrapResultToJs(const UnwrapResult& result);

// {type, channelId, ...}: the fields meaningful for the event's type.
emscripten::val EventToJs(const Event& event);

}  // namespace sds::bindings
