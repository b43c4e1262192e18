// SPDX-License-Identifier: Apache-2.0
// `weft reset`: removes the bridge and VXLAN device weftd made in this network namespace,
// and its nftables tables (egress masquerade).
// weftd leaves them when it stops, so pods keep talking through a restart; this is how an
// operator takes weft off a host. It refuses while weftd runs (weftd would make them again).
#include "reset.hpp"

#include "weft/netlink/libnl_netlink.hpp"
#include "weft/router/egress.hpp"
#include "weft/router/fallback.hpp"
#include "weft/router/fast_path.hpp"
#include "weft/router/fastdp_counters.hpp"
#include "weft/router/heartbeat.hpp"
#include "weft/router/nftables.hpp"

#include <iostream>

namespace weft::cli {

int reset_host(const api::ApiClient& client, const std::string& run_dir) {
  if (auto res = client.request("GET", "/status", ""); res) {
    std::cerr << "weft: weftd is running at " << run_dir
              << "/weftd.sock: stop it first (it would make the devices again)\n";
    return 1;
  }
  auto nl = netlink::LibnlNetlink::open();
  if (!nl) {
    std::cerr << "weft: reset: " << nl.error().message() << "\n";
    return 1;
  }
  router::FastPath fp(router::FastPathConfig{});
  auto r = fp.reset(**nl);
  if (!r) {
    std::cerr << "weft: reset: " << r.error().message() << "\n";
    return 1;
  }
  // The tables are weft's alone; deleting one that is not there is not an error.
  for (const auto& script : {router::heartbeat_filter_teardown(), router::fallback_teardown(),
                             router::fastdp_counters_teardown()}) {
    if (auto n = router::run_nft(script); !n) {
      std::cerr << "weft: reset: " << n.error().message() << "\n";
      return 1;
    }
  }
  for (const char* range : {"10.0.0.0/8", "fd00::/8"}) {
    const auto c = Cidr::parse(range);
    if (auto n = router::run_nft(router::egress_teardown(*c)); !n) {
      std::cerr << "weft: reset: " << n.error().message() << "\n";
      return 1;
    }
  }
  if (r->changes.empty()) std::cout << "nothing of weft's devices to remove\n";
  for (const auto& c : r->changes) std::cout << c << "\n";
  return 0;
}

}  // namespace weft::cli
