// The JS-facing SqliteStore (registered as "SqliteStore" by
// persistency_bindings.cc). Declared here so that other glue files reach the
// store behind a JS store object: the channels of a job share its connection,
// the only one the database has (exclusive locking).
#pragma once

#include <emscripten/val.h>

#include <memory>
#include <string>

#include "persistency/sqlite_store.h"

namespace persistency::bindings {

// Owns a SqliteStore; every method converts its arguments and forwards.
class JsStore {
 public:
  static emscripten::val Open(const std::string& path, const emscripten::val& options);

  emscripten::val Apply(const emscripten::val& ops);
  emscripten::val ApplyPacked(const emscripten::val& packed);
  emscripten::val Get(const std::string& category, const emscripten::val& key);
  emscripten::val Exists(const std::string& category, const emscripten::val& key);
  emscripten::val Scan(const std::string& category, const emscripten::val& start,
                       const emscripten::val& stop, bool reverse, unsigned limit);
  emscripten::val ScanPacked(const std::string& category, const emscripten::val& start,
                             const emscripten::val& stop, bool reverse, unsigned limit);
  emscripten::val Count(const std::string& category, const emscripten::val& start,
                        const emscripten::val& stop);
  emscripten::val IntegrityCheck();
  emscripten::val DeleteOne(const std::string& category, const emscripten::val& key);

  // Shared with the other users of the connection, so that the database stays
  // open as long as one of them does.
  const std::shared_ptr<SqliteStore>& store() const { return store_; }

 private:
  explicit JsStore(std::shared_ptr<SqliteStore> store) : store_(std::move(store)) {}

  std::shared_ptr<SqliteStore> store_;
};

}  // namespace persistency::bindings
