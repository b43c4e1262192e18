// SPDX-License-Identifier: Apache-2.0
// The name registry: merge laws (commutative, associative, idempotent) on random records
// checked against a naive model that spells out every key's value; replicas exchanging
// deltas and states in random order with losses, restarts without memory, forgotten origins
// and tombstone gc, against a model of what each peer added; tombstones and floors, CNI DEL,
// lookup/reverse; the codec's round trip and its refusals. Seeds are fixed and printed.
#include "weft/dns/registry.hpp"

#include "weft/base/rng.hpp"
#include "weft/dns/registry_wire.hpp"
#include "weft/testing/addresses.hpp"
#include "weft/testing/dns.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <deque>
#include <memory>
#include <set>

using namespace weft;
using namespace weft::dns;
using namespace std::chrono_literals;
using weft::testing::name;

namespace {

using weft::testing::ip;
TimePoint at(Duration d) {
  return kEpoch + d;
}

// A small universe of keys, so that random records collide often.
std::vector<EntryKey> universe() {
  std::vector<EntryKey> keys;
  for (const char* n : {"a.weft.local.", "b.weft.local.", "c.x.weft.local."}) {
    for (const char* a : {"10.32.0.1", "10.32.0.2", "fd00::1"}) {
      for (const char* c : {"c0", "c1"}) keys.push_back(EntryKey{n, ip(a), c});
    }
  }
  return keys;
}

// A full record with floor <= complete + 1. Now and then a tombstone under the floor: one
// history never makes that, but a restart without memory mixes two.
OriginRecord random_record(Rng& rng, const std::vector<EntryKey>& keys) {
  OriginRecord r;
  r.floor = rng.uniform(2) == 0 ? 0 : rng.between(1, 6);
  r.complete = std::max<std::uint64_t>(r.floor == 0 ? 0 : r.floor - 1, rng.uniform(9));
  for (const auto& k : keys) {
    if (rng.uniform(3) != 0) continue;
    EntryValue v{rng.between(1, 10), rng.uniform(2) == 0};
    if (!v.live && v.version < r.floor && rng.uniform(4) != 0) v.version = r.floor + rng.uniform(3);
    if (!v.live && v.version + 1 == r.floor) continue;  // written as nothing
    r.entries[k] = v;
  }
  return r;
}

// The naive model: every key's value as the header defines it, (version, 0 live | 1 dead)
// or bottom.
using Value = std::optional<std::pair<std::uint64_t, int>>;
Value model_value(const OriginRecord& r, const EntryKey& k) {
  const Value floor = r.floor == 0 ? Value{} : Value{std::pair{r.floor - 1, 1}};
  const auto it = r.entries.find(k);
  if (it == r.entries.end()) return floor;
  return Value{std::pair{it->second.version, it->second.live ? 0 : 1}};
}
bool model_live(const OriginRecord& r, const EntryKey& k) {
  const auto v = model_value(r, k);
  return v && v->second == 0;
}

}  // namespace

TEST_CASE("registry merge: a join-semilattice, equal to the pointwise max of the naive model",
          "[dns][registry]") {
  const auto keys = universe();
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    std::printf("registry merge laws: seed %llu\n", static_cast<unsigned long long>(seed));
    INFO("seed " << seed);
    Xoshiro256Rng rng(seed);
    for (int round = 0; round < 400; ++round) {
      const auto a = random_record(rng, keys), b = random_record(rng, keys),
                 c = random_record(rng, keys);
      const auto ab = merge_records(a, b);
      CHECK(ab == merge_records(b, a));
      CHECK(merge_records(ab, c) == merge_records(a, merge_records(b, c)));
      CHECK(merge_records(a, a) == a);
      CHECK(merge_records(ab, a) == ab);
      CHECK(ab.floor == std::max(a.floor, b.floor));
      CHECK(ab.complete == std::max(a.complete, b.complete));
      for (const auto& k : keys) {
        INFO(k.name << " " << k.address << " " << k.container);
        const auto show = [](const Value& v) {
          return v ? std::to_string(v->first) + "/" + std::to_string(v->second) : std::string("-");
        };
        INFO("a " << show(model_value(a, k)) << " b " << show(model_value(b, k)) << " ab "
                  << show(model_value(ab, k)));
        REQUIRE(model_value(ab, k) == std::max(model_value(a, k), model_value(b, k)));
      }
      // The codec carries every such record.
      const RegistryState s{{PeerName(7), ab}};
      const auto bytes = encode_registry(s);
      const auto back = decode_registry(bytes);
      REQUIRE(back);
      CHECK(*back == s);
    }
  }
}

