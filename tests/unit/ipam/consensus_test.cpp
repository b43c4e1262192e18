// SPDX-License-Identifier: Apache-2.0
// The consensus codec (a known answer from an independent encoder, below; random round
// trips; rejection of truncated, garbled and non-canonical bytes without throwing) and the
// rules on small fully connected groups. The randomized proof is tests/sim/ipam.
//
// import struct
// def ballot(r, p): return struct.pack('>QQ', r, p)
// def enc(n, entries):
//     b = bytes([3]) + struct.pack('>II', n, len(entries))
//     for name, ver, prom, acc, val in sorted(entries):
//         b += struct.pack('>QQ', name, ver) + ballot(*prom) + ballot(*acc)
//         b += struct.pack('>I', len(val)) + b''.join(struct.pack('>Q', x) for x in sorted(val))
//     return b
// enc(3, [(0x22, 2, (2, 0x22), (0, 0), []),
//         (0x11, 4, (2, 0x22), (1, 0x11), [0x11, 0x22])]).hex()
#include "weft/ipam/consensus.hpp"

#include "weft/testing/hex.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

using namespace weft;
using namespace weft::ipam;
using weft::testing::unhex;
using namespace std::chrono_literals;

namespace {

using Bytes = std::vector<std::uint8_t>;

const char* kKat =
    "0300000003000000020000000000000011000000000000000400000000000000020000000000000022000000000000"
    "0001000000000000001100000002000000000000001100000000000000220000000000000022000000000000000200"
    "0000000000000200000000000000220000000000000000000000000000000000000000";

const PeerName kA(0xa), kB(0xb), kC(0xc);

ConsensusMessage random_message(Rng& rng) {
  ConsensusMessage m;
  m.n = static_cast<std::uint32_t>(rng.between(1, 9));
  const auto count = rng.uniform(6);
  for (std::uint64_t i = 0; i < count; ++i) {
    NodeState s;
    s.version = rng.between(1, 1000);
    if (rng.chance(0.7)) s.promised = Ballot{rng.between(1, 50), PeerName(rng.between(1, 8))};
    if (s.promised.valid() && rng.chance(0.6)) {
      s.accepted = Ballot{rng.between(1, s.promised.round), PeerName(rng.between(1, 8))};
      s.accepted = std::min(s.accepted, s.promised);
      for (std::uint64_t p = 1; p <= 8; ++p) {
        if (rng.chance(0.5) || (p == 8 && s.value.empty())) s.value.emplace_back(p);
      }
    }
    m.nodes[PeerName(rng.between(1, 12))] = s;
  }
  return m;
}

// Delivers every peer's state to every other until nothing changes: a connected network.
void exchange(const std::vector<Consensus*>& peers, TimePoint now) {
  for (bool changed = true; changed;) {
    changed = false;
    for (auto* from : peers) {
      for (auto* to : peers) {
        if (from == to) continue;
        auto r = to->merge(from->encode(), now);
        REQUIRE(r);
        changed = *r || changed;
      }
    }
  }
}

void run(const std::vector<Consensus*>& peers, Rng& rng, TimePoint from, Duration d) {
  for (TimePoint t = from; t < from + d; t += 100ms) {
    for (auto* p : peers) p->on_tick(t, rng);
    exchange(peers, t);
  }
}

// Ticks one peer every 100 ms until `done` (at most a minute); returns the time reached.
template <class Done>
TimePoint tick_until(Consensus& c, Rng& rng, TimePoint from, Done done) {
  TimePoint t = from;
  for (; !done() && t < from + 60s; t += 100ms) c.on_tick(t, rng);
  REQUIRE(done());
  return t;
}

}  // namespace

TEST_CASE("consensus codec: known answer from an independent encoder", "[ipam][consensus]") {
  const auto bytes = unhex(kKat);
  auto m = decode_consensus(bytes);
  REQUIRE(m);
  CHECK(m->n == 3);
  REQUIRE(m->nodes.size() == 2);
  const NodeState& s = m->nodes.at(PeerName(0x11));
  CHECK(s.version == 4);
  CHECK(s.promised == Ballot{2, PeerName(0x22)});
  CHECK(s.accepted == Ballot{1, PeerName(0x11)});
  CHECK(s.value == std::vector<PeerName>{PeerName(0x11), PeerName(0x22)});
  CHECK(m->nodes.at(PeerName(0x22)) == NodeState{2, Ballot{2, PeerName(0x22)}, {}, {}});
  CHECK(encode_consensus(*m) == bytes);
}

TEST_CASE("consensus codec: random messages round trip", "[ipam][consensus]") {
  Xoshiro256Rng rng(21);
  for (int i = 0; i < 500; ++i) {
    const auto m = random_message(rng);
    const auto bytes = encode_consensus(m);
    auto back = decode_consensus(bytes);
    REQUIRE(back);
    CHECK(*back == m);
    CHECK(encode_consensus(*back) == bytes);
  }
}

