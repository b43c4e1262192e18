// SPDX-License-Identifier: Apache-2.0
// What every Netlink implementation must do, as one test body: run on FakeNetlink in the
// unit tier and on LibnlNetlink inside a fresh network namespace in the netns tier, so the
// fake the router's unit tests rely on behaves like the kernel where it matters.
#pragma once

#include "weft/netlink/netlink.hpp"
#include "weft/testing/addresses.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>

namespace weft::testing {

/// `nl` acts in an empty namespace (lo only). `peer_netns_fd`: another namespace for the
/// far end of a veth (nullopt: skip that case).
inline void check_netlink_contract(netlink::Netlink& nl, std::optional<int> peer_netns_fd) {
  using namespace netlink;
  // A bridge, and a second one with the same name is refused as already_exists.
  REQUIRE(nl.add_bridge("weft", 1376));
  auto again = nl.add_bridge("weft", 1376);
  REQUIRE_FALSE(again);
  CHECK(again.error().is(Errc::already_exists));
  CHECK(again.error().message().find("weft") != std::string::npos);
  auto br = nl.link("weft");
  REQUIRE(br);
  REQUIRE(*br);
  CHECK((*br)->kind == LinkKind::bridge);
  CHECK((*br)->mtu == 1376);
  CHECK_FALSE((*br)->up);
  REQUIRE(nl.set_up("weft"));
  CHECK((*nl.link("weft"))->up);
  auto none = nl.link("nothing-here");
  REQUIRE(none);
  CHECK_FALSE(*none);

  // Names longer than 15 bytes are refused, not truncated.
  CHECK_FALSE(nl.add_bridge("a-name-too-long-x", 0));

  // VXLAN with port, VNI, learning and a local address, as a bridge port.
  VxlanSpec vx{"weft-vxlan", VxlanInfo{0x77656, 6784, ip("198.18.0.1"), true}, 1376};
  REQUIRE(nl.add_vxlan(vx));
  auto v = nl.link("weft-vxlan");
  REQUIRE(v);
  REQUIRE(*v);
  CHECK((*v)->kind == LinkKind::vxlan);
  REQUIRE((*v)->vxlan);
  CHECK((*v)->vxlan->vni == 0x77656);
  CHECK((*v)->vxlan->port == 6784);
  CHECK((*v)->vxlan->learning);
  CHECK((*v)->vxlan->local == std::optional<IpAddress>(ip("198.18.0.1")));
  REQUIRE(nl.set_master("weft-vxlan", "weft"));
  CHECK((*nl.link("weft-vxlan"))->master == (*br)->index);
  auto not_bridge = nl.set_master("weft", "weft-vxlan");
  CHECK_FALSE(not_bridge);

  // Flood entries: several all-zero MACs side by side, one per remote; the same again is
  // kept once.
  const int vxi = (*v)->index;
  REQUIRE(nl.add_fdb({vxi, MacAddress(), ip("198.18.0.2")}));
  REQUIRE(nl.add_fdb({vxi, MacAddress(), ip("198.18.0.3")}));
  REQUIRE(nl.add_fdb({vxi, MacAddress(), ip("198.18.0.3")}));
  auto fdb = nl.fdb("weft-vxlan");
  REQUIRE(fdb);
  CHECK(fdb->size() == 2);
  CHECK(std::count(fdb->begin(), fdb->end(), FdbEntry{vxi, MacAddress(), ip("198.18.0.2")}) == 1);
  REQUIRE(nl.delete_fdb({vxi, MacAddress(), ip("198.18.0.2")}));
  fdb = nl.fdb("weft-vxlan");
  REQUIRE(fdb);
  REQUIRE(fdb->size() == 1);
  CHECK(fdb->front().dst == ip("198.18.0.3"));
  // Deleting what is gone is not an error (a reconcile may race the kernel's own ageing).
  CHECK(nl.delete_fdb({vxi, MacAddress(), ip("198.18.0.2")}));
  CHECK(nl.fdb("weft-vxlan")->size() == 1);

  // Addresses: added once, listed, a second add refused, deleted.
  REQUIRE(nl.add_address("weft", ip("10.32.0.1"), 12));
  auto dup_addr = nl.add_address("weft", ip("10.32.0.1"), 12);
  REQUIRE_FALSE(dup_addr);
  CHECK(dup_addr.error().is(Errc::already_exists));
  CHECK_FALSE(nl.add_address("weft", ip("10.32.0.2"), 40));  // longer than the address
  auto addrs = nl.addresses("weft");
  REQUIRE(addrs);
  REQUIRE(std::count(addrs->begin(), addrs->end(), Address{(*br)->index, ip("10.32.0.1"), 12}) ==
          1);

  // Routes: replace is idempotent and replaces.
  const Route r1{*Cidr::parse("10.96.0.0/16"), std::nullopt, (*br)->index};
  REQUIRE(nl.replace_route(r1));
  REQUIRE(nl.replace_route(r1));
  auto routes = nl.routes();
  REQUIRE(routes);
  CHECK(std::count(routes->begin(), routes->end(), r1) == 1);
  const Route r2{*Cidr::parse("10.96.0.0/16"), ip("10.32.0.9"), (*br)->index};
  REQUIRE(nl.replace_route(r2));
  routes = nl.routes();
  REQUIRE(routes);
  CHECK(std::count(routes->begin(), routes->end(), r1) == 0);
  CHECK(std::count(routes->begin(), routes->end(), r2) == 1);

  // A veth pair here, on the bridge; then one whose far end is created in another namespace.
  REQUIRE(nl.add_veth({"vw-test0", "vw-test0p", std::nullopt, 1376, std::nullopt}));
  REQUIRE(nl.set_master("vw-test0", "weft"));
  CHECK((*nl.link("vw-test0p"))->kind == LinkKind::veth);
  if (peer_netns_fd) {
    const auto mac = *MacAddress::parse("0a:58:0a:20:00:05");
    REQUIRE(nl.add_veth({"vw-test1", "eth0", *peer_netns_fd, 1376, mac}));
    CHECK(*nl.link("vw-test1"));
    CHECK_FALSE(*nl.link("eth0"));  // it went to the other namespace
  }

  // A sysctl key cannot name a file outside /proc/sys.
  auto escape = nl.set_sysctl("net/../../etc/hostname", "x");
  REQUIRE_FALSE(escape);
  CHECK(escape.error().is(Errc::invalid_argument));

  // Deleting the bridge frees its ports; deleting what is gone is not_found.
  REQUIRE(nl.delete_link("vw-test0"));
  CHECK_FALSE(*nl.link("vw-test0p"));  // a veth dies with its peer
  REQUIRE(nl.delete_link("weft-vxlan"));
  REQUIRE(nl.delete_link("weft"));
  auto gone = nl.delete_link("weft");
  REQUIRE_FALSE(gone);
  CHECK(gone.error().is(Errc::not_found));
  CHECK_FALSE(nl.set_up("weft"));
}

}  // namespace weft::testing
