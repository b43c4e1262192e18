// SPDX-License-Identifier: Apache-2.0
// Fuzzes decode_registry and the merge: never crash; every reject says why; whatever decodes
// re-encodes to the same bytes; merging it into itself changes nothing; merging it into a
// registry (as another peer and as the registry's own origin, the restart correction path)
// and gc never crash, and what the registry then holds encodes and decodes back equal.
#include "weft/base/assert.hpp"
#include "weft/dns/registry.hpp"
#include "weft/dns/registry_wire.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

using namespace std::chrono_literals;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  auto state = weft::dns::decode_registry(input);
  if (!state) {
    WEFT_ASSERT(!state.error().message().empty(), "every reject says why");
    return 0;
  }
  const auto encoded = weft::dns::encode_registry(*state);
  WEFT_ASSERT(std::equal(encoded.begin(), encoded.end(), input.begin(), input.end()),
              "encode(decode(x)) == x");
  for (const auto& [origin, rec] : *state) {
    if (rec.base == 0) {
      WEFT_ASSERT(weft::dns::merge_records(rec, rec) == rec, "merge with itself is a no-op");
    }
  }
  // As a bystander and as the origin of the first record (a restart without memory).
  for (const weft::PeerName self :
       {weft::PeerName(~0ULL), state->empty() ? weft::PeerName(1) : state->begin()->first}) {
    weft::dns::Registry r(self, 10s);
    (void)r.add(*weft::dns::Name::parse("a.weft.local."), weft::IpAddress::v4(10, 32, 0, 1), "c",
                weft::kEpoch);
    (void)r.merge(*state, weft::kEpoch + 1s);
    (void)r.merge(*state, weft::kEpoch + 2s);
    r.gc(weft::kEpoch + 1h);
    (void)r.lookup(*weft::dns::Name::parse("a.weft.local."));
    (void)r.entries();
    // (A version at the 2^62 limit may step over it here; real origins never get near.)
    bool near_limit = false;
    for (const auto& [origin, rec] : r.state()) {
      near_limit = near_limit || rec.max_version() + 2 > weft::dns::kMaxRegistryVersion;
    }
    auto back = weft::dns::decode_registry(weft::dns::encode_registry(r.state()));
    WEFT_ASSERT(near_limit || (back && *back == r.state()), "a merged state decodes back");
  }
  return 0;
}
