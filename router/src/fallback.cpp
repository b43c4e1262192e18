// SPDX-License-Identifier: Apache-2.0
// fallback.hpp: the nftables script.
#include "weft/router/fallback.hpp"

#include "weft/router/heartbeat.hpp"

#include "nft_script.hpp"

#include <cstdio>

namespace weft::router {

std::string fallback_teardown() {
  return detail::drop_table("ip weft_fallback");
}

std::string fallback_ruleset(const std::set<IpAddress>& peers, std::uint16_t port) {
  std::string list;
  for (const auto& p : peers) {
    if (!p.is_v4()) continue;
    list += (list.empty() ? "" : ", ") + p.to_string();
  }
  if (list.empty()) return fallback_teardown();
  // The inner ethertype sits 28 bytes into the UDP header: UDP 8 + VXLAN 8 + two MACs 12.
  char type[8];
  std::snprintf(type, sizeof type, "0x%04x", kHeartbeatEtherType);
  return fallback_teardown() +
         "table ip weft_fallback {\n"
         "  chain output {\n"
         "    type filter hook output priority 0; policy accept;\n"
         "    ip daddr { " +
         list + " } udp dport " + std::to_string(port) + " @th,224,16 != " + type + " drop\n" +
         "  }\n"
         "}\n";
}

}  // namespace weft::router
