// SPDX-License-Identifier: Apache-2.0
// Fuzzes decode_ring, decode_ring_slice and decode_join: never crash; whatever decodes
// re-encodes to the same bytes; a ring is valid, merging it into itself changes nothing, and
// settling its removals keeps it valid; a slice merges into a ring without crashing.
#include "weft/base/assert.hpp"
#include "weft/ipam/wire.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

namespace {

// Decodes `input`; a reject must say why, and what decodes must encode back to `input`.
// Returns the decoded value, or nullptr on a reject.
template <typename Decoded, typename Encode>
const auto* round_trip(const Decoded& decoded, Encode encode, std::span<const std::uint8_t> input) {
  if (!decoded) {
    WEFT_ASSERT(!decoded.error().message().empty(), "every reject says why");
    return static_cast<decltype(&*decoded)>(nullptr);
  }
  const auto encoded = encode(*decoded);
  WEFT_ASSERT(std::equal(encoded.begin(), encoded.end(), input.begin(), input.end()),
              "encode(decode(x)) == x");
  return &*decoded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace weft::ipam;
  const std::span<const std::uint8_t> input(data, size);
  if (size > 0 && data[0] == kJoinMessage) {
    (void)round_trip(decode_join(input), encode_join, input);
    return 0;
  }
  if (size > 0 && data[0] == kRingSliceMessage) {
    const auto decoded = decode_ring_slice(input);
    if (const auto* slice = round_trip(decoded, encode_ring_slice, input)) {
      Ring ring(slice->range);
      if (ring.seed({weft::PeerName(1), weft::PeerName(2)})) (void)ring.merge(*slice);
    }
    return 0;
  }
  const auto decoded = decode_ring(input);
  const auto* ring = round_trip(decoded, encode_ring, input);
  if (ring == nullptr) return 0;
  WEFT_ASSERT(ring->check_invariants().has_value(), "decoded rings are valid");
  auto copy = *ring;
  auto merged = copy.merge(*ring);
  WEFT_ASSERT(merged && !*merged && copy == *ring, "merge with itself is a no-op");
  (void)copy.settle();
  WEFT_ASSERT(copy.check_invariants().has_value(), "settling keeps a ring valid");
  return 0;
}