TEST_CASE("consensus codec: truncated and garbled bytes are rejected without throwing",
          "[ipam][consensus]") {
  const auto bytes = unhex(kKat);
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    CHECK_FALSE(decode_consensus(std::span(bytes).first(len)));
  }
  auto longer = bytes;
  longer.push_back(0);
  CHECK_FALSE(decode_consensus(longer));
  // Whatever a flipped byte still decodes must be the one encoding of what it decodes to.
  Xoshiro256Rng rng(22);
  for (int i = 0; i < 2000; ++i) {
    auto garbled = encode_consensus(random_message(rng));
    garbled[rng.uniform(garbled.size())] ^= static_cast<std::uint8_t>(rng.between(1, 255));
    Result<ConsensusMessage> m = Error(Errc::internal, "not run");
    REQUIRE_NOTHROW(m = decode_consensus(garbled));
    if (m) CHECK(encode_consensus(*m) == garbled);
  }
}

TEST_CASE("consensus codec: inconsistent or non-canonical states are rejected",
          "[ipam][consensus]") {
  const NodeState good{3, Ballot{2, kA}, Ballot{1, kB}, {kA, kB}};
  const auto rejects = [](ConsensusMessage m, std::string_view why) {
    auto r = decode_consensus(encode_consensus(m));
    INFO(why);
    REQUIRE_FALSE(r);
    CHECK(!r.error().message().empty());
  };
  rejects({0, {{kA, good}}}, "n is 0");
  rejects({3, {{PeerName(), good}}}, "the zero name");
  auto s = good;
  s.version = 0;
  rejects({3, {{kA, s}}}, "version 0");
  s = good;
  s.accepted = Ballot{3, kA};
  rejects({3, {{kA, s}}}, "accepted above promised");
  s = good;
  s.accepted = {};
  rejects({3, {{kA, s}}}, "a value without an accepted ballot");
  s = good;
  s.value.clear();
  rejects({3, {{kA, s}}}, "an accepted ballot without a value");
  s = good;
  s.value = {kB, kA};
  rejects({3, {{kA, s}}}, "value not sorted");
  s = good;
  s.value = {kA, kA};
  rejects({3, {{kA, s}}}, "value repeats a name");
  s = good;
  s.promised.proposer = PeerName();
  rejects({3, {{kA, s}}}, "a round without a proposer");

  auto bytes = unhex(kKat);
  bytes[0] = 1;
  CHECK_FALSE(decode_consensus(bytes));  // a ring message's kind
  bytes = unhex(kKat);
  bytes[84] = 0x11;  // the second entry's name equals the first's
  CHECK_FALSE(decode_consensus(bytes));
  bytes = unhex(kKat);
  std::fill(bytes.begin() + 5, bytes.begin() + 9, 0xff);  // 2^32-1 entries
  CHECK_FALSE(decode_consensus(bytes));
}

TEST_CASE("consensus: three connected peers decide the same set of all three",
          "[ipam][consensus]") {
  Xoshiro256Rng rng(1);
  Consensus a(kA, 3), b(kB, 3), c(kC, 3);
  const std::vector<Consensus*> peers{&a, &b, &c};
  for (auto* p : peers) p->start(kEpoch, rng);
  run(peers, rng, kEpoch, 30s);
  const std::vector<PeerName> all{kA, kB, kC};
  for (auto* p : peers) {
    REQUIRE(p->decided());
    CHECK(*p->decided() == all);
    CHECK(p->next_deadline() == TimePoint::max());
  }
}

TEST_CASE("consensus: one peer is not a quorum of three but n=1 decides alone",
          "[ipam][consensus]") {
  Xoshiro256Rng rng(2);
  Consensus lone(kA, 3);
  CHECK(lone.quorum() == 2);
  lone.start(kEpoch, rng);
  run({&lone}, rng, kEpoch, 120s);
  CHECK_FALSE(lone.decided());
  CHECK(lone.nodes().at(kA).promised == Ballot{});  // it never proposes without a quorum

  Consensus solo(kA, 1);
  solo.start(kEpoch, rng);
  run({&solo}, rng, kEpoch, 3s);
  REQUIRE(solo.decided());
  CHECK(*solo.decided() == std::vector<PeerName>{kA});
}

TEST_CASE("consensus: an observer learns the decision without taking part", "[ipam][consensus]") {
  Xoshiro256Rng rng(3);
  Consensus a(kA, 2), b(kB, 2), watcher(kC, 2);
  for (auto* p : {&a, &b}) p->start(kEpoch, rng);
  run({&a, &b, &watcher}, rng, kEpoch, 30s);
  REQUIRE(watcher.decided());
  CHECK(*watcher.decided() == std::vector<PeerName>{kA, kB});
  CHECK_FALSE(watcher.nodes().contains(kC));
  CHECK(watcher.next_deadline() == TimePoint::max());
}

