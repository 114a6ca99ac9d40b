// DecodePackedBatch: the byte form of a WriteBatch that the wasm bindings accept.

#include "persistency/packed_batch.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace persistency {
namespace {

void AppendU32(Bytes& out, std::size_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<std::uint8_t>(value >> shift));
}

void AppendSized(Bytes& out, ByteView field) {
  AppendU32(out, field.size());
  out.insert(out.end(), field.begin(), field.end());
}

// Writes `batch` in the packed form, independently of the decoder.
Bytes Pack(const WriteBatch& batch) {
  Bytes out;
  for (const WriteOp& op : batch.ops()) {
    switch (op.kind) {
      case WriteKind::kPut: out.push_back(1); break;
      case WriteKind::kDelete: out.push_back(2); break;
      case WriteKind::kDeletePrefix: out.push_back(3); break;
    }
    AppendSized(out, AsBytes(op.category));
    AppendSized(out, op.key.bytes());
    if (op.kind == WriteKind::kPut) AppendSized(out, op.payload);
  }
  return out;
}

WriteBatch MixedBatch() {
  WriteBatch batch;
  batch.Put("messages", Key::Raw(ToBytes("k1")), ToBytes("payload one"))
      .Delete("messages", Key::Raw(ToBytes("k2")))
      .DeletePrefix("acks", Key::Raw(ToBytes("chan/")))
      .Put("", Key(), Bytes{})  // empty fields are valid
      .Put("bin", Key::Raw(Bytes{0x00, 0xFF, 0x00}), Bytes(300, 0xAB));
  return batch;
}

TEST(PackedBatchTest, EmptyInputIsAnEmptyBatch) {
  Result<WriteBatch> batch = DecodePackedBatch({});
  ASSERT_TRUE(batch.has_value());
  EXPECT_TRUE(batch->empty());
}

TEST(PackedBatchTest, RoundTripKeepsEveryOpInOrder) {
  const WriteBatch original = MixedBatch();
  const Bytes packed = Pack(original);
  Result<WriteBatch> decoded = DecodePackedBatch(packed);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(decoded->ops(), original.ops());
}

TEST(PackedBatchTest, EveryTruncationIsInvalidArgument) {
  const Bytes packed = Pack(MixedBatch());
  // Record boundaries decode to a shorter batch; every other cut must fail cleanly.
  std::size_t boundaries = 0;
  for (std::size_t length = 1; length < packed.size(); ++length) {
    Bytes cut(packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(length));
    Result<WriteBatch> decoded = DecodePackedBatch(cut);
    if (decoded.has_value()) {
      ++boundaries;
      EXPECT_EQ(Pack(*decoded), cut) << "length " << length;
    } else {
      EXPECT_EQ(decoded.error().kind, ErrorKind::kInvalidArgument) << "length " << length;
    }
  }
  EXPECT_EQ(boundaries, MixedBatch().size() - 1);
}

TEST(PackedBatchTest, UnknownOpCodeIsInvalidArgument) {
  for (std::uint8_t code : {std::uint8_t{0}, std::uint8_t{4}, std::uint8_t{0xFF}}) {
    Bytes packed = Pack(MixedBatch());
    packed[0] = code;
    Result<WriteBatch> decoded = DecodePackedBatch(packed);
    ASSERT_FALSE(decoded.has_value()) << int{code};
    EXPECT_EQ(decoded.error().kind, ErrorKind::kInvalidArgument);
    EXPECT_NE(decoded.error().message.find("op code"), std::string::npos);
  }
}

TEST(PackedBatchTest, LengthBeyondTheInputIsInvalidArgument) {
  Bytes packed{2};
  AppendU32(packed, 0xFFFFFFFF);  // a category far longer than what follows
  packed.push_back('c');
  Result<WriteBatch> decoded = DecodePackedBatch(packed);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().kind, ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace persistency