TEST_CASE("registry: add, lookup across origins, reverse, remove, remove_container",
          "[dns][registry]") {
  Registry a(PeerName(1), 60s), b(PeerName(2), 60s);
  REQUIRE(a.add(name("Web.weft.local."), ip("10.32.0.5"), "c1", at(0s)));
  REQUIRE(a.add(name("web.weft.local"), ip("fd00::5"), "c1", at(0s)));
  REQUIRE(a.add(name("db.weft.local."), ip("10.32.0.6"), "c2", at(0s)));
  auto again = a.add(name("WEB.weft.local."), ip("10.32.0.5"), "c1", at(0s));
  REQUIRE(again);
  CHECK_FALSE(*again);  // already there: no new version
  REQUIRE(b.add(name("web.weft.local."), ip("10.32.0.5"), "other", at(0s)));
  REQUIRE(b.add(name("web.weft.local."), ip("10.32.0.9"), "c9", at(0s)));
  const auto news = b.merge(a.state(), at(1s));
  CHECK(news.news.count(PeerName(1)) == 1);
  CHECK_FALSE(news.corrected_self);
  CHECK(b.merge(a.state(), at(1s)).news.empty());  // nothing new the second time

  CHECK(b.lookup(name("WEB.Weft.Local.")) ==
        std::vector<IpAddress>{ip("10.32.0.5"), ip("10.32.0.9"), ip("fd00::5")});
  CHECK(b.lookup(name("nope.weft.local.")).empty());
  const auto rev = b.reverse(ip("10.32.0.5"));
  REQUIRE(rev.size() == 1);
  CHECK(rev[0].to_string() == "web.weft.local.");
  CHECK(b.entries().size() == 5);

  // CNI DEL of c1 on peer 1: both its addresses go, one version for both.
  auto del = a.remove_container("c1", at(2s));
  REQUIRE(del);
  CHECK(del->at(PeerName(1)).entries.size() == 2);
  CHECK(del->at(PeerName(1)).base + 1 == del->at(PeerName(1)).complete);
  CHECK_FALSE(a.remove_container("c1", at(2s)));
  b.merge(*del, at(3s));
  CHECK(b.lookup(name("web.weft.local.")) ==
        std::vector<IpAddress>{ip("10.32.0.5"), ip("10.32.0.9")});  // peer 2's copy stays
  CHECK(b.reverse(ip("fd00::5")).empty());

  // remove by name and address touches only this peer's entries.
  CHECK_FALSE(b.remove(name("db.weft.local."), std::nullopt, at(4s)));
  auto r = b.remove(name("web.weft.local."), ip("10.32.0.9"), at(4s));
  REQUIRE(r);
  CHECK(b.lookup(name("web.weft.local.")) == std::vector<IpAddress>{ip("10.32.0.5")});
  CHECK(b.lookup(name("db.weft.local.")) == std::vector<IpAddress>{ip("10.32.0.6")});
}