TEST_CASE("consensus: a restarted peer keeps what it promised", "[ipam][consensus]") {
  Xoshiro256Rng rng(4);
  Consensus a(kA, 3), b(kB, 3);
  a.start(kEpoch, rng);
  b.start(kEpoch, rng);
  exchange({&a, &b}, kEpoch);
  (void)b.take_self_changed();
  // a proposes (its deadline is at most a second away); b promises.
  tick_until(a, rng, kEpoch, [&] { return a.nodes().at(kA).promised.valid(); });
  REQUIRE(b.merge(a.encode(), kEpoch + 2s));
  REQUIRE(b.take_self_changed());
  CHECK_FALSE(b.take_self_changed());
  const auto stored = b.encode_self();
  const NodeState promised = b.nodes().at(kB);
  CHECK(promised.promised == a.nodes().at(kA).promised);

  Consensus again(kB, 3);
  REQUIRE(again.restore_self(stored));
  CHECK(again.nodes().at(kB) == promised);
  again.start(kEpoch + 3s, rng);
  CHECK(again.nodes().at(kB) == promised);  // start keeps the restored entry

  CHECK_FALSE(Consensus(kC, 3).restore_self(stored));  // another peer's state
  CHECK_FALSE(Consensus(kB, 5).restore_self(stored));  // another n
  Consensus fresh(kB, 3);
  REQUIRE(fresh.restore_self(Consensus(kB, 3).encode_self()));  // nothing stored yet
  CHECK(fresh.known() == 0);
}

TEST_CASE("consensus: another n is refused and changes nothing", "[ipam][consensus]") {
  Xoshiro256Rng rng(5);
  Consensus a(kA, 3), b(kB, 4);
  a.start(kEpoch, rng);
  b.start(kEpoch, rng);
  auto r = a.merge(b.encode(), kEpoch);
  REQUIRE_FALSE(r);
  CHECK(r.error().is(Errc::invalid_argument));
  CHECK(a.known() == 1);
  CHECK_FALSE(a.merge(Bytes{3, 0}, kEpoch));
}

TEST_CASE("consensus: a newer copy of our own entry is folded in and both promises kept",
          "[ipam][consensus]") {
  Xoshiro256Rng rng(6);
  Consensus a(kA, 1);
  // Our entry as a previous incarnation gossiped it before its stored state was lost.
  const NodeState old{5, Ballot{7, kB}, {}, {}};
  REQUIRE(*a.merge(encode_consensus({1, {{kA, old}}}), kEpoch));
  CHECK(a.nodes().at(kA) == old);  // taken as ours before start
  a.start(kEpoch, rng);
  tick_until(a, rng, kEpoch, [&] { return a.decided().has_value(); });
  const NodeState now = a.nodes().at(kA);
  CHECK(now.promised == Ballot{8, kA});  // above the promise it had forgotten
  // A stale copy changes nothing; a newer one that promised less keeps our promise.
  CHECK_FALSE(*a.merge(encode_consensus({1, {{kA, old}}}), kEpoch));
  const NodeState newer{now.version + 3, Ballot{2, kC}, {}, {}};
  REQUIRE(*a.merge(encode_consensus({1, {{kA, newer}}}), kEpoch));
  CHECK(a.nodes().at(kA) == NodeState{now.version + 4, now.promised, now.accepted, now.value});
}

TEST_CASE("consensus: a later proposer adopts the value already accepted over its own",
          "[ipam][consensus]") {
  Xoshiro256Rng rng(7);
  Consensus c(kC, 3);
  c.start(kEpoch, rng);
  // a accepted {a, b} in round 1 and then promised b's round 2; c hears of a alone, so its
  // own proposal would be {a, c}.
  const auto from_a = [](NodeState s) { return encode_consensus({3, {{kA, std::move(s)}}}); };
  REQUIRE(*c.merge(from_a({3, Ballot{2, kB}, Ballot{1, kA}, {kA, kB}}), kEpoch));
  const TimePoint t =
      tick_until(c, rng, kEpoch, [&] { return c.nodes().at(kC).promised.round == 3; });
  const Ballot mine = c.nodes().at(kC).promised;
  CHECK(mine.proposer == kC);
  CHECK_FALSE(c.nodes().at(kC).accepted.valid());  // one promise, two needed
  REQUIRE(*c.merge(from_a({4, mine, Ballot{1, kA}, {kA, kB}}), t));
  CHECK(c.nodes().at(kC).accepted == mine);
  CHECK(c.nodes().at(kC).value == std::vector<PeerName>{kA, kB});

  // A peer that has decided still promises, so peers that have not can finish.
  Consensus a(kA, 3), b(kB, 3);
  a.start(kEpoch, rng);
  b.start(kEpoch, rng);
  run({&a, &b}, rng, kEpoch, 10s);
  REQUIRE(a.decided());
  REQUIRE(*a.merge(c.encode(), t));
  CHECK(a.nodes().at(kA).promised == mine);
}
