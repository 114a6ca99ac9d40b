// Scan bounds on a real SQLite store (:memory:), against a std::map model:
// Scan over [start, stop) (stop empty: open-ended), ascending or descending,
// with a limit; Count over the same range; ScanPrefix; Get and Exists.
// Keys come from a small alphabet around 0x00 / 0x80 / 0xff so that ranges,
// prefixes and collisions are common.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_check.h"
#include "memory_store.h"
#include "persistency/key.h"
#include "persistency/sqlite_store.h"
#include "persistency/write_batch.h"

namespace {

using persistency::Bytes;
using persistency::Key;
using persistency::KeyRange;
using persistency::KvRow;
using Model = std::map<Key, Bytes>;

constexpr std::string_view kCategory = "fuzz";

Key ConsumeKey(FuzzedDataProvider& provider) {
  static constexpr std::uint8_t kAlphabet[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
  Bytes bytes(provider.ConsumeIntegralInRange<std::size_t>(0, 4));
  for (auto& byte : bytes) byte = provider.PickValueInArray(kAlphabet);
  return Key::Raw(std::move(bytes));
}

std::vector<KvRow> Expected(const Model& model, const KeyRange& range, bool reverse,
                            std::size_t limit) {
  std::vector<KvRow> rows;
  for (const auto& [key, payload] : model) {
    if (range.Contains(key)) rows.push_back({key, payload});
  }
  if (reverse) std::reverse(rows.begin(), rows.end());
  if (limit != 0 && rows.size() > limit) rows.resize(limit);
  return rows;
}

void Write(FuzzedDataProvider& provider, Model& model) {
  persistency::WriteBatch batch;
  const std::size_t ops = provider.ConsumeIntegralInRange<std::size_t>(1, 12);
  for (std::size_t i = 0; i < ops; ++i) {
    Key key = ConsumeKey(provider);
    switch (provider.ConsumeIntegralInRange<int>(0, 5)) {
      case 0:
        model.erase(key);
        batch.Delete(std::string(kCategory), std::move(key));
        break;
      case 1: {
        const KeyRange range = persistency::PrefixRange(key);
        std::erase_if(model, [&range](const auto& row) { return range.Contains(row.first); });
        batch.DeletePrefix(std::string(kCategory), std::move(key));
        break;
      }
      default: {
        Bytes payload(provider.ConsumeIntegralInRange<std::size_t>(0, 3), static_cast<std::uint8_t>(i));
        model[key] = payload;
        batch.Put(std::string(kCategory), std::move(key), std::move(payload));
        break;
      }
    }
  }
  auto applied = fuzz::MemoryStore().Apply(batch);
  FUZZ_CHECK(applied.has_value(), applied.error().ToString());
}

void Query(FuzzedDataProvider& provider, const Model& model) {
  persistency::SqliteStore& store = fuzz::MemoryStore();
  const KeyRange range{ConsumeKey(provider), ConsumeKey(provider)};
  const persistency::ScanOptions options{provider.ConsumeBool(),
                                         provider.ConsumeIntegralInRange<std::size_t>(0, 4)};
  auto rows = store.Scan(kCategory, range, options);
  FUZZ_CHECK(rows.has_value(), rows.error().ToString());
  FUZZ_CHECK(*rows == Expected(model, range, options.reverse, options.limit),
             range.start.ToHex() + ".." + range.stop.ToHex());

  auto count = store.Count(kCategory, range);
  FUZZ_CHECK(count.has_value(), count.error().ToString());
  FUZZ_CHECK(static_cast<std::size_t>(*count) == Expected(model, range, false, 0).size());

  const Key prefix = ConsumeKey(provider);
  auto by_prefix = store.ScanPrefix(kCategory, prefix, options);
  FUZZ_CHECK(by_prefix.has_value(), by_prefix.error().ToString());
  FUZZ_CHECK(*by_prefix ==
             Expected(model, persistency::PrefixRange(prefix), options.reverse, options.limit));

  const Key probe = ConsumeKey(provider);
  const auto found = model.find(probe);
  auto payload = store.Get(kCategory, probe);
  FUZZ_CHECK(payload.has_value());
  FUZZ_CHECK(payload->has_value() == (found != model.end()));
  if (found != model.end()) FUZZ_CHECK(**payload == found->second);
  auto exists = store.Exists(kCategory, probe);
  FUZZ_CHECK(exists.has_value() && *exists == (found != model.end()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  persistency::WriteBatch reset;
  reset.DeletePrefix(std::string(kCategory), Key());
  auto cleared = fuzz::MemoryStore().Apply(reset);
  FUZZ_CHECK(cleared.has_value(), cleared.error().ToString());

  FuzzedDataProvider provider(data, size);
  Model model;
  while (provider.remaining_bytes() > 0) {
    if (provider.ConsumeBool()) {
      Write(provider, model);
    } else {
      Query(provider, model);
    }
  }
  return 0;
}
