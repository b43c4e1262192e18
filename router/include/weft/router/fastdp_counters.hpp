// SPDX-License-Identifier: Apache-2.0
// Per-peer traffic on the fast path. The kernel's VXLAN device counts only in total, so
// table `ip weft_fastdp_counters` holds one counting rule per peer and direction on the
// underlay's VXLAN packets (UDP `port`): sent after the output filter (what the fallback
// table drops is not counted as sent), received as it arrives. Bytes are the underlay's:
// outer IP, UDP and VXLAN headers included, heartbeats too.
#pragma once

#include "weft/base/ip_address.hpp"
#include "weft/base/result.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace weft::router {

struct TrafficCount {
  std::uint64_t packets = 0, bytes = 0;
  TrafficCount& operator+=(const TrafficCount& o) {
    packets += o.packets;
    bytes += o.bytes;
    return *this;
  }
};
struct PeerTraffic {
  TrafficCount sent, received;
  PeerTraffic& operator+=(const PeerTraffic& o) {
    sent += o.sent;
    received += o.received;
    return *this;
  }
};

inline constexpr std::string_view kFastdpCountersTable = "weft_fastdp_counters";

/// An `nft -f` script that makes the table count VXLAN packets to and from each IPv4 peer
/// (IPv6 underlays are not carried yet); with none it just removes the table. The table is
/// made anew, so its counters start at zero.
std::string fastdp_counters_ruleset(const std::set<IpAddress>& peers, std::uint16_t port);
/// Removes the table (and succeeds when it is not there).
std::string fastdp_counters_teardown();
/// The nft command whose JSON output parse_fastdp_counters reads.
std::string fastdp_counters_list_command();
/// What each peer's rules counted, from `nft -j list table ip weft_fastdp_counters`.
/// Errc::parse_error for output that is not that JSON; rules of other shapes are skipped.
Result<std::map<IpAddress, PeerTraffic>> parse_fastdp_counters(std::string_view json);

}  // namespace weft::router
