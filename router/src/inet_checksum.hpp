// SPDX-License-Identifier: Apache-2.0
// The Internet checksum (RFC 1071) and big-endian 16-bit access, for the frames weftd
// builds or repairs itself (pmtu.cpp's ICMP answers, offload.cpp's segments). Private to
// the router module.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace weft::router::detail {

inline std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
inline std::uint32_t be32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(be16(p)) << 16 | be16(p + 2);
}
inline void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
/// The ones'-complement sum of 16-bit big-endian words (an odd last byte padded with
/// zero), added to `acc`; not yet folded or complemented, so sums can be chained. It adds
/// native 32-bit words eight bytes at a time and swaps the folded result once: the sum is
/// independent of byte order (RFC 1071 section 2(B)), and received super-frames are
/// checksummed whole before they are merged (coalesce.cpp), so this runs per byte received.
inline std::uint64_t checksum_sum(const std::uint8_t* p, std::size_t n, std::uint64_t acc = 0) {
  std::uint64_t s = 0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    s += (w & 0xffffffffu) + (w >> 32);  // below 2^46 for any frame: no carry is lost
  }
  for (; i + 2 <= n; i += 2) {
    std::uint16_t w;
    std::memcpy(&w, p + i, 2);
    s += w;
  }
  if (i < n) {
    const std::uint8_t pad[2] = {p[i], 0};
    std::uint16_t w;
    std::memcpy(&w, pad, 2);
    s += w;
  }
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  if constexpr (std::endian::native == std::endian::little) s = (s >> 8) | ((s & 0xff) << 8);
  return acc + s;
}
/// Folds a sum to 16 bits and complements it: the value a checksum field holds.
inline std::uint16_t checksum_fold(std::uint64_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(~acc);
}

/// The TCP pseudo-header's sum (RFC 793; RFC 8200 section 8.1 for IPv6) for the IP header
/// at `ip` and a TCP length: addresses, protocol 6 and the length.
inline std::uint64_t tcp_pseudo_sum(const std::uint8_t* ip, bool v4, std::size_t tcp_len) {
  return (v4 ? checksum_sum(ip + 12, 8) : checksum_sum(ip + 8, 32)) + 6 + (tcp_len >> 16) +
         (tcp_len & 0xffff);
}

}  // namespace weft::router::detail
