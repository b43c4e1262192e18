// SPDX-License-Identifier: Apache-2.0
// coalesce.hpp: GRO for frames out of sleeve datagrams. The frames were authenticated as a
// peer's, but what is inside came from a pod: every offset is bounds-checked here.
#include "weft/router/coalesce.hpp"

#include "inet_checksum.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

namespace weft::router {
namespace {

using detail::be16;
using detail::be32;
using detail::checksum_fold;
using detail::checksum_sum;
using detail::put16;
using Segment = FrameCoalescer::Segment;

constexpr std::size_t kEth = 14;
constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kPsh = 0x08, kAck = 0x10;
constexpr std::size_t kMaxSegments = 64;
constexpr std::size_t kMaxIpBytes = 65535;

// A TCP segment over IPv4 without options or IPv6 without extension headers, not
// fragmented; a candidate for merging if it carries payload with flags ACK or ACK+PSH.
// Anything else (ICMP, UDP, IP options, ...) passes through unmerged.
std::optional<Segment> parse(std::span<const std::uint8_t> f) {
  if (f.size() < kEth + 40) return std::nullopt;
  const std::uint8_t* ip = f.data() + kEth;
  Segment s;
  const std::uint16_t type = be16(f.data() + 12);
  if (type == 0x0800) {
    const std::size_t total = be16(ip + 2);
    if (ip[0] != 0x45 || ip[9] != kTcp || (be16(ip + 6) & 0x3fff) != 0 || total < 40 ||
        kEth + total > f.size()) {
      return std::nullopt;
    }
    s.v4 = true;
    s.l4 = kEth + 20;
    s.end = kEth + total;
    s.ip_id = be16(ip + 4);
  } else if (type == 0x86dd) {
    const std::size_t payload = be16(ip + 4);
    if ((ip[0] >> 4) != 6 || ip[6] != kTcp || kEth + 40 + payload > f.size()) return std::nullopt;
    s.l4 = kEth + 40;
    s.end = kEth + 40 + payload;
  } else {
    return std::nullopt;
  }
  if (s.end < s.l4 + 20) return std::nullopt;
  const std::uint8_t* tcp = f.data() + s.l4;
  const std::size_t tcp_hl = static_cast<std::size_t>(tcp[12] >> 4) * 4;
  if (tcp_hl < 20 || s.l4 + tcp_hl > s.end) return std::nullopt;
  s.payload = s.l4 + tcp_hl;
  s.flags = tcp[13];
  s.seq = be32(tcp + 4);
  // Pure ACKs, SYN, FIN, RST, URG, ECN signals: passed on alone, after what came before.
  s.candidate = s.payload < s.end && (s.flags & ~kPsh) == kAck;
  return s;
}

std::uint64_t pseudo_sum(std::span<const std::uint8_t> f, const Segment& s, std::size_t tcp_len) {
  return detail::tcp_pseudo_sum(f.data() + kEth, s.v4, tcp_len);
}

// Both checksums of a segment as received are right.
bool checksums_ok(std::span<const std::uint8_t> f, const Segment& s) {
  if (s.v4 && checksum_fold(checksum_sum(f.data() + kEth, 20)) != 0) return false;
  const std::size_t tcp_len = s.end - s.l4;
  return checksum_fold(checksum_sum(f.data() + s.l4, tcp_len, pseudo_sum(f, s, tcp_len))) == 0;
}

// Same flow: Ethernet header, addresses and ports.
bool same_flow(std::span<const std::uint8_t> a, const Segment& sa, std::span<const std::uint8_t> b,
               const Segment& sb) {
  if (sa.v4 != sb.v4 || std::memcmp(a.data(), b.data(), kEth) != 0) return false;
  const std::size_t addr_at = kEth + (sa.v4 ? 12 : 8), addr_len = sa.v4 ? 8 : 32;
  return std::memcmp(a.data() + addr_at, b.data() + addr_at, addr_len) == 0 &&
         std::memcmp(a.data() + sa.l4, b.data() + sb.l4, 4) == 0;
}

// Everything tcp_gro_receive requires equal besides the flow: IP fields that are not
// length, id or checksum; TCP ack, data offset, window, urgent pointer and options.
bool headers_match(std::span<const std::uint8_t> a, const Segment& sa,
                   std::span<const std::uint8_t> b, const Segment& sb) {
  const std::uint8_t* ia = a.data() + kEth;
  const std::uint8_t* ib = b.data() + kEth;
  if (sa.v4) {
    if (ia[1] != ib[1] || ia[6] != ib[6] || ia[8] != ib[8]) return false;  // tos, DF, ttl
  } else if (std::memcmp(ia, ib, 4) != 0 || ia[7] != ib[7]) {  // class, flow label, hops
    return false;
  }
  const std::uint8_t* ta = a.data() + sa.l4;
  const std::uint8_t* tb = b.data() + sb.l4;
  const std::size_t hl = sa.payload - sa.l4;
  return sb.payload - sb.l4 == hl && std::memcmp(ta + 8, tb + 8, 5) == 0 &&  // ack, offset
         std::memcmp(ta + 14, tb + 14, 2) == 0 &&                            // window
         std::memcmp(ta + 20, tb + 20, hl - 20) == 0;                        // options
}

}  // namespace

bool FrameCoalescer::try_merge(Item& item, std::span<const std::uint8_t> frame, const Segment& s) {
  const Segment& t = item.tail;
  const std::size_t gso = item.head.payload_len();
  if (s.seq != t.seq + static_cast<std::uint32_t>(t.payload_len())) return false;
  if (s.v4 && s.ip_id != static_cast<std::uint16_t>(t.ip_id + 1)) return false;
  if (s.payload_len() > gso || item.payloads.size() + 1 >= kMaxSegments ||
      item.ip_bytes + s.payload_len() > kMaxIpBytes) {
    return false;
  }
  if (!headers_match(item.first, item.head, frame, s)) return false;
  if (!item.checked) {
    if (!checksums_ok(item.first, item.head)) return false;
    item.checked = true;
  }
  if (!checksums_ok(frame, s)) return false;
  item.payloads.push_back(frame.subspan(s.payload, s.payload_len()));
  item.ip_bytes += s.payload_len();
  item.tail = s;
  // A short segment or PSH ends a GRO packet: nothing may follow it in the same one.
  if (s.payload_len() < gso || (s.flags & kPsh) != 0) item.open = false;
  return true;
}

void FrameCoalescer::add(std::span<const std::uint8_t> frame) {
  const auto s = parse(frame);
  if (s) {
    // The newest item of this flow, if still open: only it may grow, so a flow's bytes
    // reach the TAP in the order they came.
    for (std::size_t i = used_; i-- > 0;) {
      Item& it = items_[i];
      if (!it.open || !same_flow(it.first, it.head, frame, *s)) continue;
      if (s->candidate && try_merge(it, frame, *s)) return;
      it.open = false;
      break;
    }
  }
  if (used_ == items_.size()) items_.emplace_back();
  Item& it = items_[used_++];
  it.first = frame;
  it.open = s && s->candidate && (s->flags & kPsh) == 0;
  it.checked = false;
  it.payloads.clear();
  if (s) {
    it.head = *s;
    it.tail = *s;
    it.ip_bytes = s->end - kEth;
  }
}

void FrameCoalescer::flush(const Sink& write) {
  static constexpr VnetHeader kPlain{};
  for (std::size_t i = 0; i < used_; ++i) {
    Item& it = items_[i];
    if (it.payloads.empty()) {
      parts_.assign(1, it.first);
      write(kPlain, parts_);
      continue;
    }
    const Segment& h = it.head;
    std::uint8_t* hdr = it.headers.data();
    std::copy_n(it.first.data(), h.payload, hdr);  // payload <= 14 + 40 + 60 < 128
    std::uint8_t* ip = hdr + kEth;
    const std::size_t tcp_len = it.ip_bytes - (h.l4 - kEth);
    if (h.v4) {
      put16(ip + 2, static_cast<std::uint16_t>(it.ip_bytes));
      put16(ip + 10, 0);
      put16(ip + 10, checksum_fold(checksum_sum(ip, 20)));
    } else {
      put16(ip + 4, static_cast<std::uint16_t>(tcp_len));
    }
    std::uint8_t* tcp = hdr + h.l4;
    tcp[13] = static_cast<std::uint8_t>(tcp[13] | (it.tail.flags & kPsh));
    // NEEDS_CSUM: the field holds the pseudo-header's sum, folded but not complemented, as
    // the kernel's own CHECKSUM_PARTIAL packets do.
    put16(tcp + 16,
          static_cast<std::uint16_t>(~checksum_fold(pseudo_sum({hdr, h.payload}, h, tcp_len))));
    VnetHeader v;
    v.flags = VnetHeader::kNeedsCsum;
    v.gso_type = h.v4 ? VnetHeader::kGsoTcpV4 : VnetHeader::kGsoTcpV6;
    v.hdr_len = static_cast<std::uint16_t>(h.payload);
    v.gso_size = static_cast<std::uint16_t>(h.payload_len());
    v.csum_start = static_cast<std::uint16_t>(h.l4);
    v.csum_offset = 16;
    parts_.clear();
    parts_.emplace_back(hdr, h.payload);
    parts_.push_back(it.first.subspan(h.payload, h.payload_len()));
    parts_.insert(parts_.end(), it.payloads.begin(), it.payloads.end());
    write(v, parts_);
    merged_segments_ += it.payloads.size() + 1;
    ++super_frames_;
  }
  used_ = 0;
}

}  // namespace weft::router
