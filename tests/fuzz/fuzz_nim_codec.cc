// The nim wire dialect (src/sds/nim_codec.h): any input either is refused
// with kDeserializationError or round-trips (wire_round_trip.h).
#include <cstddef>
#include <cstdint>

#include "wire_round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::CheckWireRoundTrip(sds::ByteView(data, size), sds::Dialect::kNim);
  return 0;
}
