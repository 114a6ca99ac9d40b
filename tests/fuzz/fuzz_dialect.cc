// Dialect detection (src/sds/dialect.h) against a model of its documented
// rules, computed from the fields wire::FieldReader walks; DecodeAny and
// PeekChannelId must agree with detection and with the dialect decoders.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "fuzz_check.h"
#include "sds/dialect.h"
#include "wire_round_trip.h"

namespace {

using sds::Dialect;
using sds::wire::Field;

bool Has(const std::vector<Field>& fields, std::uint32_t number, std::uint8_t wire_type) {
  for (const Field& field : fields) {
    if (field.number == number && field.wire_type == wire_type) return true;
  }
  return false;
}

// Rules 2 and 3 of DetectDialect; nullopt when they refuse.
std::optional<Dialect> ExpectedDialect(const std::vector<Field>& fields) {
  using sds::wire::kLengthDelimited;
  using sds::wire::kVarint;
  const bool lamport = Has(fields, 2, kVarint);
  const bool spec_id = Has(fields, 2, kLengthDelimited);
  if (lamport && spec_id) return std::nullopt;
  if (lamport) return Dialect::kNim;
  if (spec_id) return Dialect::kSpec;
  const bool nim_votes = Has(fields, 4, kLengthDelimited) || Has(fields, 5, kLengthDelimited) ||
                         Has(fields, 6, kLengthDelimited);
  const bool spec_votes = Has(fields, 10, kVarint) || Has(fields, 11, kLengthDelimited) ||
                          Has(fields, 12, kLengthDelimited) || Has(fields, 20, kLengthDelimited);
  if (nim_votes == spec_votes) return std::nullopt;
  return nim_votes ? Dialect::kNim : Dialect::kSpec;
}

// The walker's own promises: fields lie inside the input, in order, and
// their payload sizes match their wire types.
std::vector<Field> WalkChecked(sds::ByteView input, bool& well_formed) {
  sds::wire::FieldReader reader(input);
  std::vector<Field> fields;
  Field field;
  std::size_t previous_offset = 0;
  while (reader.Next(field)) {
    FUZZ_CHECK(field.number >= 1);
    FUZZ_CHECK(reader.offset() > previous_offset && reader.offset() <= input.size());
    previous_offset = reader.offset();
    FUZZ_CHECK(field.payload.data() >= input.data() &&
               field.payload.data() + field.payload.size() <= input.data() + input.size());
    switch (field.wire_type) {
      case sds::wire::kVarint: FUZZ_CHECK(!field.payload.empty() && field.payload.size() <= 10); break;
      case sds::wire::kFixed64: FUZZ_CHECK(field.payload.size() == 8); break;
      case sds::wire::kFixed32: FUZZ_CHECK(field.payload.size() == 4); break;
      case sds::wire::kLengthDelimited: FUZZ_CHECK(field.payload.size() == field.varint); break;
      default: FUZZ_CHECK(false, "unexpected wire type");
    }
    fields.push_back(field);
  }
  well_formed = !reader.failed();
  if (well_formed) FUZZ_CHECK(reader.offset() == input.size());
  if (reader.failed()) FUZZ_CHECK(!reader.error().empty());
  return fields;
}

void CheckPeek(sds::ByteView input, const std::vector<Field>& fields, bool well_formed,
               Dialect dialect) {
  const std::uint32_t number = dialect == Dialect::kNim ? 4 : 3;
  std::optional<sds::ByteView> last;
  for (const Field& field : fields) {
    if (field.number == number && field.wire_type == sds::wire::kLengthDelimited) last = field.payload;
  }
  auto peeked = sds::PeekChannelId(input, dialect);
  if (!well_formed || !last || last->empty()) {
    FUZZ_CHECK(!peeked && peeked.error().kind == sds::ErrorKind::kDeserializationError);
    return;
  }
  FUZZ_CHECK(peeked.has_value());
  FUZZ_CHECK(std::equal(peeked->begin(), peeked->end(), last->begin(), last->end(),
                        [](char c, std::uint8_t b) { return static_cast<std::uint8_t>(c) == b; }));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const sds::ByteView input(data, size);
  bool well_formed = false;
  const std::vector<Field> fields = WalkChecked(input, well_formed);

  auto detected = sds::DetectDialect(input);
  auto any = sds::DecodeAny(input);
  const std::optional<Dialect> expected =
      well_formed && size > 0 ? ExpectedDialect(fields) : std::nullopt;
  if (!expected) {
    FUZZ_CHECK(!detected && detected.error().kind == sds::ErrorKind::kDeserializationError);
    FUZZ_CHECK(!any && any.error().kind == sds::ErrorKind::kDeserializationError);
  } else {
    FUZZ_CHECK(detected.has_value() && *detected == *expected, sds::DialectName(*expected));
    auto direct = fuzz::DecodeIn(*expected, input);
    FUZZ_CHECK(any.has_value() == direct.has_value());
    if (any) {
      FUZZ_CHECK(any->dialect == *expected);
      FUZZ_CHECK(any->message == *direct);
    } else {
      FUZZ_CHECK(any.error().kind == sds::ErrorKind::kDeserializationError);
    }
  }
  CheckPeek(input, fields, well_formed, Dialect::kNim);
  CheckPeek(input, fields, well_formed, Dialect::kSpec);
  return 0;
}
