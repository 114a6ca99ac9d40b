// embind glue for the persistency core: converts between JS values and the
// C++ types, and turns Result<T> into {ok: true, value} | {ok: false, error}.
// No logic lives here.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <cstdint>
#include <string>
#include <vector>

#include "js_convert.h"
#include "js_store.h"
#include "persistency/job_id.h"
#include "persistency/packed_batch.h"
#include "persistency/sqlite_store.h"
#include "platform/host_file_vfs.h"

namespace js_convert {

template <>
val ErrorToJs(const persistency::Error& error) {
  val object = val::object();
  object.set("kind", std::string(persistency::ErrorKindName(error.kind)));
  object.set("message", error.message);
  object.set("code", error.backend_code);
  return object;
}

}  // namespace js_convert

namespace persistency::bindings {
namespace {

using emscripten::val;
using js_convert::BytesFromJs;
using js_convert::BytesToJs;
using js_convert::Failure;
using js_convert::StatusToJs;
using js_convert::Success;
using js_convert::ToJs;

Key KeyFromJs(const val& array) { return Key::Raw(BytesFromJs(array)); }

JournalMode JournalModeFromJs(const std::string& name) {
  if (name == "delete") return JournalMode::kDelete;
  if (name == "truncate") return JournalMode::kTruncate;
  if (name == "persist") return JournalMode::kPersist;
  if (name == "memory") return JournalMode::kMemory;
  return JournalMode::kWal;
}

StoreOptions OptionsFromJs(const val& options) {
  StoreOptions parsed;
  // Emscripten's file systems have no shared memory, so WAL needs exclusive locking.
  parsed.exclusive_locking = true;
  if (options.isUndefined() || options.isNull()) return parsed;
  if (val mode = options["journalMode"]; mode.isString()) {
    parsed.journal_mode = JournalModeFromJs(mode.as<std::string>());
  }
  if (val exclusive = options["exclusiveLocking"]; !exclusive.isUndefined()) {
    parsed.exclusive_locking = exclusive.as<bool>();
  }
  if (val full = options["synchronousFull"]; !full.isUndefined()) {
    parsed.synchronous_full = full.as<bool>();
  }
  if (val page = options["pageSize"]; page.isNumber()) parsed.page_size = page.as<int>();
  if (val cache = options["cacheSizeKib"]; cache.isNumber()) {
    parsed.cache_size_kib = cache.as<int>();
  }
  if (val vfs = options["vfs"]; vfs.isString()) parsed.vfs = vfs.as<std::string>();
  return parsed;
}

Result<WriteBatch> BatchFromJs(const val& ops) {
  WriteBatch batch;
  const auto count = ops["length"].as<unsigned>();
  for (unsigned i = 0; i < count; ++i) {
    val op = ops[i];
    std::string kind = op["op"].as<std::string>();
    std::string category = op["category"].as<std::string>();
    if (kind == "put") {
      batch.Put(std::move(category), KeyFromJs(op["key"]), BytesFromJs(op["payload"]));
    } else if (kind == "delete") {
      batch.Delete(std::move(category), KeyFromJs(op["key"]));
    } else if (kind == "deletePrefix") {
      batch.DeletePrefix(std::move(category), KeyFromJs(op["key"]));
    } else {
      return MakeError(ErrorKind::kInvalidArgument, "unknown write op: " + kind);
    }
  }
  return batch;
}

KeyRange RangeFromJs(const val& start, const val& stop) {
  return KeyRange{KeyFromJs(start), stop.isUndefined() || stop.isNull() ? Key() : KeyFromJs(stop)};
}

val RowsToJs(const std::vector<KvRow>& rows) {
  val array = val::array();
  for (const KvRow& row : rows) {
    val entry = val::object();
    entry.set("key", BytesToJs(row.key.view()));
    entry.set("payload", BytesToJs(row.payload));
    array.call<void>("push", entry);
  }
  return array;
}

// Appends `bytes` to `out` as a u32 little-endian length and the bytes.
void AppendSized(std::vector<std::uint8_t>& out, ByteView bytes) {
  const auto length = static_cast<std::uint32_t>(bytes.size());
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<std::uint8_t>(length >> shift));
  out.insert(out.end(), bytes.begin(), bytes.end());
}

val ValidateJobIdJs(const std::string& id) { return StatusToJs(ValidateJobId(id)); }

val PrefixRangeStopJs(const val& prefix) { return BytesToJs(PrefixRange(KeyFromJs(prefix)).stop.view()); }

}  // namespace

