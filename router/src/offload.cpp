// SPDX-License-Identifier: Apache-2.0
// offload.hpp: what a NIC does with TSO and checksum offload, done in userspace. Every read
// is bounds-checked first: the frames come from pods.
#include "weft/router/offload.hpp"

#include "weft/base/error.hpp"

#include "inet_checksum.hpp"

#include <algorithm>
#include <string>

namespace weft::router {
namespace {

constexpr std::size_t kEth = 14;
constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kFin = 0x01, kPsh = 0x08, kCwr = 0x80;

using detail::be16;
using detail::be32;
using detail::checksum_fold;
using detail::checksum_sum;
using detail::put16;

void put32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}
std::uint16_t le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}

Error bad(const std::string& what) {
  return Error(Errc::parse_error, "TAP frame from a pod: " + what + ": dropped");
}

// Completes a partial checksum: the field already holds the pseudo-header's sum.
Result<void> complete_checksum(std::span<std::uint8_t> frame, const VnetHeader& h) {
  const std::size_t at = std::size_t{h.csum_start} + h.csum_offset;
  if (h.csum_start >= frame.size() || at + 2 > frame.size()) {
    return bad("checksum offsets " + std::to_string(h.csum_start) + "+" +
               std::to_string(h.csum_offset) + " beyond its " + std::to_string(frame.size()) +
               " bytes");
  }
  std::uint16_t c =
      checksum_fold(checksum_sum(frame.data() + h.csum_start, frame.size() - h.csum_start));
  if (c == 0 && h.csum_offset == 6) c = 0xffff;  // UDP: 0 would mean "no checksum"
  put16(frame.data() + at, c);
  return ok();
}

Result<void> segment_tcp(std::span<const std::uint8_t> frame, const VnetHeader& h,
                         std::vector<std::uint8_t>& scratch,
                         std::vector<std::span<const std::uint8_t>>& out) {
  const bool v4 = (h.gso_type & ~VnetHeader::kGsoEcn) == VnetHeader::kGsoTcpV4;
  if (frame.size() < kEth + 40 || be16(frame.data() + 12) != (v4 ? 0x0800 : 0x86dd)) {
    return bad("a TCP super-frame that is not plain Ethernet + IPv" + std::string(v4 ? "4" : "6"));
  }
  const std::uint8_t* ip = frame.data() + kEth;
  const std::size_t ip_hl = v4 ? static_cast<std::size_t>(ip[0] & 0x0f) * 4 : 40;
  if ((v4 && (ip_hl < 20 || ip[9] != kTcp)) || (!v4 && ip[6] != kTcp)) {
    return bad("a TCP super-frame whose IP header does not lead to TCP");
  }
  if (frame.size() < kEth + ip_hl + 20) return bad("a TCP super-frame cut short");
  const std::uint8_t* tcp = ip + ip_hl;
  const std::size_t tcp_hl = static_cast<std::size_t>(tcp[12] >> 4) * 4;
  const std::size_t headers = kEth + ip_hl + tcp_hl;
  if (tcp_hl < 20 || frame.size() < headers) return bad("a TCP header cut short");
  const std::size_t payload = frame.size() - headers;
  const std::size_t mss = h.gso_size;
  if (mss == 0) return bad("a TCP super-frame with segment size 0");
  const std::size_t n = std::max<std::size_t>(1, (payload + mss - 1) / mss);

  scratch.clear();
  scratch.resize(n * headers + payload);  // sized once: the spans below stay valid
  const std::uint16_t id = v4 ? be16(ip + 4) : 0;
  const std::uint32_t seq = be32(tcp + 4);
  std::size_t at = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t len = std::min(mss, payload - i * mss);
    std::uint8_t* s = scratch.data() + at;
    std::copy_n(frame.data(), headers, s);
    std::copy_n(frame.data() + headers + i * mss, len, s + headers);
    std::uint8_t* sip = s + kEth;
    std::uint8_t* stcp = sip + ip_hl;
    const std::size_t tcp_len = tcp_hl + len;
    if (v4) {
      put16(sip + 2, static_cast<std::uint16_t>(ip_hl + tcp_len));
      put16(sip + 4, static_cast<std::uint16_t>(id + i));
      put16(sip + 10, 0);
      put16(sip + 10, checksum_fold(checksum_sum(sip, ip_hl)));
    } else {
      put16(sip + 4, static_cast<std::uint16_t>(tcp_len));
    }
    const std::uint64_t pseudo = detail::tcp_pseudo_sum(sip, v4, tcp_len);
    put32(stcp + 4, seq + static_cast<std::uint32_t>(i * mss));
    if (i + 1 < n) stcp[13] &= static_cast<std::uint8_t>(~(kFin | kPsh));
    if (i > 0) stcp[13] &= static_cast<std::uint8_t>(~kCwr);
    put16(stcp + 16, 0);
    put16(stcp + 16, checksum_fold(checksum_sum(stcp, tcp_len, pseudo)));
    out.emplace_back(s, headers + len);
    at += headers + len;
  }
  return ok();
}

}  // namespace

Result<VnetHeader> decode_vnet_header(std::span<const std::uint8_t> read) {
  if (read.size() < kVnetHdrBytes) return bad("shorter than its virtio-net header");
  const std::uint8_t* p = read.data();
  return VnetHeader{p[0], p[1], le16(p + 2), le16(p + 4), le16(p + 6), le16(p + 8)};
}

std::array<std::uint8_t, kVnetHdrBytes> encode_vnet_header(const VnetHeader& h) {
  std::array<std::uint8_t, kVnetHdrBytes> b{h.flags, h.gso_type};
  for (std::size_t i = 0; i < 4; ++i) {
    const std::uint16_t v = std::array{h.hdr_len, h.gso_size, h.csum_start, h.csum_offset}[i];
    b[2 + 2 * i] = static_cast<std::uint8_t>(v);
    b[3 + 2 * i] = static_cast<std::uint8_t>(v >> 8);
  }
  return b;
}

Result<void> finish_offloads(std::span<std::uint8_t> read, std::vector<std::uint8_t>& scratch,
                             std::vector<std::span<const std::uint8_t>>& out) {
  auto h = decode_vnet_header(read);
  if (!h) return h.error();
  const std::span<std::uint8_t> frame = read.subspan(kVnetHdrBytes);
  if (frame.size() < kEth) return bad("shorter than an Ethernet header");
  switch (h->gso_type & ~VnetHeader::kGsoEcn) {
    case VnetHeader::kGsoNone:
      if ((h->flags & VnetHeader::kNeedsCsum) != 0) {
        if (auto c = complete_checksum(frame, *h); !c) return c.error();
      }
      out.emplace_back(frame.data(), frame.size());
      return ok();
    case VnetHeader::kGsoTcpV4:
    case VnetHeader::kGsoTcpV6:
      // Each segment's checksum is computed whole, so NEEDS_CSUM is done with too.
      return segment_tcp(frame, *h, scratch, out);
    default:
      return Error(Errc::unsupported, "TAP frame with GSO type " + std::to_string(h->gso_type) +
                                          " (weft-tap offers TCP segmentation only): dropped");
  }
}

}  // namespace weft::router
