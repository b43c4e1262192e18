// SPDX-License-Identifier: Apache-2.0
// Path MTU on the sleeve: a pod's IPv4 packet that does not fit a sleeve datagram to its next
// hop (after a fallback from the fast path, whose MTU is larger, or over a path narrower than
// the pods' MTU, pmtu_probe.hpp) is handled as a router on the path would: with DF set it is
// answered with ICMP "fragmentation needed" carrying the MTU that fits, so the pod's stack
// lowers its path MTU and TCP goes on with smaller segments; without DF it is fragmented.
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

/// For an Ethernet frame carrying an IPv4 packet without DF and larger than `mtu` bytes of IP:
/// its fragments (RFC 791) as Ethernet frames of at most `mtu` bytes of IP each, payload cut
/// at multiples of 8, the last keeping the packet's own MF (it may be a fragment already).
/// Empty for anything else: DF set, not IPv4, IP options (whose copy rules are not worth
/// carrying for pods), a malformed header, a packet that fits, or an mtu below 68.
std::vector<std::vector<std::uint8_t>> fragment_ipv4(std::span<const std::uint8_t> frame,
                                                     std::uint16_t mtu);

/// The IP MTU a sleeve datagram of at most `max_datagram` bytes carries in one record.
std::uint16_t sleeve_ip_mtu(std::size_t max_datagram, std::size_t datagram_overhead);

}  // namespace weft::router