TEST_CASE("registry add refuses names outside weft.local., bad ids and 0.0.0.0",
          "[dns][registry]") {
  Registry a(PeerName(1), 60s);
  CHECK_FALSE(a.add(name("web.example."), ip("10.32.0.5"), "c1", kEpoch));
  CHECK_FALSE(a.add(name("weft.local."), ip("10.32.0.5"), "c1", kEpoch));
  CHECK_FALSE(a.add(name("web.weft.local."), ip("10.32.0.5"), "", kEpoch));
  CHECK_FALSE(a.add(name("web.weft.local."), ip("10.32.0.5"), "has space", kEpoch));
  CHECK_FALSE(a.add(name("web.weft.local."), ip("10.32.0.5"), std::string(256, 'x'), kEpoch));
  CHECK_FALSE(a.add(name("web.weft.local."), ip("0.0.0.0"), "c1", kEpoch));
  auto e = a.add(name("web.example."), ip("10.32.0.5"), "c1", kEpoch);
  CHECK(e.error().message().find("weft.local.") != std::string::npos);
  CHECK(a.state().empty());
}

TEST_CASE("registry tombstones: a stale copy never resurrects, gc waits for the lifetime",
          "[dns][registry]") {
  Registry o(PeerName(1), 30s), q(PeerName(2), 30s), stale(PeerName(3), 30s);
  // Each host's monotonic clock has its own origin: hours apart, which must not matter.
  const Duration oq = 5h, ostale = -3h;
  REQUIRE(o.add(name("web.weft.local."), ip("10.32.0.5"), "c1", at(0s)));
  REQUIRE(o.add(name("db.weft.local."), ip("10.32.0.6"), "c2", at(0s)));
  q.merge(o.state(), at(oq));
  stale.merge(o.state(), at(ostale + 10h));
  REQUIRE(o.remove(name("web.weft.local."), std::nullopt, at(1s)));
  q.merge(o.state(), at(oq + 1s));
  CHECK(q.tombstones() == 1);
  CHECK(q.merge(stale.state(), at(oq + 2s)).news.empty());  // the tombstone wins
  CHECK(q.lookup(name("web.weft.local.")).empty());

  // Before the lifetime nothing is dropped; after it the floor covers the removal.
  q.gc(at(oq + 30s));
  CHECK(q.tombstones() == 1);
  CHECK(q.next_gc() == at(oq + 31s));
  q.gc(at(oq + 31s));
  CHECK(q.tombstones() == 0);
  CHECK(q.state().at(PeerName(1)).floor == 4);  // complete 3, no tombstone left
  CHECK(q.next_gc() == TimePoint::max());
  CHECK(q.merge(stale.state(), at(oq + 1h)).news.empty());
  CHECK(q.lookup(name("web.weft.local.")).empty());
  CHECK(q.lookup(name("db.weft.local.")) == std::vector<IpAddress>{ip("10.32.0.6")});

  // The stale peer learns from the floor alone (q has no tombstone left).
  stale.merge(q.state(), at(ostale + 11h));
  CHECK(stale.lookup(name("web.weft.local.")).empty());
  CHECK(stale.state() == q.state());

  // The origin gc's on its own clock, and states converge whatever the order.
  o.gc(at(31s));
  CHECK(o.state() == q.state());
}

TEST_CASE("registry gc keeps a tombstone the record is not complete for", "[dns][registry]") {
  Registry o(PeerName(1), 10s), q(PeerName(2), 10s);
  REQUIRE(o.add(name("a.weft.local."), ip("10.32.0.1"), "c1", at(0s)));
  q.merge(o.state(), at(0s));                                            // complete 1
  REQUIRE(o.add(name("b.weft.local."), ip("10.32.0.2"), "c2", at(0s)));  // v2, q misses it
  auto del = o.remove_container("c1", at(0s));                           // v3 delta
  REQUIRE(del);
  q.merge(*del, at(0s));
  CHECK(q.state().at(PeerName(1)).complete == 1);  // the delta starts at 2, not at 1
  q.gc(at(1h));
  CHECK(q.tombstones() == 1);  // v3 > complete: the floor may not pass v2, unseen
  CHECK(q.state().at(PeerName(1)).floor == 2);
  q.merge(o.state(), at(1h));  // the full record completes it
  CHECK(q.lookup(name("b.weft.local.")) == std::vector<IpAddress>{ip("10.32.0.2")});
  q.gc(at(2h));
  CHECK(q.tombstones() == 0);
}

