// SPDX-License-Identifier: Apache-2.0
// Ipam's durability through a Store: an allocation is acknowledged only after its commit,
// a restart (a new Ipam on the same store) holds exactly what was acknowledged and keeps the
// cursor, a failed commit acknowledges nothing and undoes the change, and stored state that
// does not fit the flags is refused with what to do.
#include "weft/ipam/ipam.hpp"
#include "weft/ipam/persist.hpp"
#include "weft/ipam/wire.hpp"
#include "weft/store/memory_store.hpp"

#include <catch2/catch.hpp>

#include <optional>

using namespace weft;
using namespace weft::ipam;

namespace {

const PeerName kSelf(0x1111), kOther(0x2222);
const Cidr kRange = *Cidr::parse("10.32.0.0/28");

std::unique_ptr<Ipam> make(store::Store& s, Cidr range = kRange, int* flush_calls = nullptr) {
  IpamConfig c;
  c.self = kSelf;
  c.range = range;
  if (flush_calls) c.wants_flush = [flush_calls] { ++*flush_calls; };
  auto ipam = std::make_unique<Ipam>(c, s);
  REQUIRE(ipam->load(TimePoint{}));
  return ipam;
}

// Allocates and returns what `done` got (nullopt while it has not run).
struct Outcome {
  std::optional<Result<Allocation>> got;
};
void allocate(Ipam& ipam, const std::string& key, Outcome& out) {
  ipam.allocate(key, kRange, TimePoint{}, [&out](Result<Allocation> r) { out.got = std::move(r); });
}

}  // namespace

TEST_CASE("ipam: an allocation is acknowledged after its commit and survives a restart",
          "[ipam][persist]") {
  store::MemoryStore s;
  int flushes = 0;
  auto ipam = make(s, kRange, &flushes);
  REQUIRE(ipam->seed({kSelf}));
  const auto writes = s.apply_count();
  Outcome a, b;
  allocate(*ipam, "c1", a);
  allocate(*ipam, "c2", b);
  CHECK_FALSE(a.got);  // not durable yet
  CHECK(ipam->needs_flush());
  CHECK(flushes == 1);  // one request for the group
  REQUIRE(ipam->flush());
  CHECK(s.apply_count() == writes + 1);  // one commit for both
  REQUIRE(a.got);
  REQUIRE(*a.got);
  REQUIRE(b.got);
  REQUIRE(*b.got);
  CHECK(a.got->value().address.to_string() == "10.32.0.1");
  CHECK(b.got->value().address.to_string() == "10.32.0.2");
  CHECK(ipam->free_key("c1").size() == 1);
  REQUIRE(ipam->flush());

  auto again = make(s);
  CHECK(again->ring() == ipam->ring());
  REQUIRE(again->seed({kSelf}));  // the same seeds: keeps the stored ring
  CHECK(again->allocator().lookup("c1").empty());
  REQUIRE(again->allocator().lookup("c2").size() == 1);
  CHECK(again->allocator().lookup("c2")[0].address.to_string() == "10.32.0.2");
  Outcome c;
  allocate(*again, "c3", c);
  REQUIRE(again->flush());
  REQUIRE(c.got);
  REQUIRE(*c.got);
  // The cursor survived: the freed .1 is not handed out again at once.
  CHECK(c.got->value().address.to_string() == "10.32.0.3");
}

TEST_CASE("ipam: a failed commit acknowledges nothing and undoes the change", "[ipam][persist]") {
  store::MemoryStore s;
  auto ipam = make(s);
  REQUIRE(ipam->seed({kSelf}));
  Outcome a;
  allocate(*ipam, "c1", a);
  s.fail_next_apply(Error(Errc::io_error, "disk full"));
  auto f = ipam->flush();
  REQUIRE_FALSE(f);
  CHECK_THAT(f.error().message(), Catch::Contains("disk full"));
  REQUIRE(a.got);
  REQUIRE_FALSE(*a.got);
  CHECK(ipam->allocator().lookup("c1").empty());
  Outcome b;
  allocate(*ipam, "c1", b);
  REQUIRE(ipam->flush());
  REQUIRE(*b.got);
  REQUIRE(make(s)->allocator().lookup("c1").size() == 1);
}

TEST_CASE("ipam: a failed commit of the seed leaves the ring empty", "[ipam][persist]") {
  store::MemoryStore s;
  auto ipam = make(s);
  s.fail_next_apply(Error(Errc::io_error, "disk full"));
  REQUIRE_FALSE(ipam->seed({kSelf}));
  CHECK(ipam->ring().empty());
  REQUIRE(ipam->seed({kSelf}));
  CHECK_FALSE(make(s)->ring().empty());
}

