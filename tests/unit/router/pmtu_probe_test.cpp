// SPDX-License-Identifier: Apache-2.0
// Path MTU search per sleeve link, against a simulated path that silently drops datagrams
// over its MTU (no ICMP) and loses some probes at random: the limit settles on the path's
// MTU exactly, is never above it once verified, follows a path that shrinks or grows, and a
// peer that answers nothing leaves the limit alone. Seeds are printed on failure.
#include "weft/router/pmtu_probe.hpp"

#include "weft/base/rng.hpp"
#include "weft/router/sleeve_control.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>

using namespace weft;
using namespace weft::router;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kCeiling = 1472;  // a 1500-byte underlay

// Drives a prober every 100 ms against a path of `mtu` (datagram bytes; 0: nothing answers),
// each probe lost with `loss_percent`, answers arriving 20 ms later.
struct PathSim {
  PathMtuProber prober{kCeiling, 1, PathMtuTiming{.first = Duration{0}}};
  std::size_t mtu = kCeiling;
  unsigned loss_percent = 0;
  Xoshiro256Rng rng{1};
  TimePoint now = kEpoch;
  std::size_t max_probed = 0;

  void run_for(Duration d) {
    const TimePoint end = now + d;
    while (now < end) {
      const auto probes = prober.due(now);
      const TimePoint answered_at = now + 20ms;
      for (const auto& p : probes) {
        max_probed = std::max(max_probed, p.size);
        const bool lost = loss_percent != 0 && rng.next() % 100 < loss_percent;
        if (p.size <= mtu && !lost) prober.acked(p.id, p.size, answered_at);
      }
      now += 100ms;
    }
  }
};

}  // namespace

TEST_CASE("a path as wide as the underlay is verified in one round trip", "[router][pmtu]") {
  PathSim sim;
  auto first = sim.prober.due(sim.now);
  REQUIRE(first.size() == 2);  // the ceiling, twice
  CHECK(first[0].size == kCeiling);
  CHECK(first[1].size == kCeiling);
  CHECK(first[0].id != first[1].id);
  CHECK(sim.prober.state() == PathMtuProber::State::probing);
  CHECK(sim.prober.limit() == kCeiling);  // optimistic from the start
  sim.prober.acked(first[1].id, kCeiling, sim.now + 1ms);
  CHECK(sim.prober.due(sim.now + 100ms).empty());
  CHECK(sim.prober.state() == PathMtuProber::State::verified);
  CHECK(sim.prober.limit() == kCeiling);
  CHECK(sim.prober.searches() == 0);
  // Quiet until the recheck, which probes the limit again.
  CHECK(sim.prober.due(sim.now + 9s).empty());
  const auto again = sim.prober.due(sim.now + 10s + 100ms);
  REQUIRE(again.size() == 2);
  CHECK(again[0].size == kCeiling);
}

TEST_CASE("a narrower path is found exactly, the old limit kept while searching",
          "[router][pmtu]") {
  for (const std::size_t mtu : {1372u, 1422u, 1280u, 1000u, 548u, 549u, 1471u}) {
    INFO("path mtu " << mtu);
    PathSim sim;
    sim.mtu = mtu;
    sim.run_for(1100ms);  // the first check fails
    CHECK(sim.prober.state() == PathMtuProber::State::probing);
    CHECK(sim.prober.limit() == kCeiling);
    CHECK(sim.prober.searches() == 1);
    sim.run_for(8s);
    CHECK(sim.prober.state() == PathMtuProber::State::verified);
    CHECK(sim.prober.limit() == mtu);
    CHECK(sim.prober.probes_sent() < 120);
    // Rechecks keep it (and probe nothing above the ceiling).
    sim.run_for(2min);
    CHECK(sim.prober.limit() == mtu);
    CHECK(sim.prober.state() == PathMtuProber::State::verified);
    CHECK(sim.max_probed == kCeiling);
    CHECK(sim.prober.searches() == 1);
  }
}

TEST_CASE("a path that shrinks is searched again; one that grows is taken at the recheck",
          "[router][pmtu]") {
  PathSim sim;
  sim.run_for(2s);
  REQUIRE(sim.prober.limit() == kCeiling);
  sim.mtu = 1300;
  sim.run_for(11s + 10s);  // the recheck fails, a search runs
  CHECK(sim.prober.limit() == 1300);
  CHECK(sim.prober.searches() == 1);
  sim.mtu = 1400;
  sim.run_for(11s + 10s);  // the recheck finds room above the limit
  CHECK(sim.prober.limit() == 1400);
  CHECK(sim.prober.state() == PathMtuProber::State::verified);
  sim.mtu = kCeiling;
  sim.run_for(11s + 10s);
  CHECK(sim.prober.limit() == kCeiling);
  CHECK(sim.prober.searches() == 1);  // growing needs no search down
}

