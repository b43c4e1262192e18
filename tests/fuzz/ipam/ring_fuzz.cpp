// SPDX-License-Identifier: Apache-2.0
// Fuzzes decode_ring and decode_ring_slice: never crash; whatever decodes re-encodes to the
// same bytes; a ring is valid and merging it into itself changes nothing; a slice merges
// into a ring without crashing.
#include "weft/base/assert.hpp"
#include "weft/ipam/wire.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  if (size > 0 && data[0] == weft::ipam::kRingSliceMessage) {
    auto slice = weft::ipam::decode_ring_slice(input);
    if (!slice) {
      WEFT_ASSERT(!slice.error().message().empty(), "every reject says why");
      return 0;
    }
    const auto encoded = weft::ipam::encode_ring_slice(*slice);
    WEFT_ASSERT(std::equal(encoded.begin(), encoded.end(), input.begin(), input.end()),
                "encode(decode(x)) == x");
    weft::ipam::Ring ring(slice->range);
    if (ring.seed({weft::PeerName(1), weft::PeerName(2)})) (void)ring.merge(*slice);
    return 0;
  }
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
