// SPDX-License-Identifier: Apache-2.0
// Fast-path fallback (decision 0012): a peer whose VXLAN heartbeats fail (either way, see
// HeartbeatMonitor) moves to the sleeve, but keeps its flood entry so heartbeats go on
// testing the way back. Pod frames the kernel's VXLAN would still send it are dropped on
// the way out by table `ip weft_fallback`, which matches the inner ethertype of every VXLAN
// packet to those peers and lets only heartbeats pass.
#pragma once

#include "weft/base/ip_address.hpp"

#include <cstdint>
#include <set>
#include <string>

namespace weft::router {

/// An `nft -f` script that makes table `ip weft_fallback` drop VXLAN packets (UDP `port`)
/// to `peers` unless they carry a heartbeat; with no peers (or only IPv6 ones, which the
/// sleeve does not carry yet) it just removes the table.
std::string fallback_ruleset(const std::set<IpAddress>& peers, std::uint16_t port);
/// Removes the table (and succeeds when it is not there).
std::string fallback_teardown();

}  // namespace weft::router