TEST_CASE("registry restart without memory: the origin corrects its old state held by others",
          "[dns][registry]") {
  Registry o(PeerName(1), 60s), q(PeerName(2), 60s);
  REQUIRE(o.add(name("a.weft.local."), ip("10.32.0.1"), "c1", at(0s)));
  REQUIRE(o.add(name("b.weft.local."), ip("10.32.0.2"), "c2", at(0s)));
  REQUIRE(o.remove(name("b.weft.local."), std::nullopt, at(0s)));
  REQUIRE(o.add(name("c.weft.local."), ip("10.32.0.3"), "c3", at(0s)));
  q.merge(o.state(), at(0s));
  q.gc(at(1h));  // q's floor for o is now 5

  Registry fresh(PeerName(1), 60s);  // o again, memory lost; c1 still runs, c4 is new
  REQUIRE(fresh.add(name("a.weft.local."), ip("10.32.0.1"), "c1", at(0s)));
  REQUIRE(fresh.add(name("d.weft.local."), ip("10.32.0.4"), "c4", at(0s)));
  // Its low versions are shadowed by the old state until it hears from q.
  q.merge(fresh.state(), at(1h));
  CHECK(q.lookup(name("d.weft.local.")).empty());
  const auto out = fresh.merge(q.state(), at(1s));
  CHECK(out.corrected_self);
  CHECK(fresh.state().at(PeerName(1)).complete == 5);  // above the old 4
  CHECK(fresh.lookup(name("c.weft.local.")).empty());
  q.merge(fresh.own_record(), at(1h));
  for (const auto* r : {&q, &fresh}) {
    CHECK(r->lookup(name("a.weft.local.")) == std::vector<IpAddress>{ip("10.32.0.1")});
    CHECK(r->lookup(name("d.weft.local.")) == std::vector<IpAddress>{ip("10.32.0.4")});
    CHECK(r->lookup(name("c.weft.local.")).empty());
  }
  CHECK(q.state() == fresh.state());
  CHECK_FALSE(fresh.merge(q.state(), at(2s)).corrected_self);  // settled
}

TEST_CASE("registry forget_origin: entries vanish everywhere, a live origin comes back",
          "[dns][registry]") {
  Registry o(PeerName(1), 60s), q(PeerName(2), 60s), p(PeerName(3), 60s);
  REQUIRE(o.add(name("a.weft.local."), ip("10.32.0.1"), "c1", at(0s)));
  q.merge(o.state(), at(0s));
  p.merge(o.state(), at(0s));
  CHECK_FALSE(q.forget_origin(PeerName(2), at(0s)));  // not itself
  auto gone = q.forget_origin(PeerName(1), at(0s));
  REQUIRE(gone);
  CHECK(q.lookup(name("a.weft.local.")).empty());
  p.merge(*gone, at(0s));
  CHECK(p.lookup(name("a.weft.local.")).empty());
  CHECK(p.merge(o.state(), at(0s)).news.empty());  // its old state does not bring it back
  // The origin was alive after all: it sees itself forgotten and restores its entries.
  const auto out = o.merge(*gone, at(0s));
  CHECK(out.corrected_self);
  q.merge(o.own_record(), at(0s));
  p.merge(o.own_record(), at(0s));
  CHECK(p.lookup(name("a.weft.local.")) == std::vector<IpAddress>{ip("10.32.0.1")});
  CHECK(p.state() == q.state());
}