TEST_CASE("ipam: stored state that does not fit the flags is refused with what to do",
          "[ipam][persist]") {
  store::MemoryStore s;
  {
    auto ipam = make(s);
    REQUIRE(ipam->seed({kSelf, kOther}));
  }
  SECTION("other seeds") {
    auto ipam = make(s);
    auto r = ipam->seed({kOther});
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message(), Catch::Contains("the stored ring wins"));
  }
  SECTION("another range") {
    IpamConfig c;
    c.self = kSelf;
    c.range = *Cidr::parse("10.40.0.0/16");
    Ipam ipam(c, s);
    auto r = ipam.load(TimePoint{});
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message(), Catch::Contains("--ipalloc-range 10.32.0.0/28"));
  }
  SECTION("a damaged record") {
    REQUIRE(s.put(kStoreNs, "alloc/zz", "10.32.0.0/28 c1"));
    IpamConfig c;
    c.self = kSelf;
    c.range = kRange;
    Ipam ipam(c, s);
    auto r = ipam.load(TimePoint{});
    REQUIRE_FALSE(r);
    CHECK(r.error().is(Errc::corrupt));
    CHECK_THAT(r.error().message(), Catch::Contains("alloc/zz"));
  }
}

TEST_CASE("ipam: a waiting allocation is stored and resumes after a restart", "[ipam][persist]") {
  store::MemoryStore s;
  auto ipam = make(s);
  REQUIRE(ipam->seed({kOther}));  // all space is the other peer's
  Outcome a;
  allocate(*ipam, "c1", a);
  REQUIRE(ipam->flush());
  CHECK_FALSE(a.got);
  CHECK(ipam->pending() == 1);
  auto again = make(s);
  CHECK(again->pending() == 1);
}

TEST_CASE("ipam: reset leaves a conflicting ring for another, without wiping anything else",
          "[ipam][persist]") {
  store::MemoryStore s;
  REQUIRE(s.put("mesh", "targets", "198.18.0.9\n"));
  auto ours = make(s);
  REQUIRE(ours->seed({kSelf}));
  // Another group seeded its own ring: merging it is refused and the conflict is kept.
  store::MemoryStore other_store;
  IpamConfig oc;
  oc.self = kOther;
  oc.range = kRange;
  Ipam other(oc, other_store);
  REQUIRE(other.load(TimePoint{}));
  REQUIRE(other.seed({kOther}));
  const auto theirs = encode_ring(other.ring());
  CHECK_FALSE(ours->on_gossip(kOther, theirs));
  CHECK_THAT(ours->conflict(), Catch::Contains("weft ipam reset"));

  Outcome a;
  allocate(*ours, "c1", a);
  REQUIRE(ours->flush());
  CHECK_FALSE(ours->reset_ring());  // holds an address
  ours->free_key("c1");
  REQUIRE(ours->flush());
  REQUIRE(ours->reset_ring());
  CHECK(ours->ring().empty());
  CHECK(ours->conflict().empty());
  CHECK_FALSE(ours->seed({kSelf}));  // never seeds the ring it left again
  // Its own old ring, gossiped back by a peer of the old group, is not taken back...
  store::MemoryStore old_store;
  IpamConfig mc;
  mc.self = kSelf;
  mc.range = kRange;
  Ipam old(mc, old_store);
  REQUIRE(old.load(TimePoint{}));
  REQUIRE(old.seed({kSelf}));
  REQUIRE(ours->on_gossip(kSelf, encode_ring(old.ring())));
  CHECK(ours->ring().empty());
  // ...the other ring is, and all of this holds across a restart.
  REQUIRE(ours->on_gossip(kOther, theirs));
  REQUIRE(ours->flush());
  Ring joined = other.ring();  // the other ring, which this peer now holds too
  joined.join(kSelf);
  CHECK(ours->ring() == joined);
  auto again = make(s);
  CHECK(again->ring() == joined);
  CHECK(s.get("mesh", "targets").value() == std::optional<std::string>("198.18.0.9\n"));
}

