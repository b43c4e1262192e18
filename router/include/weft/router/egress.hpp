// SPDX-License-Identifier: Apache-2.0
// Egress: pods reach destinations outside the overlay through the host, masqueraded to the
// host's address on the way out (nftables, port mapping fully random so that many pods
// behind one address do not collide on source ports). The rules live in weft's own table,
// replaced as a whole in one transaction, so a reconcile never leaves half a ruleset.
#pragma once

#include "weft/base/cidr.hpp"

#include <string>

namespace weft::router {

/// nftables table weft keeps its rules in: "ip weft" or "ip6 weft".
std::string egress_table(const Cidr& range);
/// An `nft -f` script that (re)creates the table: masquerade what leaves `range` for
/// anywhere outside it.
std::string egress_ruleset(const Cidr& range);
/// An `nft -f` script that removes the table (and succeeds when it is not there).
std::string egress_teardown(const Cidr& range);
/// The sysctl that lets the host forward the range's packets ("net.ipv4.ip_forward" or
/// "net.ipv6.conf.all.forwarding").
std::string forwarding_sysctl(const Cidr& range);

}  // namespace weft::router
