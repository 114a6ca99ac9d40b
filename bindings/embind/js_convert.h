// Conversions shared by the embind glue files: bytes between JS and C++, and
// the result shape every fallible binding returns:
//
//   {ok: true, value} | {ok: false, error: {kind, message, ...}}
//
// Each glue file specializes ErrorToJs for its own error type, before its
// first use of Failure, ToJs or StatusToJs.
#pragma once

#include <emscripten/val.h>

#include <cstdint>
#include <expected>
#include <span>
#include <utility>
#include <vector>

namespace js_convert {

using emscripten::val;

// A new Uint8Array holding a copy of `bytes`. Not a view: a view into the
// wasm heap would be invalidated when memory grows.
inline val BytesToJs(std::span<const std::uint8_t> bytes) {
  return val(emscripten::typed_memory_view(bytes.size(), bytes.data())).call<val>("slice");
}

// A copy of the elements of a Uint8Array (or of any array-like of numbers).
inline std::vector<std::uint8_t> BytesFromJs(const val& array) {
  return emscripten::convertJSArrayToNumberVector<std::uint8_t>(array);
}

inline bool IsUint8Array(const val& value) { return value.instanceof(val::global("Uint8Array")); }

// The JS form of an error: at least {kind, message}.
template <class E>
val ErrorToJs(const E& error);

inline val Success(val value = val::undefined()) {
  val result = val::object();
  result.set("ok", true);
  result.set("value", std::move(value));
  return result;
}

template <class E>
val Failure(const E& error) {
  val result = val::object();
  result.set("ok", false);
  result.set("error", ErrorToJs(error));
  return result;
}

// {ok: true, value: convert(*result)} or the failure.
template <class T, class E, class Convert>
val ToJs(const std::expected<T, E>& result, Convert convert) {
  if (!result) return Failure(result.error());
  return Success(convert(*result));
}

template <class E>
val StatusToJs(const std::expected<void, E>& status) {
  return status ? Success() : Failure(status.error());
}

}  // namespace js_convert
