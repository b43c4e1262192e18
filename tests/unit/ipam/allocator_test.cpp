// SPDX-License-Identifier: Apache-2.0
// The allocator against a model (key -> addresses): random allocate / claim / free / GC
// sequences (fixed seeds, IPv4 and IPv6), with the rules checked after every step: no
// address held twice, every address inside space this peer owns and inside its subnet,
// never a network or broadcast address, allocate idempotent per key and subnet, and a freed
// address not handed out again before the others.
#include "weft/ipam/allocator.hpp"

#include "weft/base/rng.hpp"
#include "weft/base/uint128.hpp"
#include "weft/testing/addresses.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>

using namespace weft;
using namespace weft::ipam;

namespace {

Cidr cidr(const char* text) {
  return *Cidr::parse(text);
}
using weft::testing::ip;
const PeerName kSelf(0x1111), kOther(0x2222);

void check_rules(const Ring& ring, const Allocator& alloc,
                 const std::map<std::string, std::set<IpAddress>>& model) {
  std::set<IpAddress> seen;
  std::size_t n = 0;
  for (const auto& [key, addrs] : model) {
    const auto got = alloc.lookup(key);
    REQUIRE(got.size() == addrs.size());
    for (const auto& a : got) {
      INFO(key << " " << a.address.to_string());
      REQUIRE(addrs.count(a.address) == 1);
      REQUIRE(seen.insert(a.address).second);  // held once
      REQUIRE(a.subnet.contains(a.address));
      if (a.subnet.family() == IpFamily::v4 && a.subnet.size() >= 4) {
        REQUIRE(a.address != a.subnet.first());
        REQUIRE(a.address != a.subnet.last());
      }
      REQUIRE(ring.owner_of(to_u128(a.address) - to_u128(ring.range().first())) == kSelf);
      ++n;
    }
  }
  REQUIRE(alloc.allocations().size() == n);
}

void random_sequence(const char* range, const std::vector<const char*>& subnets,
                     std::uint64_t seed) {
  INFO("range " << range << ", seed " << seed);
  Ring ring(cidr(range));
  REQUIRE(ring.seed({kSelf, kOther}));
  Allocator alloc(kSelf, ring);
  std::map<std::string, std::set<IpAddress>> model;
  Xoshiro256Rng rng(seed);
  for (int step = 0; step < 300; ++step) {
    INFO("step " << step);
    const std::string key = "c" + std::to_string(rng.uniform(40));
    const Cidr subnet = cidr(subnets[rng.uniform(subnets.size())]);
    const auto op = rng.uniform(10);
    if (op < 5) {
      auto a = alloc.allocate(key, subnet);
      if (a) {
        auto again = alloc.allocate(key, subnet);
        REQUIRE(again);
        CHECK(again->address == a->address);  // idempotent
        model[key].insert(a->address);
      } else {
        CHECK(a.error().is(Errc::unavailable));
      }
    } else if (op < 6) {  // claim: a free owned address succeeds, a held one is refused
      auto a = alloc.allocate("probe", subnet);
      if (!a) continue;
      const IpAddress addr = a->address;
      REQUIRE(alloc.free_address(addr));
      auto c = alloc.claim(key, addr, subnet);
      REQUIRE(c);
      model[key].insert(addr);
      auto clash = alloc.claim(key + "x", addr, subnet);
      REQUIRE_FALSE(clash);
      CHECK(clash.error().is(Errc::already_exists));
    } else if (op < 8) {
      const auto freed = alloc.free_key(key);
      CHECK(freed.size() == model[key].size());
      model.erase(key);
    } else {
      std::set<std::string> live;
      for (const auto& [k, v] : model) {
        if (rng.uniform(4) != 0) live.insert(k);
      }
      alloc.gc(live);
      for (auto it = model.begin(); it != model.end();) {
        it = live.count(it->first) ? std::next(it) : model.erase(it);
      }
    }
    for (auto it = model.begin(); it != model.end();) {
      it = it->second.empty() ? model.erase(it) : std::next(it);
    }
    check_rules(ring, alloc, model);
  }
}

}  // namespace

TEST_CASE("allocator keeps its rules over random sequences", "[ipam][allocator]") {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    random_sequence("10.32.0.0/25", {"10.32.0.0/25", "10.32.0.0/27", "10.32.0.32/28"}, seed);
    random_sequence("fd00::/120", {"fd00::/120", "fd00::/124"}, seed);
  }
}

TEST_CASE("a freed address is not handed out again before the rest", "[ipam][allocator]") {
  Ring ring(cidr("10.32.0.0/28"));
  REQUIRE(ring.seed({kSelf}));
  Allocator alloc(kSelf, ring);
  const Cidr subnet = cidr("10.32.0.0/28");  // 14 host addresses
  auto first = alloc.allocate("a", subnet);
  REQUIRE(first);
  CHECK(first->address == ip("10.32.0.1"));
  REQUIRE(alloc.free_key("a").size() == 1);
  std::set<IpAddress> got;
  for (int i = 0; i < 13; ++i) {
    auto a = alloc.allocate("k" + std::to_string(i), subnet);
    REQUIRE(a);
    got.insert(a->address);
  }
  CHECK(got.count(ip("10.32.0.1")) == 0);  // the other 13 came first
  auto last = alloc.allocate("last", subnet);
  REQUIRE(last);
  CHECK(last->address == ip("10.32.0.1"));  // then the freed one, once around
  auto none = alloc.allocate("none", subnet);
  REQUIRE_FALSE(none);
  CHECK(none.error().message().find("no free address in 10.32.0.0/28") != std::string::npos);
}

TEST_CASE("allocations stay in this peer's space and say why when they cannot",
          "[ipam][allocator]") {
  Ring ring(cidr("10.32.0.0/24"));
  REQUIRE(ring.seed({kSelf, kOther}));  // kSelf owns .0-.127, kOther .128-.255
  Allocator alloc(kSelf, ring);
  auto other_half = alloc.allocate("x", cidr("10.32.0.128/25"));
  REQUIRE_FALSE(other_half);
  CHECK(other_half.error().is(Errc::unavailable));
  auto foreign = alloc.claim("x", ip("10.32.0.200"), cidr("10.32.0.0/24"));
  REQUIRE_FALSE(foreign);
  CHECK(foreign.error().message().find(kOther.to_string()) != std::string::npos);
  auto outside = alloc.allocate("x", cidr("10.40.0.0/24"));
  REQUIRE_FALSE(outside);
  CHECK(outside.error().message().find("--ipalloc-range") != std::string::npos);
  auto network = alloc.claim("x", ip("10.32.0.0"), cidr("10.32.0.0/24"));
  REQUIRE_FALSE(network);
  // Once kOther grants space, it is usable.
  REQUIRE(ring.grant(kOther, {128, 160}, kSelf));
  auto granted = alloc.claim("x", ip("10.32.0.130"), cidr("10.32.0.0/24"));
  CHECK(granted);
}