TEST_CASE("a peer that answers no probe leaves the limit alone", "[router][pmtu]") {
  PathSim sim;
  sim.mtu = 0;
  sim.run_for(5s);
  CHECK(sim.prober.state() == PathMtuProber::State::unanswered);
  CHECK(sim.prober.limit() == kCeiling);
  // It answers later (upgraded, or the path came back): verified at the next check.
  sim.mtu = 1400;
  sim.run_for(50s);
  CHECK(sim.prober.state() == PathMtuProber::State::verified);
  CHECK(sim.prober.limit() == 1400);
}

TEST_CASE("the first check waits for the peer to have made its link", "[router][pmtu]") {
  PathMtuProber p(kCeiling, 1);
  CHECK(p.due(kEpoch).empty());
  CHECK(p.due(kEpoch + 1400ms).empty());
  CHECK(p.due(kEpoch + 1500ms).size() == 2);
}

TEST_CASE("a first check lost whole is tried again, not taken as a narrower path",
          "[router][pmtu]") {
  PathSim sim;
  sim.loss_percent = 100;
  sim.run_for(1000ms);  // both copies of the ceiling lost (the round ends at 1 s)
  CHECK(sim.prober.state() == PathMtuProber::State::probing);
  sim.loss_percent = 0;
  sim.run_for(2s);
  CHECK(sim.prober.state() == PathMtuProber::State::verified);
  CHECK(sim.prober.limit() == kCeiling);
}

TEST_CASE("answers that match no probe of the round are ignored", "[router][pmtu]") {
  PathMtuProber p(kCeiling, 100, PathMtuTiming{.first = Duration{0}});
  const auto probes = p.due(kEpoch);
  REQUIRE(probes.size() == 2);
  p.acked(probes[0].id, kCeiling - 1, kEpoch);  // the size does not match
  p.acked(99, kCeiling, kEpoch);                // an id never sent
  p.acked(probes[1].id + 1000, kCeiling, kEpoch);
  (void)p.due(kEpoch + 1100ms);
  CHECK(p.state() == PathMtuProber::State::probing);  // the ceiling failed: searching
  CHECK(p.searches() == 1);
}

TEST_CASE("with lost probes the limit is never above the path and settles on it",
          "[router][pmtu]") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed << " (replay: this test with that seed)");
    PathSim sim;
    sim.rng = Xoshiro256Rng(seed);
    sim.mtu = PathMtuProber::kFloor + sim.rng.next() % (kCeiling - PathMtuProber::kFloor + 1);
    sim.loss_percent = 10;
    INFO("path mtu " << sim.mtu);
    for (int step = 0; step < 600; ++step) {  // 10 minutes, checked every second
      sim.run_for(1s);
      if (sim.prober.state() == PathMtuProber::State::verified) {
        REQUIRE(sim.prober.limit() <= sim.mtu);
      }
    }
    CHECK(sim.prober.state() == PathMtuProber::State::verified);
    CHECK(sim.prober.limit() == sim.mtu);
  }
}

TEST_CASE("control records round-trip and refuse what they do not know", "[router][sleeve]") {
  const SleeveControl probe{SleeveControlKind::probe, 0xdeadbeef, 1372};
  const auto bytes = encode_sleeve_control(probe, 100);
  CHECK(bytes.size() == kSleeveControlBytes + 100);
  auto back = decode_sleeve_control(bytes);
  REQUIRE(back);
  CHECK(*back == probe);

  const SleeveControl ack{SleeveControlKind::probe_ack, 7, 600};
  auto ack_back = decode_sleeve_control(encode_sleeve_control(ack));
  REQUIRE(ack_back);
  CHECK(*ack_back == ack);
  // An ack carries no padding; kinds other than 1 and 2 are refused; every truncation too.
  CHECK_FALSE(decode_sleeve_control(encode_sleeve_control(ack, 1)));
  auto unknown = encode_sleeve_control(probe);
  unknown[0] = 3;
  CHECK_FALSE(decode_sleeve_control(unknown));
  for (std::size_t n = 0; n < kSleeveControlBytes; ++n) {
    CHECK_FALSE(decode_sleeve_control(std::span(bytes).first(n)));
  }
  // Padding to a datagram size: header, record header, message and padding add up.
  CHECK(sleeve_probe_padding(1372, 36) == 1372 - 36 - kSleeveRecordHeaderBytes - 7);
  CHECK(sleeve_probe_padding(40, 36) == 0);
  const SleeveRecord control{weft::PeerName(5), weft::PeerName(), 1, bytes};
  CHECK(is_sleeve_control(control));
}

