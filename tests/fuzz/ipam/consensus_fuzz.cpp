// SPDX-License-Identifier: Apache-2.0
// Fuzzes decode_consensus and the rules over whatever peers claim: never crashes, whatever
// decodes re-encodes to the same bytes, a peer that merges it and proposes still gossips
// and stores a state that decodes, and merging the same bytes again changes nothing.
#include "weft/base/assert.hpp"
#include "weft/ipam/consensus.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace weft;
  const std::span<const std::uint8_t> input(data, size);
  auto m = ipam::decode_consensus(input);
  if (!m) {
    WEFT_ASSERT(!m.error().message().empty(), "every reject says why");
    return 0;
  }
  const auto encoded = ipam::encode_consensus(*m);
  WEFT_ASSERT(std::equal(encoded.begin(), encoded.end(), input.begin(), input.end()),
              "encode(decode(x)) == x");

  // Peer 1 (often named in small inputs, so its own entry gets folded too) takes part.
  SplitMix64Rng rng(size);
  ipam::Consensus c(PeerName(1), m->n);
  c.start(kEpoch, rng);
  auto merged = c.merge(input, kEpoch);
  WEFT_ASSERT(merged, "a message that decodes, with our n, merges");
  const TimePoint later = kEpoch + std::chrono::hours(1);
  c.on_tick(later, rng);  // proposes when it knows a quorum
  WEFT_ASSERT(ipam::decode_consensus(c.encode()), "what we gossip decodes");
  auto again = c.merge(input, later);
  WEFT_ASSERT(again && !*again, "merging the same state twice changes nothing");

  ipam::Consensus restarted(PeerName(1), m->n);
  WEFT_ASSERT(restarted.restore_self(c.encode_self()), "what we store restores");
  WEFT_ASSERT(restarted.nodes().at(PeerName(1)) == c.nodes().at(PeerName(1)),
              "a restart keeps our own entry");
  return 0;
}
