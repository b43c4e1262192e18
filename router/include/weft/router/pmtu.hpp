// SPDX-License-Identifier: Apache-2.0
// Path MTU on the sleeve: a pod's IPv4 packet with DF set that does not fit a sleeve datagram
// (after a fallback from the fast path, whose MTU is larger) is answered, as a router on the
// path would, with ICMP "fragmentation needed" carrying the MTU that fits, so the pod's
// stack lowers its path MTU and TCP goes on with smaller segments.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace weft::router {

/// For an Ethernet frame carrying IPv4 with DF set: the Ethernet frame to write back to its
/// sender (MAC addresses swapped; IP from the packet's destination to its source) with ICMP
/// type 3 code 4, next-hop MTU `mtu`, quoting the packet's header and up to 548 bytes of it.
/// nullopt (drop it silently, as routers do) for anything else: not IPv4, no DF, a fragment
/// past the first, an ICMP error itself, a malformed header.
std::optional<std::vector<std::uint8_t>> icmp_frag_needed(std::span<const std::uint8_t> frame,
                                                          std::uint16_t mtu);

/// The IP MTU a sleeve datagram of at most `max_datagram` bytes carries in one record.
std::uint16_t sleeve_ip_mtu(std::size_t max_datagram, std::size_t datagram_overhead);

}  // namespace weft::router
