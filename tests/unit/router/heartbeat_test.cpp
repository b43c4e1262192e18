// SPDX-License-Identifier: Apache-2.0
// Fast-path heartbeats: the frame codec (round trip, every kind of bad frame refused) and
// the per-peer monitor over virtual time (grace, heard, failing after 3.5 s, recovery).
#include "weft/router/heartbeat.hpp"

#include "weft/testing/addresses.hpp"

#include <catch2/catch.hpp>

using namespace weft;
using weft::testing::ip;
using namespace std::chrono_literals;
using router::Heartbeat;
using router::HeartbeatMonitor;

namespace {
const MacAddress kSrc({0x02, 0, 0, 0, 0, 1});
}  // namespace

TEST_CASE("heartbeat frames round-trip and are Ethernet-sized", "[router][heartbeat]") {
  const Heartbeat hb{{ip("198.18.0.1"), ip("fd00::1")}, 42, {ip("198.18.0.2"), ip("fd00::3")}};
  const auto frame = router::encode_heartbeat(hb, kSrc);
  CHECK(frame.size() >= 60);
  CHECK(frame[12] == 0x88);
  CHECK(frame[13] == 0xB5);
  auto back = router::decode_heartbeat(frame);
  REQUIRE(back);
  CHECK(*back == hb);
  // Only the first kMaxHeartbeatAddresses go out.
  Heartbeat many{{}, 1, {}};
  for (int i = 0; i < 20; ++i) many.senders.push_back(IpAddress::v4(198, 18, 0, i));
  auto cut = router::decode_heartbeat(router::encode_heartbeat(many, kSrc));
  REQUIRE(cut);
  CHECK(cut->senders.size() == router::kMaxHeartbeatAddresses);
}

TEST_CASE("anything but a heartbeat frame is refused without throwing", "[router][heartbeat]") {
  const auto good = router::encode_heartbeat({{ip("198.18.0.1")}, 7, {}}, kSrc);
  // Every truncation of the meaningful part fails.
  for (std::size_t n = 0; n < 6 + 6 + 2 + 4 + 1 + 8 + 1 + 1 + 4; ++n) {
    INFO("first " << n << " bytes");
    CHECK_FALSE(router::decode_heartbeat(std::span(good).first(n)));
  }
  auto flip = [&](std::size_t at, std::uint8_t v) {
    auto f = good;
    f[at] = v;
    return router::decode_heartbeat(f);
  };
  CHECK_FALSE(flip(0, 0xff));         // another destination
  CHECK_FALSE(flip(13, 0x00));        // another ethertype
  CHECK_FALSE(flip(14, 'X'));         // magic
  CHECK_FALSE(flip(18, 2));           // version
  CHECK_FALSE(flip(27, 0));           // no addresses
  CHECK_FALSE(flip(27, 17));          // too many
  CHECK_FALSE(flip(28, 5));           // a family that is neither 4 nor 6
  CHECK_FALSE(flip(33, 201));         // too many heard peers
  CHECK_FALSE(flip(33, 5));           // heard peers that are not there (zero padding)
  CHECK(flip(59, 0xaa).has_value());  // padding is not judged
}