namespace {

// Replicas that exchange deltas and whole states through a lossy, reordering queue.
struct Replicas {
  struct Msg {
    std::size_t to;
    RegistryState state;
  };
  std::vector<std::unique_ptr<Registry>> peers;
  std::vector<std::set<EntryKey>> intent;  // what each peer added and did not remove
  std::vector<Duration> skew;
  std::set<std::size_t> forgotten;
  std::deque<Msg> queue;
  Duration now{};
  Xoshiro256Rng& rng;

  Replicas(std::size_t n, Xoshiro256Rng& r) : intent(n), rng(r) {
    for (std::size_t i = 0; i < n; ++i) {
      peers.push_back(std::make_unique<Registry>(PeerName(i + 1), 20s));
      skew.push_back(std::chrono::hours(rng.uniform(48)) - 24h);
    }
  }
  TimePoint clock(std::size_t i) const { return kEpoch + 100h + skew[i] + now; }
  void send_all(std::size_t from, const RegistryState& s) {
    for (std::size_t j = 0; j < peers.size(); ++j) {
      if (j != from && rng.uniform(4) != 0) queue.push_back({j, s});  // a quarter lost
    }
  }
  void deliver(const Msg& m) {
    auto out = peers[m.to]->merge(m.state, clock(m.to));
    if (out.corrected_self) send_all(m.to, peers[m.to]->own_record());
  }
  void step() {
    now += 1s;
    const std::size_t i = rng.uniform(peers.size());
    const auto op = rng.uniform(12);
    const std::string n = "n" + std::to_string(rng.uniform(4)) + ".weft.local.";
    const IpAddress a = IpAddress::v4(10, 32, 0, static_cast<std::uint8_t>(1 + rng.uniform(3)));
    const std::string c = "c" + std::to_string(rng.uniform(3));
    if (op < 4) {
      auto d = peers[i]->add(name(n.c_str()), a, c, clock(i));
      REQUIRE(d);
      intent[i].insert(EntryKey{n, a, c});
      forgotten.erase(i);
      if (*d) send_all(i, **d);
    } else if (op < 6) {
      if (auto d = peers[i]->remove(name(n.c_str()), std::nullopt, clock(i))) send_all(i, *d);
      std::erase_if(intent[i], [&](const EntryKey& k) { return k.name == n; });
    } else if (op == 6) {
      if (auto d = peers[i]->remove_container(c, clock(i))) send_all(i, *d);
      std::erase_if(intent[i], [&](const EntryKey& k) { return k.container == c; });
    } else if (op == 7) {
      send_all(i, peers[i]->state());
    } else if (op == 8) {
      peers[i]->gc(clock(i));
    } else if (op == 9 && rng.uniform(4) == 0) {
      // Restart without memory, on a new monotonic clock; half its containers are re-added.
      peers[i] = std::make_unique<Registry>(PeerName(i + 1), 20s);
      skew[i] = std::chrono::hours(rng.uniform(48)) - 24h;
      std::set<EntryKey> kept;
      for (const auto& k : intent[i]) {
        if (rng.uniform(2) != 0) continue;
        kept.insert(k);
        auto d = peers[i]->add(name(k.name.c_str()), k.address, k.container, clock(i));
        REQUIRE(d);
        if (*d) send_all(i, **d);
      }
      intent[i] = kept;
    } else if (op == 10 && rng.uniform(6) == 0) {
      // rmpeer of a peer that stays quiet from now on (until it adds again).
      const std::size_t v = rng.uniform(peers.size());
      if (v != i && forgotten.size() + 1 < peers.size()) {
        auto d = peers[i]->forget_origin(PeerName(v + 1), clock(i));
        REQUIRE(d);
        send_all(i, *d);
        forgotten.insert(v);
        intent[v].clear();
        // It would be stopped for good: a fresh, silent replica stands in for it.
        peers[v] = std::make_unique<Registry>(PeerName(v + 1), 20s);
      }
    }
    // Deliver a few messages, out of order.
    for (int k = 0; k < 3 && !queue.empty(); ++k) {
      const std::size_t pick = rng.uniform(queue.size());
      const Msg m = queue[pick];
      queue.erase(queue.begin() + static_cast<long>(pick));
      deliver(m);
    }
  }
  // Anti-entropy with no loss until nobody learns anything more.
  void settle() {
    while (!queue.empty()) {
      deliver(queue.front());
      queue.pop_front();
    }
    for (int round = 0; round < 6; ++round) {
      for (std::size_t i = 0; i < peers.size(); ++i) {
        for (std::size_t j = 0; j < peers.size(); ++j) {
          if (i == j) continue;
          auto out = peers[j]->merge(peers[i]->state(), clock(j));
          if (out.corrected_self) {
            for (std::size_t k = 0; k < peers.size(); ++k) {
              if (k != j) peers[k]->merge(peers[j]->own_record(), clock(k));
            }
          }
        }
      }
    }
  }
};

}  // namespace

