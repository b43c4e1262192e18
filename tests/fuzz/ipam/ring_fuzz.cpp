// SPDX-License-Identifier: Apache-2.0
// Fuzzes decode_ring: never crashes, whatever decodes is a valid ring that re-encodes to the
// same bytes, and merging it into itself changes nothing.
#include "weft/base/assert.hpp"
#include "weft/ipam/wire.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  auto ring = weft::ipam::decode_ring(input);
  if (!ring) {
    WEFT_ASSERT(!ring.error().message().empty(), "every reject says why");
    return 0;
  }
  WEFT_ASSERT(ring->check_invariants().has_value(), "decoded rings are valid");
  const auto encoded = weft::ipam::encode_ring(*ring);
  WEFT_ASSERT(std::equal(encoded.begin(), encoded.end(), input.begin(), input.end()),
              "encode(decode(x)) == x");
  auto copy = *ring;
  auto merged = copy.merge(*ring);
  WEFT_ASSERT(merged && !*merged && copy == *ring, "merge with itself is a no-op");
  return 0;
}
