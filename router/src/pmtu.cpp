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

  std::vector<std::uint8_t> out(kEth + 20 + 8 + quote, 0);
  std::uint8_t* e = out.data();
  std::copy_n(frame.begin() + 6, 6, e);  // to the sender's MAC
  std::copy_n(frame.begin(), 6, e + 6);  // from the MAC it sent to
  put16(e + 12, 0x0800);
  std::uint8_t* r = e + kEth;
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