TEST_CASE("the monitor: grace, heard, failing with a reason, heard again", "[router][heartbeat]") {
  HeartbeatMonitor m;
  const TimePoint t0 = kEpoch + 100s;
  const std::vector<IpAddress> self{ip("198.18.0.1")};
  m.set_peers({ip("198.18.0.2"), ip("198.18.0.3")}, t0);
  CHECK(m.state(ip("198.18.0.2"), t0 + 3s).ok);  // grace for a new peer
  CHECK(m.changes(t0 + 3s).empty());
  m.on_heartbeat({{ip("10.0.0.9"), ip("198.18.0.2")}, 1, self}, self, t0 + 3s);  // by its 2nd
  CHECK(m.heard(t0 + 4s) == std::vector<IpAddress>{ip("198.18.0.2")});
  auto s3 = m.state(ip("198.18.0.3"), t0 + 4s);
  CHECK_FALSE(s3.ok);
  CHECK_THAT(s3.reason, Catch::Contains("never a VXLAN heartbeat from 198.18.0.3 for 4 s"));
  CHECK(m.state(ip("198.18.0.2"), t0 + 4s).ok);
  auto c = m.changes(t0 + 4s);
  REQUIRE(c.size() == 1);
  CHECK(c[0].first == ip("198.18.0.3"));
  CHECK(m.changes(t0 + 5s).empty());                   // reported once
  CHECK_FALSE(m.state(ip("198.18.0.2"), t0 + 7s).ok);  // 4 s since the last one
  CHECK_THAT(m.state(ip("198.18.0.2"), t0 + 7s).reason,
             Catch::Contains("no VXLAN heartbeat from 198.18.0.2"));
  m.on_heartbeat({{ip("198.18.0.3")}, 2, self}, self, t0 + 8s);
  auto back = m.changes(t0 + 8s);
  CHECK(back.size() == 2);  // .2 went down, .3 came back
  m.set_peers({ip("198.18.0.3")}, t0 + 9s);
  CHECK_THAT(m.state(ip("198.18.0.2"), t0 + 9s).reason, Catch::Contains("not a fast-path peer"));
}

TEST_CASE("a peer that does not hear us fails too: both ends agree", "[router][heartbeat]") {
  HeartbeatMonitor m;
  const TimePoint t0 = kEpoch + 100s;
  const std::vector<IpAddress> self{ip("198.18.0.1"), ip("fd00::1")};
  m.set_peers({ip("198.18.0.2")}, t0);
  // Its heartbeats arrive, but ours do not reach it (a one-way block): it lists nobody.
  for (int i = 1; i <= 5; ++i) m.on_heartbeat({{ip("198.18.0.2")}, 1, {}}, self, t0 + i * 1s);
  CHECK(m.heard(t0 + 5s).size() == 1);
  auto s = m.state(ip("198.18.0.2"), t0 + 5s);
  CHECK_FALSE(s.ok);
  CHECK_THAT(s.reason, Catch::Contains("198.18.0.2 has not heard this host's VXLAN heartbeats"));
  // It hears us again (by our second address).
  m.on_heartbeat({{ip("198.18.0.2")}, 2, {ip("fd00::1")}}, self, t0 + 6s);
  CHECK(m.state(ip("198.18.0.2"), t0 + 6s).ok);
}

TEST_CASE("the monitor says when to send: once a second", "[router][heartbeat]") {
  HeartbeatMonitor m;
  CHECK(m.due(kEpoch + 10s));
  CHECK_FALSE(m.due(kEpoch + 10s + 500ms));
  CHECK(m.due(kEpoch + 11s));
  CHECK(m.next_seq() == 1);
  CHECK(m.next_seq() == 2);
}

TEST_CASE("the bridge filter keeps heartbeats from pods", "[router][heartbeat]") {
  const auto s = router::heartbeat_filter_ruleset("weft-vxlan");
  CHECK_THAT(s, Catch::Contains("table bridge weft"));
  CHECK_THAT(s, Catch::Contains("iifname \"weft-vxlan\" ether type 0x88b5 drop"));
  CHECK_THAT(s, Catch::StartsWith(router::heartbeat_filter_teardown()));
  CHECK_THAT(s, !Catch::Contains("oifname"));
  const auto with_tap = router::heartbeat_filter_ruleset("weft-vxlan", "weft-tap");
  CHECK_THAT(with_tap, Catch::Contains("iifname \"weft-vxlan\" oifname \"weft-tap\" drop"));
  CHECK_THAT(with_tap, Catch::Contains("iifname \"weft-tap\" oifname \"weft-vxlan\" drop"));
}
