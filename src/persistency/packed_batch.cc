#include "persistency/packed_batch.h"

#include <cstdint>
#include <optional>
#include <string>

namespace persistency {
namespace {

enum class PackedOp : std::uint8_t { kPut = 1, kDelete = 2, kDeletePrefix = 3 };

// Consumes `packed` from the front; every read fails instead of passing the end.
class PackedReader {
 public:
  explicit PackedReader(ByteView packed) : rest_(packed) {}

  bool done() const { return rest_.empty(); }

  std::optional<std::uint8_t> Byte() {
    if (rest_.empty()) return std::nullopt;
    std::uint8_t value = rest_.front();
    rest_ = rest_.subspan(1);
    return value;
  }

  // A u32le length, then that many bytes.
  std::optional<ByteView> Sized() {
    if (rest_.size() < 4) return std::nullopt;
    std::uint32_t length = 0;
    for (int i = 3; i >= 0; --i) length = (length << 8) | rest_[static_cast<std::size_t>(i)];
    rest_ = rest_.subspan(4);
    if (rest_.size() < length) return std::nullopt;
    ByteView field = rest_.first(length);
    rest_ = rest_.subspan(length);
    return field;
  }

 private:
  ByteView rest_;
};

std::unexpected<Error> Malformed(std::size_t record, const std::string& what) {
  return MakeError(ErrorKind::kInvalidArgument,
                   "packed batch record " + std::to_string(record) + ": " + what);
}

}  // namespace

Result<WriteBatch> DecodePackedBatch(ByteView packed) {
  WriteBatch batch;
  PackedReader reader(packed);
  for (std::size_t record = 0; !reader.done(); ++record) {
    const std::uint8_t code = *reader.Byte();
    if (code < 1 || code > 3) return Malformed(record, "unknown op code " + std::to_string(code));
    const auto op = static_cast<PackedOp>(code);
    std::optional<ByteView> category = reader.Sized();
    if (!category) return Malformed(record, "category runs past the end");
    std::optional<ByteView> key = reader.Sized();
    if (!key) return Malformed(record, "key runs past the end");
    std::string category_name(category->begin(), category->end());
    switch (op) {
      case PackedOp::kPut: {
        std::optional<ByteView> payload = reader.Sized();
        if (!payload) return Malformed(record, "payload runs past the end");
        batch.Put(std::move(category_name), Key::Raw(*key), Bytes(payload->begin(), payload->end()));
        break;
      }
      case PackedOp::kDelete:
        batch.Delete(std::move(category_name), Key::Raw(*key));
        break;
      case PackedOp::kDeletePrefix:
        batch.DeletePrefix(std::move(category_name), Key::Raw(*key));
        break;
    }
  }
  return batch;
}

}  // namespace persistency
