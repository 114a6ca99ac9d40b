// The real SQLite store (:memory:) the store-backed fuzz targets run
// against. One per process: opening a database per input would dominate the
// run, so each target resets what it touches instead.
#pragma once

#include <memory>
#include <utility>

#include "fuzz_check.h"
#include "persistency/sqlite_store.h"

namespace fuzz {

inline persistency::SqliteStore& MemoryStore() {
  static std::unique_ptr<persistency::SqliteStore> store = [] {
    auto opened = persistency::SqliteStore::OpenInMemory();
    FUZZ_CHECK(opened.has_value(), opened.error().ToString());
    return std::move(*opened);
  }();
  return *store;
}

}  // namespace fuzz