val JsStore::Open(const std::string& path, const val& options) {
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path, OptionsFromJs(options));
  if (!store) return Failure(store.error());
  return Success(val(JsStore(std::move(*store))));
}

val JsStore::Apply(const val& ops) {
  Result<WriteBatch> batch = BatchFromJs(ops);
  if (!batch) return Failure(batch.error());
  return StatusToJs(store_->Apply(*batch));
}

// `packed` is a Uint8Array in the format of persistency/packed_batch.h: one copy
// into wasm memory replaces the per-op property reads of Apply.
val JsStore::ApplyPacked(const val& packed) {
  Result<WriteBatch> batch = DecodePackedBatch(BytesFromJs(packed));
  if (!batch) return Failure(batch.error());
  return StatusToJs(store_->Apply(*batch));
}

val JsStore::Get(const std::string& category, const val& key) {
  return ToJs(store_->Get(category, KeyFromJs(key)), [](const std::optional<Bytes>& payload) {
    return payload ? BytesToJs(*payload) : val::null();
  });
}

val JsStore::Exists(const std::string& category, const val& key) {
  return ToJs(store_->Exists(category, KeyFromJs(key)), [](bool found) { return val(found); });
}

val JsStore::Scan(const std::string& category, const val& start, const val& stop, bool reverse,
                  unsigned limit) {
  ScanOptions options{.reverse = reverse, .limit = limit};
  return ToJs(store_->Scan(category, RangeFromJs(start, stop), options), RowsToJs);
}

// The rows as one Uint8Array (web/src/packed-rows.ts decodes it): per row a
// u32 little-endian key length, the key, a u32 payload length, the payload.
// One array crosses to JS instead of two per row.
val JsStore::ScanPacked(const std::string& category, const val& start, const val& stop,
                        bool reverse, unsigned limit) {
  ScanOptions options{.reverse = reverse, .limit = limit};
  std::vector<std::uint8_t> packed;
  Status status = store_->ScanEach(category, RangeFromJs(start, stop), options,
                                   [&packed](ByteView key, ByteView payload) {
                                     AppendSized(packed, key);
                                     AppendSized(packed, payload);
                                   });
  if (!status) return Failure(status.error());
  return Success(BytesToJs(packed));
}

val JsStore::Count(const std::string& category, const val& start, const val& stop) {
  return ToJs(store_->Count(category, RangeFromJs(start, stop)),
              [](std::int64_t n) { return val(static_cast<double>(n)); });
}

val JsStore::IntegrityCheck() {
  return ToJs(store_->IntegrityCheck(), [](const std::string& report) { return val(report); });
}

val JsStore::DeleteOne(const std::string& category, const val& key) {
  return ToJs(store_->DeleteOne(category, KeyFromJs(key)), [](bool existed) { return val(existed); });
}

EMSCRIPTEN_BINDINGS(persistency) {
  platform::RegisterHostFileVfs();
  emscripten::class_<JsStore>("SqliteStore")
      .class_function("open", &JsStore::Open)
      .function("apply", &JsStore::Apply)
      .function("applyPacked", &JsStore::ApplyPacked)
      .function("get", &JsStore::Get)
      .function("exists", &JsStore::Exists)
      .function("scan", &JsStore::Scan)
      .function("scanPacked", &JsStore::ScanPacked)
      .function("count", &JsStore::Count)
      .function("deleteOne", &JsStore::DeleteOne)
      .function("integrityCheck", &JsStore::IntegrityCheck);
  emscripten::function("validateJobId", &ValidateJobIdJs);
  emscripten::function("prefixRangeStop", &PrefixRangeStopJs);
}

}  // namespace persistency::bindings
