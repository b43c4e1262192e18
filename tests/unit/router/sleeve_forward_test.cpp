// SPDX-License-Identifier: Apache-2.0
// SleeveForwarder: broadcasts copy to every sleeve peer through its next hop, learned MACs
// get one copy, relays pass records on with a lower TTL, and loops, expired TTLs and
// unreachable destinations are dropped.
#include "weft/router/sleeve_forward.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace weft;
using namespace weft::router;
using namespace std::chrono_literals;

namespace {

const PeerName kA(0xa), kB(0xb), kC(0xc), kD(0xd);

std::vector<std::uint8_t> eth(std::uint8_t dst_last, std::uint8_t src_last,
                              bool multicast = false) {
  std::vector<std::uint8_t> f(60, 0);
  f[0] = multicast ? 0xff : 0x02;
  for (int i = 1; i < 5; ++i) f[i] = multicast ? 0xff : 0;
  f[5] = multicast ? 0xff : dst_last;
  f[6] = 0x02;
  f[11] = src_last;
  f[12] = 0x08;  // IPv4
  return f;
}

}  // namespace

TEST_CASE("broadcasts go to every sleeve peer once, through its next hop", "[router][sleeve]") {
  SleeveForwarder fw(kA);
  // A reaches B directly and C only through B; D takes the fast path (not in the set).
  fw.set_paths({kB, kC}, {{kB, kB}, {kC, kB}, {kD, kD}});
  const auto f = eth(0, 1, true);
  const auto hops = fw.from_bridge(f, kEpoch);
  REQUIRE(hops.size() == 2);
  CHECK(hops[0].next == kB);
  CHECK(hops[0].record.destination == kB);
  CHECK(hops[1].next == kB);
  CHECK(hops[1].record.destination == kC);
  CHECK(hops[1].record.origin == kA);
  CHECK(hops[1].record.ttl == kSleeveDefaultTtl);
  CHECK(hops[1].record.frame.data() == f.data());
}

TEST_CASE("a learned MAC gets one copy; it ages out", "[router][sleeve]") {
  SleeveForwarder fw(kA);
  fw.set_paths({kB, kC}, {{kB, kB}, {kC, kB}});
  const auto from_c = eth(1, 0x33);  // a pod behind C (MAC ..:33) talks to ours (..:01)
  auto d = fw.from_peer({kC, kA, 7, from_c}, kEpoch);
  CHECK(d.to_bridge);
  CHECK_FALSE(d.relay);
  REQUIRE(fw.owner_of(MacAddress({2, 0, 0, 0, 0, 0x33}), kEpoch) == kC);
  const auto reply = eth(0x33, 1);
  auto hops = fw.from_bridge(reply, kEpoch + 1s);
  REQUIRE(hops.size() == 1);
  CHECK(hops[0].next == kB);
  CHECK(hops[0].record.destination == kC);
  CHECK(fw.macs_of(kC) == std::vector<MacAddress>{MacAddress({2, 0, 0, 0, 0, 0x33})});
  // C moves to the fast path: the bridge floods the frame to VXLAN as well; no copy here.
  fw.set_paths({kB}, {{kB, kB}, {kC, kB}});
  CHECK(fw.from_bridge(reply, kEpoch + 1s).empty());
  fw.set_paths({kB, kC}, {{kB, kB}, {kC, kB}});
  // Unheard of for longer than the ageing time: flooded again, then forgotten.
  CHECK(fw.from_bridge(reply, kEpoch + SleeveForwarder::kMacAgeing + 1s).size() == 2);
  fw.expire(kEpoch + SleeveForwarder::kMacAgeing + 1s);
  CHECK(fw.macs() == 0);
}

TEST_CASE("relays pass records on; loops, TTL and dead ends are dropped", "[router][sleeve]") {
  SleeveForwarder b(kB);
  b.set_paths({kA, kC}, {{kA, kA}, {kC, kC}});
  const auto f = eth(0x44, 0x11);
  auto d = b.from_peer({kA, kC, 8, f}, kEpoch);
  CHECK_FALSE(d.to_bridge);
  REQUIRE(d.relay);
  CHECK(d.relay->next == kC);
  CHECK(d.relay->record.ttl == 7);
  CHECK(d.relay->record.origin == kA);
  CHECK(b.macs() == 0);  // relays learn nothing: the frame is not for their bridge
  CHECK(std::string(b.from_peer({kA, kC, 1, f}, kEpoch).dropped) == "ttl");
  CHECK(std::string(b.from_peer({kA, kD, 8, f}, kEpoch).dropped) == "unreachable");
  CHECK(std::string(b.from_peer({kB, kC, 8, f}, kEpoch).dropped) == "loop");
  CHECK(std::string(b.from_peer({kA, kB, 8, std::span(f).first(10)}, kEpoch).dropped) == "runt");
  // Paths change: a MAC behind a peer that became unreachable is forgotten.
  CHECK(b.from_peer({kA, kB, 8, f}, kEpoch).to_bridge);
  CHECK(b.macs() == 1);
  b.set_paths({kC}, {{kC, kC}});
  b.expire(kEpoch);
  CHECK(b.macs() == 0);
}
