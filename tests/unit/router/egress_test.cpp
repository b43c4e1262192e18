// SPDX-License-Identifier: Apache-2.0
// Egress rules: the script nftables gets for an IPv4 and an IPv6 range.
#include "weft/router/egress.hpp"

#include <catch2/catch.hpp>

using namespace weft;

TEST_CASE("egress masquerades the range to outside, fully random, per family", "[router][egress]") {
  const auto v4 = *Cidr::parse("10.32.0.0/12");
  const auto s = router::egress_ruleset(v4);
  CHECK_THAT(s, Catch::StartsWith("add table ip weft\ndelete table ip weft\n"));
  CHECK_THAT(s, Catch::Contains("type nat hook postrouting priority srcnat"));
  CHECK_THAT(
      s, Catch::Contains("ip saddr 10.32.0.0/12 ip daddr != 10.32.0.0/12 masquerade fully-random"));
  CHECK(router::forwarding_sysctl(v4) == "net.ipv4.ip_forward");
  const auto v6 = *Cidr::parse("fd00:77::/48");
  CHECK_THAT(router::egress_ruleset(v6),
             Catch::Contains("ip6 saddr fd00:77::/48 ip6 daddr != fd00:77::/48"));
  CHECK(router::egress_table(v6) == "ip6 weft");
  CHECK(router::egress_teardown(v6) == "add table ip6 weft\ndelete table ip6 weft\n");
  CHECK(router::forwarding_sysctl(v6) == "net.ipv6.conf.all.forwarding");
}