TEST_CASE("registry replicas converge to what each live peer holds, whatever the order",
          "[dns][registry]") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::printf("registry replicas: seed %llu\n", static_cast<unsigned long long>(seed));
    INFO("seed " << seed);
    Xoshiro256Rng rng(seed * 7919);
    Replicas r(5, rng);
    for (int s = 0; s < 300; ++s) r.step();
    r.settle();
    for (std::size_t i = 1; i < r.peers.size(); ++i) {
      INFO("peer " << i);
      REQUIRE(r.peers[i]->state() == r.peers[0]->state());
    }
    // The live view is exactly what every peer meant to publish.
    std::set<std::tuple<PeerName, EntryKey>> want, have;
    for (std::size_t i = 0; i < r.peers.size(); ++i) {
      for (const auto& k : r.intent[i]) want.emplace(PeerName(i + 1), k);
    }
    for (const auto& e : r.peers[0]->entries()) {
      have.emplace(e.origin, EntryKey{e.name.canonical(), e.address, e.container});
    }
    CHECK(have == want);
    for (const auto& [origin, rec] : r.peers[0]->state()) {
      for (const auto& [k, v] : rec.entries) CHECK(model_live(rec, k) == v.live);
    }
    // After every tombstone's lifetime each peer's gc (on its own clock) raises the floors
    // to the same place: equal again, with no tombstone left.
    r.now += 1h;
    for (std::size_t i = 0; i < r.peers.size(); ++i) r.peers[i]->gc(r.clock(i));
    for (std::size_t i = 0; i < r.peers.size(); ++i) {
      INFO("peer " << i);
      CHECK(r.peers[i]->state() == r.peers[0]->state());
      CHECK(r.peers[i]->tombstones() == 0);
    }
  }
}