// Decision 0006: a removed peer's space passes to its heir only once every peer holding the
// ring has acknowledged the removal; meanwhile an allocation there fails naming who is
// awaited, and the acknowledgement arrives with the acknowledging peer's whole ring.
TEST_CASE("ipam: a removed peer's space waits for every holder's acknowledgement",
          "[ipam][persist]") {
  store::MemoryStore s;
  const PeerName kDead(0x1112);  // seeds sorted 1111, 1112, 2222: [0,8) [8,12) [12,16)
  IpamConfig c;
  c.self = kSelf;
  c.range = kRange;
  c.request_timeout = 1s;
  c.reachable = [](PeerName p) { return p == kOther; };
  Ipam ipam(c, s);
  REQUIRE(ipam.load(TimePoint{}));
  REQUIRE(ipam.seed({kSelf, kDead, kOther}));
  ipam.on_tick(TimePoint{});         // joins
  CHECK_FALSE(ipam.rmpeer(kOther));  // reachable: refused
  REQUIRE(ipam.rmpeer(kDead));
  CHECK(ipam.ring().awaiting(kDead) == std::vector<PeerName>{kOther});
  const Cidr dead_space = *Cidr::parse("10.32.0.8/30");
  std::optional<Result<Allocation>> got;
  ipam.allocate("c1", dead_space, TimePoint{}, [&got](Result<Allocation> r) { got = r; });
  REQUIRE(ipam.flush());
  CHECK_FALSE(got);  // waits: the space has no owner yet
  ipam.on_tick(TimePoint{} + 2s);
  REQUIRE(got);
  REQUIRE_FALSE(*got);
  CHECK_THAT(got->error().message(), Catch::Contains("awaiting " + kOther.to_string()));
  CHECK_THAT(got->error().message(), Catch::Contains("removed peer " + kDead.to_string()));
  // The other peer acknowledges: its whole ring arrives with the ack. This peer, the heir
  // of [8,12), settles the removal and allocates there.
  Ring theirs = ipam.ring();
  REQUIRE(theirs.acknowledge(kOther, kDead));
  REQUIRE(ipam.on_gossip(kOther, encode_ring(theirs)));
  CHECK(ipam.ring().is_settled(kDead));
  got.reset();
  ipam.allocate("c2", dead_space, TimePoint{} + 2s, [&got](Result<Allocation> r) { got = r; });
  REQUIRE(ipam.flush());
  REQUIRE(got);
  REQUIRE(*got);
  CHECK((*got)->address.to_string() == "10.32.0.9");
  // The settlement is stored: a restart keeps it.
  auto again = make(s);
  CHECK(again->ring().is_settled(kDead));
}

TEST_CASE("ipam: leave hands all space to a reachable peer and removes this one",
          "[ipam][persist]") {
  store::MemoryStore s;
  IpamConfig c;
  c.self = kSelf;
  c.range = kRange;
  c.request_timeout = 1s;
  bool other_up = false;
  c.reachable = [&other_up](PeerName p) { return other_up && p == kOther; };
  Ipam ipam(c, s);
  REQUIRE(ipam.load(TimePoint{}));
  REQUIRE(ipam.seed({kSelf, kOther}));
  ipam.on_tick(TimePoint{});
  Outcome a;
  allocate(ipam, "c1", a);
  REQUIRE(ipam.flush());
  REQUIRE(a.got);
  REQUIRE(*a.got);
  auto held = ipam.leave();
  REQUIRE_FALSE(held);  // holds an address
  CHECK_THAT(held.error().message(), Catch::Contains("holds 1 addresses"));
  ipam.free_key("c1");
  REQUIRE(ipam.flush());
  auto alone = ipam.leave();
  REQUIRE_FALSE(alone);  // nobody to hand the space to
  CHECK_THAT(alone.error().message(), Catch::Contains("reachable"));
  CHECK(ipam.ring().owned_by(kSelf) == kRange.size() / 2);
  other_up = true;
  auto to = ipam.leave();
  REQUIRE(to);
  CHECK(*to == kOther);
  CHECK(ipam.ring().is_removed(kSelf));
  CHECK(ipam.ring().owned_by(kSelf) == 0);
  CHECK(ipam.ring().owned_by(kOther) == kRange.size());
  CHECK_FALSE(ipam.leave());  // once
  // A later removal does not wait for the peer that left.
  Ring later = ipam.ring();
  later.join(PeerName(0x4444));
  later.remove_peer(PeerName(0x4444));
  CHECK(later.awaiting(PeerName(0x4444)) == std::vector<PeerName>{kOther});
  // It allocates nothing, and says why; all of this is stored.
  Outcome b;
  allocate(ipam, "c2", b);
  REQUIRE(ipam.flush());
  ipam.on_tick(TimePoint{} + 2s);
  REQUIRE(b.got);
  REQUIRE_FALSE(*b.got);
  CHECK_THAT(b.got->error().message(), Catch::Contains("removed from the IP allocation ring"));
  auto again = make(s);
  CHECK(again->ring().is_removed(kSelf));
  CHECK(again->ring().owned_by(kOther) == kRange.size());
}

TEST_CASE("ipam: a ring stored before rings carried their membership still loads",
          "[ipam][persist]") {
  Ring ring(kRange);
  REQUIRE(ring.seed({kSelf, kOther}));
  auto bytes = encode_ring(ring);
  REQUIRE(bytes.size() > 12);
  bytes.resize(bytes.size() - 12);  // the older layout ended after the tokens
  store::MemoryStore s;
  REQUIRE(s.put(kStoreNs, "ring",
                std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())));
  auto p = load_persisted(s, kRange);
  REQUIRE(p);
  REQUIRE(p->ring);
  CHECK(*p->ring == ring);
  bytes.resize(bytes.size() - 1);  // anything else still is damage
  REQUIRE(s.put(kStoreNs, "ring",
                std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())));
  CHECK_FALSE(load_persisted(s, kRange));
}
