// SPDX-License-Identifier: Apache-2.0
// Path MTU on the sleeve: a pod's IP packet that does not fit a sleeve datagram to its next
// hop (after a fallback from the fast path, whose MTU is larger, or over a path narrower than
// the pods' MTU, pmtu_probe.hpp) is handled as a router on the path would: with DF set it is
// answered with ICMP "fragmentation needed" carrying the MTU that fits, so the pod's stack
// lowers its path MTU and TCP goes on with smaller segments; without DF it is fragmented.
// IPv6 is never fragmented on the way: it is always answered, with ICMPv6 "packet too big".
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

/// IPv6's minimum link MTU (RFC 8200 section 5): every link carries IPv6 packets this big.
inline constexpr std::uint16_t kIpv6MinMtu = 1280;

/// True for an Ethernet frame carrying an IPv6 packet of at most kIpv6MinMtu bytes. The sleeve
/// is a link, so it carries such a packet over a path narrower than that too (its datagram
/// goes without DF, for the underlay to fragment); hosts ignore "packet too big" below 1280.
bool ipv6_within_minimum_mtu(std::span<const std::uint8_t> frame);

/// For an Ethernet frame carrying IPv6 (which routers never fragment): the Ethernet frame to
/// write back to its sender with ICMPv6 "packet too big" (RFC 4443 type 2) carrying `mtu`,
/// or 1280 when `mtu` is below it (no link is narrower: see ipv6_within_minimum_mtu),
/// from the packet's destination to its source, quoting as much of the packet as keeps the
/// answer within IPv6's minimum MTU of 1280. nullopt for anything else, and for what
/// RFC 4443 section 2.4 forbids answering: an ICMPv6 error (found through the extension
/// headers), a source that is unspecified or multicast; also a multicast destination (the
/// answer would need a unicast source of ours) and a header chain it cannot follow.
std::optional<std::vector<std::uint8_t>> icmp6_packet_too_big(std::span<const std::uint8_t> frame,
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
