// The job worker's write path: DecodePackedBatch (src/persistency/
// packed_batch.h) on arbitrary bytes, then SqliteStore::Apply of what it
// accepts on a real :memory: store, compared with a std::map model.
//   - refused input => InvalidArgument naming the record;
//   - accepted input => re-packing the batch gives the input back (the form
//     has one encoding per batch), and after Apply every touched category
//     holds exactly the model's rows.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "fuzz_check.h"
#include "memory_store.h"
#include "packed_writer.h"
#include "persistency/packed_batch.h"
#include "persistency/sqlite_store.h"

namespace {

using persistency::Bytes;
using persistency::Key;

using Model = std::map<std::pair<std::string, Key>, Bytes>;

void ApplyToModel(const persistency::WriteBatch& batch, Model& model) {
  for (const persistency::WriteOp& op : batch.ops()) {
    switch (op.kind) {
      case persistency::WriteKind::kPut: model[{op.category, op.key}] = op.payload; break;
      case persistency::WriteKind::kDelete: model.erase({op.category, op.key}); break;
      case persistency::WriteKind::kDeletePrefix: {
        const persistency::KeyRange range = persistency::PrefixRange(op.key);
        std::erase_if(model, [&](const auto& row) {
          return row.first.first == op.category && range.Contains(row.first.second);
        });
        break;
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const persistency::ByteView input(data, size);
  auto batch = persistency::DecodePackedBatch(input);
  if (!batch) {
    FUZZ_CHECK(batch.error().kind == persistency::ErrorKind::kInvalidArgument);
    FUZZ_CHECK(batch.error().message.starts_with("packed batch record "), batch.error().message);
    return 0;
  }
  FUZZ_CHECK(fuzz::Pack(*batch) == Bytes(input.begin(), input.end()));
  if (batch->empty()) return 0;

  std::set<std::string> categories;
  for (const persistency::WriteOp& op : batch->ops()) categories.insert(op.category);
  persistency::WriteBatch reset;
  for (const std::string& category : categories) reset.DeletePrefix(category, Key());
  auto cleared = fuzz::MemoryStore().Apply(reset);
  FUZZ_CHECK(cleared.has_value(), cleared.error().ToString());

  Model model;
  ApplyToModel(*batch, model);
  auto applied = fuzz::MemoryStore().Apply(*batch);
  FUZZ_CHECK(applied.has_value(), applied.error().ToString());
  for (const std::string& category : categories) {
    auto rows = fuzz::MemoryStore().ScanPrefix(category, Key());
    FUZZ_CHECK(rows.has_value(), rows.error().ToString());
    auto expected = model.lower_bound({category, Key()});
    for (const persistency::KvRow& row : *rows) {
      FUZZ_CHECK(expected != model.end() && expected->first.first == category);
      FUZZ_CHECK(expected->first.second == row.key && expected->second == row.payload,
                 category + "/" + row.key.ToHex());
      ++expected;
    }
    FUZZ_CHECK(expected == model.end() || expected->first.first != category);
  }
  return 0;
}
