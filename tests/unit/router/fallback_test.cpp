// SPDX-License-Identifier: Apache-2.0
// The fallback table: VXLAN to peers on the sleeve carries heartbeats only.
#include "weft/router/fallback.hpp"

#include "weft/testing/addresses.hpp"

#include <catch2/catch.hpp>

using namespace weft;
using weft::testing::ip;

TEST_CASE("the fallback table lets only heartbeats through to failing peers", "[router]") {
  const auto s = router::fallback_ruleset({ip("198.18.0.3"), ip("198.18.0.2")}, 6784);
  CHECK_THAT(s, Catch::StartsWith(router::fallback_teardown()));
  CHECK_THAT(s, Catch::Contains("type filter hook output priority 0; policy accept;"));
  CHECK_THAT(s,
             Catch::Contains(
                 "ip daddr { 198.18.0.2, 198.18.0.3 } udp dport 6784 @th,224,16 != 0x88b5 drop"));
  // Nobody failing (or only IPv6 peers): the table goes.
  CHECK(router::fallback_ruleset({}, 6784) == router::fallback_teardown());
  CHECK(router::fallback_ruleset({ip("fd00::3")}, 6784) == router::fallback_teardown());
}