TEST_CASE("a router's 'fragmentation needed' brings the next check forward", "[router][pmtu]") {
  PathSim sim;
  sim.run_for(1s);  // verified at the ceiling
  REQUIRE(sim.prober.state() == PathMtuProber::State::verified);
  sim.mtu = 1272;                                   // the path shrinks; the recheck is ~9 s away
  CHECK_FALSE(sim.prober.hint(kCeiling, sim.now));  // not below the limit: nothing to do
  CHECK(sim.prober.hint(1272, sim.now));
  CHECK(sim.prober.hints_taken() == 1);
  sim.run_for(100ms);
  CHECK(sim.prober.probes_sent() > 2);  // the check went out at once
  sim.run_for(1s);
  CHECK(sim.prober.state() == PathMtuProber::State::probing);  // the check failed: a search
  CHECK(sim.prober.searches() == 1);
  CHECK_FALSE(sim.prober.hint(1000, sim.now));  // searching: the probes are already at it
  sim.run_for(6s);
  CHECK(sim.prober.state() == PathMtuProber::State::verified);
  CHECK(sim.prober.limit() == 1272);  // found by probes, as without the hint
}

TEST_CASE("hints bring a check forward at most once a second", "[router][pmtu]") {
  PathSim sim;
  sim.run_for(1s);
  REQUIRE(sim.prober.state() == PathMtuProber::State::verified);
  // A forged "fragmentation needed" (the path is as wide as ever): one check, answered.
  CHECK(sim.prober.hint(600, sim.now));
  sim.run_for(200ms);
  CHECK(sim.prober.state() == PathMtuProber::State::verified);
  CHECK(sim.prober.limit() == kCeiling);
  CHECK(sim.prober.searches() == 0);
  CHECK_FALSE(sim.prober.hint(600, sim.now));  // within the second
  sim.run_for(1s);
  CHECK(sim.prober.hint(600, sim.now));
  CHECK(sim.prober.hints_taken() == 2);
}

TEST_CASE("a hint before the first check does nothing", "[router][pmtu]") {
  PathMtuProber p(kCeiling, 1);
  CHECK_FALSE(p.hint(1000, kEpoch));
  CHECK(p.hints_taken() == 0);
}

TEST_CASE("a hint that comes while a round runs is taken when it settles", "[router][pmtu]") {
  PathSim sim;
  sim.mtu = 1372;
  sim.run_for(8s);  // found: 1372, below the ceiling
  REQUIRE(sim.prober.state() == PathMtuProber::State::verified);
  REQUIRE(sim.prober.limit() == 1372);
  // The recheck probes the limit and sizes up to the ceiling; those above go unanswered, so
  // its rounds last their whole second. The path shrinks during one.
  while (true) {
    const auto probes = sim.prober.due(sim.now);
    for (const auto& p : probes) {
      if (p.size <= sim.mtu) sim.prober.acked(p.id, p.size, sim.now + 20ms);
    }
    sim.now += 100ms;
    if (!probes.empty()) break;
  }
  sim.mtu = 1272;
  CHECK_FALSE(sim.prober.hint(1272, sim.now));  // kept for later
  CHECK(sim.prober.hints_taken() == 0);
  const auto searches = sim.prober.searches();
  sim.run_for(4s);  // the recheck settles (its probe of 1372 passed before the shrink)...
  CHECK(sim.prober.hints_taken() == 1);
  CHECK(sim.prober.searches() == searches + 1);  // ... and a check right after finds it
  sim.run_for(6s);
  CHECK(sim.prober.limit() == 1272);
  CHECK(sim.prober.state() == PathMtuProber::State::verified);
}

TEST_CASE("the ICMP a search draws with its own probes brings no extra check", "[router][pmtu]") {
  PathSim sim;
  sim.mtu = 1272;
  // The first check fails and a search runs; a router answers every probe over 1272 with
  // "fragmentation needed" (1300 bytes of IP), which the sleeve passes on as hints.
  for (int i = 0; i < 100; ++i) {
    sim.run_for(100ms);
    if (sim.max_probed > 1272) sim.prober.hint(1272, sim.now);
  }
  REQUIRE(sim.prober.state() == PathMtuProber::State::verified);
  CHECK(sim.prober.limit() == 1272);
  CHECK(sim.prober.hints_taken() == 0);  // not below the limit it settled on
  CHECK(sim.prober.searches() == 1);
}
