// SPDX-License-Identifier: Apache-2.0
#include "weft/router/egress.hpp"

#include "nft_script.hpp"

namespace weft::router {

namespace {
const char* family(const Cidr& range) {
  return range.family() == IpFamily::v4 ? "ip" : "ip6";
}
}  // namespace

std::string egress_table(const Cidr& range) {
  return std::string(family(range)) + " weft";
}

std::string egress_ruleset(const Cidr& range) {
  const std::string t = egress_table(range);
  const std::string f = family(range);
  const std::string r = range.to_string();
  return detail::drop_table(t) + "table " + t + " {\n" + "  chain postrouting {\n" +
         "    type nat hook postrouting priority srcnat; policy accept;\n" + "    " + f +
         " saddr " + r + " " + f + " daddr != " + r + " masquerade fully-random\n" + "  }\n" +
         "}\n";
}

std::string egress_teardown(const Cidr& range) {
  const std::string t = egress_table(range);
  return detail::drop_table(t);
}

std::string forwarding_sysctl(const Cidr& range) {
  return range.family() == IpFamily::v4 ? "net.ipv4.ip_forward" : "net.ipv6.conf.all.forwarding";
}

}  // namespace weft::router
