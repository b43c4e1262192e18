// SPDX-License-Identifier: Apache-2.0
// ICMP "fragmentation needed" for the sleeve (pmtu.hpp). Bounds are checked before every read:
// the frame comes from a pod.
#include "weft/router/pmtu.hpp"

#include "weft/router/sleeve_wire.hpp"

#include "inet_checksum.hpp"

#include <algorithm>

namespace weft::router {
namespace {

constexpr std::size_t kEth = 14;
constexpr std::size_t kQuoteMax = 548;  // 576 - IPv4 20 - ICMP 8: what RFC 1812 allows

using detail::be16;
using detail::put16;

std::uint16_t checksum(const std::uint8_t* p, std::size_t n) {
  return detail::checksum_fold(detail::checksum_sum(p, n));
}

/// A zeroed frame of `ip_bytes` of IP back to the sender of `frame`: MACs swapped.
std::vector<std::uint8_t> answer_to(std::span<const std::uint8_t> frame, std::uint16_t ethertype,
                                    std::size_t ip_bytes) {
  std::vector<std::uint8_t> out(kEth + ip_bytes, 0);
  std::copy_n(frame.begin() + 6, 6, out.begin());  // to the sender's MAC
  std::copy_n(frame.begin(), 6, out.begin() + 6);  // from the MAC it sent to
  put16(out.data() + 12, ethertype);
  return out;
}

bool is_icmp_error(std::uint8_t type) {
  return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

}  // namespace

std::optional<std::vector<std::uint8_t>> icmp_frag_needed(std::span<const std::uint8_t> frame,
                                                          std::uint16_t mtu) {
  if (frame.size() < kEth + 20 || be16(frame.data() + 12) != 0x0800) return std::nullopt;
  const std::uint8_t* ip = frame.data() + kEth;
  const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
  if ((ip[0] >> 4) != 4 || ihl < 20 || frame.size() < kEth + ihl) return std::nullopt;
  const std::uint16_t frag = be16(ip + 6);
  const bool df = (frag & 0x4000) != 0;
  if (!df || (frag & 0x1fff) != 0) return std::nullopt;
  if (ip[9] == 1) {  // never answer an ICMP error with another
    if (frame.size() < kEth + ihl + 1 || is_icmp_error(ip[ihl])) return std::nullopt;
  }
  const std::size_t ip_len = std::min<std::size_t>(be16(ip + 2), frame.size() - kEth);
  if (ip_len < ihl) return std::nullopt;
  const std::size_t quote = std::min(ip_len, kQuoteMax);

  auto out = answer_to(frame, 0x0800, 20 + 8 + quote);
  std::uint8_t* r = out.data() + kEth;
  r[0] = 0x45;
  r[1] = 0xc0;  // internetwork control, as routers send ICMP errors
  put16(r + 2, static_cast<std::uint16_t>(20 + 8 + quote));
  r[8] = 64;
  r[9] = 1;
  std::copy_n(ip + 16, 4, r + 12);  // from the packet's destination: the path's answer
  std::copy_n(ip + 12, 4, r + 16);  // to its source
  put16(r + 10, checksum(r, 20));
  std::uint8_t* icmp = r + 20;
  icmp[0] = 3;
  icmp[1] = 4;
  put16(icmp + 6, mtu);
  std::copy_n(ip, quote, icmp + 8);
  put16(icmp + 2, checksum(icmp, 8 + quote));
  return out;
}

namespace {

constexpr std::size_t kIp6 = 40;
constexpr std::size_t kIp6MinMtu = kIpv6MinMtu;

/// The upper-layer protocol of an IPv6 packet and where it starts, past the extension
/// headers RFC 8200 defines; nullopt when the chain runs past the packet or is too long.
struct Upper {
  std::uint8_t protocol;
  std::size_t offset;  // from the IPv6 header's start
};
std::optional<Upper> upper_layer(const std::uint8_t* ip, std::size_t len) {
  std::uint8_t next = ip[6];
  std::size_t at = kIp6;
  for (int hops = 0; hops < 8; ++hops) {
    switch (next) {
      case 0:     // hop-by-hop options
      case 43:    // routing
      case 60:    // destination options
      case 44: {  // fragment: fixed 8 bytes; only the first fragment holds the upper header
        if (at + 8 > len) return std::nullopt;
        const std::size_t size = next == 44 ? 8 : (static_cast<std::size_t>(ip[at + 1]) + 1) * 8;
        if (next == 44 && (be16(ip + at + 2) & 0xfff8) != 0) return Upper{44, at};
        next = ip[at];
        at += size;
        break;
      }
      default:
        if (at > len) return std::nullopt;
        return Upper{next, at};
    }
  }
  return std::nullopt;
}

}  // namespace

bool ipv6_within_minimum_mtu(std::span<const std::uint8_t> frame) {
  return frame.size() >= kEth + kIp6 && be16(frame.data() + 12) == 0x86dd &&
         (frame[kEth] >> 4) == 6 && frame.size() - kEth <= kIp6MinMtu;
}

std::optional<std::vector<std::uint8_t>> icmp6_packet_too_big(std::span<const std::uint8_t> frame,
                                                              std::uint16_t mtu) {
  mtu = std::max<std::uint16_t>(mtu, kIpv6MinMtu);
  if (frame.size() < kEth + kIp6 || be16(frame.data() + 12) != 0x86dd) return std::nullopt;
  const std::uint8_t* ip = frame.data() + kEth;
  if ((ip[0] >> 4) != 6) return std::nullopt;
  const std::uint8_t* src = ip + 8;
  const std::uint8_t* dst = ip + 24;
  if (src[0] == 0xff || dst[0] == 0xff) return std::nullopt;  // multicast
  if (std::all_of(src, src + 16, [](std::uint8_t b) { return b == 0; })) return std::nullopt;
  const std::size_t ip_len = std::min<std::size_t>(kIp6 + be16(ip + 4), frame.size() - kEth);
  const auto upper = upper_layer(ip, ip_len);
  if (!upper) return std::nullopt;
  if (upper->protocol == 58) {  // ICMPv6: errors are types 0-127
    if (upper->offset + 1 > ip_len || ip[upper->offset] < 128) return std::nullopt;
  }
  const std::size_t quote = std::min(ip_len, kIp6MinMtu - kIp6 - 8);

  auto out = answer_to(frame, 0x86dd, kIp6 + 8 + quote);
  std::uint8_t* r = out.data() + kEth;
  r[0] = 0x60;
  put16(r + 4, static_cast<std::uint16_t>(8 + quote));
  r[6] = 58;
  r[7] = 64;
  std::copy_n(dst, 16, r + 8);   // from the packet's destination: the path's answer
  std::copy_n(src, 16, r + 24);  // to its source
  std::uint8_t* icmp = r + kIp6;
  icmp[0] = 2;
  icmp[1] = 0;
  put16(icmp + 6, mtu);  // a 32-bit field; an MTU fits its low half
  std::copy_n(ip, quote, icmp + 8);
  // RFC 4443 section 2.3: the sum covers the pseudo-header (addresses, length, protocol 58).
  const std::size_t icmp_len = 8 + quote;
  const std::uint64_t pseudo =
      detail::checksum_sum(r + 8, 32) + (icmp_len >> 16) + (icmp_len & 0xffff) + 58;
  put16(icmp + 2, detail::checksum_fold(detail::checksum_sum(icmp, icmp_len, pseudo)));
  return out;
}

std::vector<std::vector<std::uint8_t>> fragment_ipv4(std::span<const std::uint8_t> frame,
                                                     std::uint16_t mtu) {
  std::vector<std::vector<std::uint8_t>> out;
  if (mtu < 68 || frame.size() < kEth + 20 || be16(frame.data() + 12) != 0x0800) return out;
  const std::uint8_t* ip = frame.data() + kEth;
  if (ip[0] != 0x45) return out;  // IPv4 without options
  const std::size_t total = be16(ip + 2);
  if (total < 20 || total > frame.size() - kEth || total <= mtu) return out;
  const std::uint16_t frag = be16(ip + 6);
  if ((frag & 0x4000) != 0) return out;  // DF: the caller answers with ICMP instead
  const std::size_t first_offset = static_cast<std::size_t>(frag & 0x1fff) * 8;
  const bool more_after = (frag & 0x2000) != 0;
  const std::size_t payload = total - 20;
  const std::size_t chunk = (static_cast<std::size_t>(mtu) - 20) & ~std::size_t{7};
  for (std::size_t at = 0; at < payload; at += chunk) {
    const std::size_t n = std::min(chunk, payload - at);
    const bool last = at + n == payload;
    std::vector<std::uint8_t> f(kEth + 20 + n);
    std::copy_n(frame.begin(), kEth + 20, f.begin());
    std::copy_n(ip + 20 + at, n, f.begin() + kEth + 20);
    std::uint8_t* r = f.data() + kEth;
    put16(r + 2, static_cast<std::uint16_t>(20 + n));
    const auto offset = static_cast<std::uint16_t>((first_offset + at) / 8);
    put16(r + 6, static_cast<std::uint16_t>(offset | (!last || more_after ? 0x2000 : 0)));
    put16(r + 10, 0);
    put16(r + 10, checksum(r, 20));
    out.push_back(std::move(f));
  }
  return out;
}

std::uint16_t sleeve_ip_mtu(std::size_t max_datagram, std::size_t datagram_overhead) {
  const std::size_t around = datagram_overhead + kSleeveRecordHeaderBytes + kEth;
  return static_cast<std::uint16_t>(max_datagram > around + 68 ? max_datagram - around : 68);
}

}  // namespace weft::router
