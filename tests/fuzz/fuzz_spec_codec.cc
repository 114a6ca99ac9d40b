// The spec wire dialect (src/sds/spec_codec.h): any input either is refused
// with kDeserializationError or round-trips (wire_round_trip.h). An accepted
// message also survives the nim dialect unchanged: every spec message can be
// relayed to a nim peer.
#include <cstddef>
#include <cstdint>

#include "wire_round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto message = fuzz::CheckWireRoundTrip(sds::ByteView(data, size), sds::Dialect::kSpec);
  if (!message) return 0;
  FUZZ_CHECK(!message->bloom_filter || sds::IsSpecBloom(*message->bloom_filter));
  auto as_nim = sds::EncodeNim(*message);
  FUZZ_CHECK(as_nim.has_value(), as_nim.error().ToString());
  auto back = sds::DecodeNim(*as_nim);
  FUZZ_CHECK(back.has_value(), back.error().ToString());
  FUZZ_CHECK(fuzz::SameMessage(*message, *back));
  return 0;
}
