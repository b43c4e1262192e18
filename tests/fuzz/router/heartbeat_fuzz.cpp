// SPDX-License-Identifier: Apache-2.0
// Fuzzes decode_heartbeat, which reads frames anyone on the overlay can send to weftd's
// packet socket: never crashes; what decodes re-encodes to a frame that decodes the same.
#include "weft/base/assert.hpp"
#include "weft/router/heartbeat.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace weft;
  auto hb = router::decode_heartbeat(std::span<const std::uint8_t>(data, size));
  if (!hb) {
    WEFT_ASSERT(!hb.error().message().empty(), "every reject says why");
    return 0;
  }
  const auto again = router::decode_heartbeat(router::encode_heartbeat(*hb, MacAddress()));
  WEFT_ASSERT(again && *again == *hb, "decode(encode(h)) == h");
  return 0;
}
