// SPDX-License-Identifier: Apache-2.0
// FakeNetlink keeps the contract the kernel keeps (the same test body runs on LibnlNetlink
// in tests/netns/netlink/), and counts changes so callers can assert idempotence.
#include "weft/netlink/fake_netlink.hpp"

#include "weft/testing/netlink_contract.hpp"

using namespace weft;
using namespace weft::netlink;

TEST_CASE("FakeNetlink keeps the Netlink contract", "[netlink]") {
  FakeNetlink nl;
  weft::testing::check_netlink_contract(nl, 3);  // any fd: the far end is simply not here
}

TEST_CASE("FakeNetlink counts only calls that change something", "[netlink]") {
  FakeNetlink nl;
  REQUIRE(nl.add_bridge("weft", 0));
  REQUIRE(nl.set_up("weft"));
  REQUIRE(nl.set_mtu("weft", 1400));
  REQUIRE(nl.set_sysctl("net.ipv4.ip_forward", "1"));
  const int before = nl.changes();
  REQUIRE(nl.set_up("weft"));
  REQUIRE(nl.set_mtu("weft", 1400));
  REQUIRE(nl.set_sysctl("net.ipv4.ip_forward", "1"));
  CHECK(nl.changes() == before);
  CHECK(*nl.sysctl("net.ipv4.ip_forward") == "1");
  CHECK_FALSE(nl.set_mtu("weft", 20));
  auto& injected = nl.inject(Link{0, "weft-tap", LinkKind::tun, {}, 1500, true, {}, {}});
  CHECK(injected.index > 0);
  CHECK((*nl.link("weft-tap"))->kind == LinkKind::tun);
}
