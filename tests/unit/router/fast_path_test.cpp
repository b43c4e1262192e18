// SPDX-License-Identifier: Apache-2.0
// The fast path's reconcile against FakeNetlink (which keeps the kernel's contract, see
// tests/netns/050): from nothing, again with nothing to do, after damage, with devices of
// the same name that are not weft's, as peers come and go, and reset.
#include "weft/router/fast_path.hpp"

#include "weft/netlink/fake_netlink.hpp"
#include "weft/testing/addresses.hpp"

#include <catch2/catch.hpp>

using namespace weft;
using weft::testing::ip;
using namespace weft::router;
using netlink::FakeNetlink;
using netlink::LinkKind;

namespace {
std::vector<IpAddress> floods(FakeNetlink& nl) {
  std::vector<IpAddress> out;
  for (const auto& e : *nl.fdb("weft-vxlan")) {
    if (e.mac.is_zero()) out.push_back(e.dst);
  }
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST_CASE("fast path: from nothing, then a second reconcile changes nothing", "[router]") {
  FakeNetlink nl;
  FastPath fp(FastPathConfig{});
  auto r = fp.reconcile(nl, {ip("198.18.0.2"), ip("198.18.0.3")});
  REQUIRE(r);
  CHECK_FALSE(r->changes.empty());
  const auto br = *nl.link("weft");
  const auto vx = *nl.link("weft-vxlan");
  REQUIRE(br);
  REQUIRE(vx);
  CHECK(br->kind == LinkKind::bridge);
  CHECK(br->up);
  CHECK(br->mtu == 1376);
  CHECK(vx->vxlan->vni == kVxlanVni);
  CHECK(vx->vxlan->port == 6784);
  CHECK(vx->vxlan->learning);
  CHECK(vx->master == br->index);
  CHECK(vx->up);
  CHECK(floods(nl) == std::vector<IpAddress>{ip("198.18.0.2"), ip("198.18.0.3")});

  const int before = nl.changes();
  auto again = fp.reconcile(nl, {ip("198.18.0.2"), ip("198.18.0.3")});
  REQUIRE(again);
  CHECK(again->changes.empty());
  CHECK(nl.changes() == before);
}

TEST_CASE("fast path: peers that come and go move the flood entries", "[router]") {
  FakeNetlink nl;
  FastPath fp(FastPathConfig{});
  REQUIRE(fp.reconcile(nl, {ip("198.18.0.2")}));
  auto r = fp.reconcile(nl, {ip("198.18.0.3"), ip("198.18.0.4")});
  REQUIRE(r);
  CHECK(r->changes == std::vector<std::string>{"removed flood entry to 198.18.0.2",
                                               "added flood entry to 198.18.0.3",
                                               "added flood entry to 198.18.0.4"});
  CHECK(floods(nl) == std::vector<IpAddress>{ip("198.18.0.3"), ip("198.18.0.4")});
  // Learned unicast entries are the kernel's and stay.
  const int vxi = (*nl.link("weft-vxlan"))->index;
  const auto learned = *MacAddress::parse("0a:58:0a:20:00:07");
  REQUIRE(nl.add_fdb({vxi, learned, ip("198.18.0.3")}));
  REQUIRE(fp.reconcile(nl, {}));
  CHECK(floods(nl).empty());
  CHECK(nl.fdb("weft-vxlan")->size() == 1);
}

TEST_CASE("fast path: what is wrong is fixed, what is not weft's is refused", "[router]") {
  SECTION("a VXLAN with another port is made again; a lost master and mtu are restored") {
    FakeNetlink nl;
    REQUIRE(nl.add_bridge("weft", 1500));
    REQUIRE(nl.add_vxlan({"weft-vxlan", {kVxlanVni, 4789, std::nullopt, true}, 1500}));
    FastPath fp(FastPathConfig{});
    auto r = fp.reconcile(nl, {});
    REQUIRE(r);
    const auto vx = *nl.link("weft-vxlan");
    CHECK(vx->vxlan->port == 6784);
    CHECK(vx->mtu == 1376);
    CHECK((*nl.link("weft"))->mtu == 1376);
    CHECK(vx->master == (*nl.link("weft"))->index);
    CHECK(std::find(r->changes.begin(), r->changes.end(),
                    "deleted weft-vxlan (wrong VNI, port or learning)") != r->changes.end());
  }
  SECTION("a device named weft that is not a bridge") {
    FakeNetlink nl;
    nl.inject(netlink::Link{0, "weft", LinkKind::veth, {}, 1500, true, {}, {}});
    FastPath fp(FastPathConfig{});
    auto r = fp.reconcile(nl, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().message() ==
          "a device named weft exists and is a veth, not a bridge: weft will not touch it "
          "(remove it, or stop what made it)");
    auto reset = fp.reset(nl);
    REQUIRE(reset);
    CHECK(*nl.link("weft"));  // reset leaves it too
  }
}

TEST_CASE("fast path: reset removes what weft made, twice is fine", "[router]") {
  FakeNetlink nl;
  FastPath fp(FastPathConfig{});
  REQUIRE(fp.reconcile(nl, {ip("198.18.0.2")}));
  auto r = fp.reset(nl);
  REQUIRE(r);
  CHECK(r->changes == std::vector<std::string>{"deleted weft-vxlan", "deleted weft"});
  CHECK(nl.links()->empty());
  auto again = fp.reset(nl);
  REQUIRE(again);
  CHECK(again->changes.empty());
}

TEST_CASE("overlay MTU: underlay minus VXLAN's 50, or --mtu within it", "[router]") {
  CHECK(*overlay_mtu(1500, 0) == 1450);
  CHECK(*overlay_mtu(9000, 0) == 8950);
  CHECK(*overlay_mtu(1500, 1376) == 1376);
  auto too_big = overlay_mtu(1500, 1460);
  REQUIRE_FALSE(too_big);
  CHECK(too_big.error().message().find("576..1450") != std::string::npos);
  CHECK_FALSE(overlay_mtu(600, 0));
}

TEST_CASE("the underlay is every up link but lo, weft's devices and pods' veths", "[router]") {
  netlink::Link l;
  l.up = true;
  l.name = "eth0";
  CHECK(is_underlay(l));
  for (const char* name : {"lo", "weft", "weft-vxlan", "vw0123456789abc"}) {
    l.name = name;
    CHECK_FALSE(is_underlay(l));
  }
  l.name = "eth0";
  l.up = false;
  CHECK_FALSE(is_underlay(l));
}