TEST_CASE("registry codec: known bytes, round trips, refusals that say what and where",
          "[dns][registry]") {
  RegistryState s;
  s[PeerName(0x0102)] = OriginRecord{
      0, 3, 2, {{EntryKey{"a.weft.local.", ip("10.0.0.1"), "c"}, EntryValue{1, true}}}};
  const auto bytes = encode_registry(s);
  // kind, 1 record; origin, base, complete, floor; 1 entry; name; v4 address; "c"; v1; live
  std::vector<std::uint8_t> want = {1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 2};
  for (std::uint64_t v : {0, 3, 2}) {
    for (int sh = 56; sh >= 0; sh -= 8) want.push_back(static_cast<std::uint8_t>(v >> sh));
  }
  for (std::uint8_t b : {0, 0, 0, 1, 0, 13}) want.push_back(b);
  for (char ch : std::string("a.weft.local.")) want.push_back(static_cast<std::uint8_t>(ch));
  for (int b : {4, 10, 0, 0, 1, 1, int{'c'}, 0, 0, 0, 0, 0, 0, 0, 1, 0}) {
    want.push_back(static_cast<std::uint8_t>(b));
  }
  CHECK(bytes == want);
  REQUIRE(decode_registry(bytes));
  CHECK(*decode_registry(bytes) == s);
  CHECK(encode_registry({}) == std::vector<std::uint8_t>{1, 0, 0, 0, 0});

  // Every truncation, and one byte more, is refused.
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("truncated to " << n);
    CHECK_FALSE(decode_registry(std::span(bytes.data(), n)));
  }
  auto longer = bytes;
  longer.push_back(0);
  CHECK_FALSE(decode_registry(longer));

  const auto refused = [&](std::vector<std::uint8_t> b, std::string_view why) {
    auto r = decode_registry(b);
    INFO("expecting: " << why);
    REQUIRE_FALSE(r);
    CHECK(r.error().is(Errc::parse_error));
    INFO(r.error().message());
    CHECK(r.error().message().find(why) != std::string::npos);
  };
  const std::size_t rec = 5, name_at = rec + 8 + 24 + 4, addr_at = name_at + 2 + 13,
                    cont_at = addr_at + 5, ver_at = cont_at + 2;
  auto b = bytes;
  b[0] = 2;
  refused(b, "kind 2");
  b = bytes;
  b[4] = 200;
  refused(b, "exceeds the message");
  b = bytes;
  std::fill(b.begin() + rec, b.begin() + rec + 8, 0);
  refused(b, "origin 0");
  b = bytes;
  b[name_at + 2] = 'A';
  refused(b, "canonical");
  b = bytes;
  b[name_at + 4] = 'x';  // a.xeft.local.
  refused(b, "not below weft.local.");
  b = bytes;
  b[addr_at] = 5;
  refused(b, "family 5");
  b = bytes;
  b[addr_at + 1] = 0;
  b[addr_at + 4] = 0;
  refused(b, "unspecified");
  b = bytes;
  b[cont_at + 1] = ' ';
  refused(b, "printable");
  b = bytes;
  b[ver_at + 7] = 0;
  refused(b, "version 0");
  b = bytes;
  b[ver_at] = 0x40;
  refused(b, "above 2^62");
  b = bytes;
  b[ver_at + 8] = 2;
  refused(b, "state 2");
  b = bytes;
  b[ver_at + 8] = 1;  // a tombstone at 1, floor 2
  refused(b, "floor - 1");
  b = bytes;
  b[rec + 8 + 7] = 5;  // base 5 > complete 3
  refused(b, "base above");
  b = bytes;
  b[rec + 8 + 7] = 1;  // a delta with a floor
  refused(b, "delta");
  b = bytes;
  b[rec + 24 + 7] = 9;  // floor 9 > complete + 1
  refused(b, "floor above");
  CHECK(decode_registry(b).error().message().find("offset 13") != std::string::npos);

  // Two records out of order, two equal keys.
  RegistryState two;
  two[PeerName(1)] = {};
  two[PeerName(2)] = {};
  auto tb = encode_registry(two);
  std::swap_ranges(tb.begin() + 5, tb.begin() + 13, tb.begin() + 5 + 36);
  refused(tb, "not strictly increasing");
  OriginRecord dup{0, 1, 0, {{EntryKey{"a.weft.local.", ip("10.0.0.1"), "c"}, {1, true}}}};
  auto db = encode_registry({{PeerName(1), dup}});
  const std::vector<std::uint8_t> entry(db.end() - 31, db.end());
  db.insert(db.end(), entry.begin(), entry.end());
  db[5 + 8 + 24 + 3] = 2;
  refused(db, "keys not strictly increasing");

  // Random mutations never crash, and what decodes re-encodes to the same bytes.
  Xoshiro256Rng rng(99);
  std::printf("registry codec mutations: seed 99\n");
  for (int i = 0; i < 20000; ++i) {
    auto m = bytes;
    for (int k = 0; k < 3; ++k) m[rng.uniform(m.size())] = static_cast<std::uint8_t>(rng.next());
    if (auto d = decode_registry(m)) CHECK(encode_registry(*d) == m);
  }
}
