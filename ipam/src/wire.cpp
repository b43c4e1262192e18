// SPDX-License-Identifier: Apache-2.0
#include "weft/ipam/wire.hpp"

#include "weft/base/bytes.hpp"

namespace weft::ipam {

namespace {

constexpr std::size_t kTokenBytes = 16 + 8 + 4 + 16;

void write_u128(ByteWriter& w, u128 v) {
  w.write_u64(static_cast<std::uint64_t>(v >> 64));
  w.write_u64(static_cast<std::uint64_t>(v));
}

Result<u128> read_u128(ByteReader& r, std::string_view what) {
  auto hi = r.read_u64(what);
  if (!hi) return hi.error();
  auto lo = r.read_u64(what);
  if (!lo) return lo.error();
  return (static_cast<u128>(*hi) << 64) | *lo;
}

// A count of fixed-size items that the remaining bytes can actually hold, so a forged
// count cannot make the decoder reserve gigabytes.
Result<std::uint32_t> read_count(ByteReader& r, std::size_t item_bytes, std::string_view what) {
  auto n = r.read_u32(what);
  if (!n) return n.error();
  if (static_cast<std::uint64_t>(*n) * item_bytes > r.remaining()) {
    return Error(Errc::parse_error,
                 std::string(what) + " of " + std::to_string(*n) + " items exceeds the message");
  }
  return *n;
}

Result<std::set<PeerName>> read_names(ByteReader& r, std::string_view what) {
  auto n = read_count(r, 8, what);
  if (!n) return n.error();
  std::set<PeerName> out;
  PeerName prev;
  for (std::uint32_t i = 0; i < *n; ++i) {
    auto v = r.read_u64(what);
    if (!v) return v.error();
    const PeerName p(*v);
    if (i > 0 && !(prev < p)) {
      return Error(Errc::parse_error, std::string(what) + " not strictly increasing");
    }
    out.emplace_hint(out.end(), p);  // in order: no search
    prev = p;
  }
  return out;
}

Result<void> expect_kind(ByteReader& r, std::uint8_t want, std::string_view what) {
  auto kind = r.read_u8("message kind");
  if (!kind) return kind.error();
  if (*kind != want) {
    return Error(Errc::parse_error,
                 "not " + std::string(what) + " (kind " + std::to_string(*kind) + ")");
  }
  return ok();
}

void write_cidr(ByteWriter& w, const Cidr& c) {
  w.write_u8(static_cast<std::uint8_t>(c.family()));
  w.write_bytes(c.first().bytes());
  w.write_u8(static_cast<std::uint8_t>(c.prefix_length()));
}

Result<Cidr> read_cidr(ByteReader& r) {
  auto family = r.read_u8("range family");
  if (!family) return family.error();
  if (*family != 4 && *family != 6) {
    return Error(Errc::parse_error, "range family " + std::to_string(*family) + " is not 4 or 6");
  }
  auto addr_bytes = r.read_bytes(*family == 4 ? 4 : 16, "range address");
  if (!addr_bytes) return addr_bytes.error();
  auto address = IpAddress::from_bytes(*addr_bytes);
  if (!address) return address.error();
  auto prefix = r.read_u8("range prefix length");
  if (!prefix) return prefix.error();
  auto range = Cidr::make(*address, *prefix);  // refuses host bits and bad lengths
  if (!range) return Error(Errc::parse_error, "bad range: " + range.error().message());
  return *range;
}

void write_names(ByteWriter& w, const std::set<PeerName>& names) {
  w.write_u32(static_cast<std::uint32_t>(names.size()));
  for (auto p : names) w.write_u64(p.value());
}

void write_parts(ByteWriter& w, std::uint8_t kind, const Cidr& range,
                 const std::set<PeerName>& seeds, const std::set<PeerName>& removed,
                 const std::map<u128, Token>& tokens) {
  w.write_u8(kind);
  write_cidr(w, range);
  write_names(w, seeds);
  write_names(w, removed);
  w.write_u32(static_cast<std::uint32_t>(tokens.size()));
  for (const auto& [offset, t] : tokens) {
    write_u128(w, offset);
    w.write_u64(t.owner.value());
    w.write_u32(t.version);
    write_u128(w, t.free);
  }
}

// A ring and a slice share one layout up to the tokens; the caller checks what its kind
// needs and reads what follows.
Result<RingSlice> read_parts(ByteReader& r, std::uint8_t kind, std::string_view what) {
  if (auto k = expect_kind(r, kind, what); !k) return k.error();
  auto range = read_cidr(r);
  if (!range) return range.error();
  auto seeds = read_names(r, "seeds");
  if (!seeds) return seeds.error();
  auto removed = read_names(r, "removed peers");
  if (!removed) return removed.error();
  auto n = read_count(r, kTokenBytes, "tokens");
  if (!n) return n.error();
  std::map<u128, Token> tokens;
  for (std::uint32_t i = 0; i < *n; ++i) {
    auto offset = read_u128(r, "token offset");
    if (!offset) return offset.error();
    if (!tokens.empty() && !(std::prev(tokens.end())->first < *offset)) {
      return Error(Errc::parse_error, "token offsets not strictly increasing");
    }
    auto owner = r.read_u64("token owner");
    if (!owner) return owner.error();
    auto version = r.read_u32("token version");
    if (!version) return version.error();
    auto free = read_u128(r, "token free count");
    if (!free) return free.error();
    tokens.emplace_hint(tokens.end(), *offset, Token{PeerName(*owner), *version, *free});
  }
  return RingSlice{*range, std::move(*seeds), std::move(*removed), std::move(tokens)};
}

Result<Membership> read_membership(ByteReader& r) {
  Membership m;
  auto n_members = read_count(r, 8, "members");
  if (!n_members) return n_members.error();
  m.members.reserve(*n_members);
  for (std::uint32_t i = 0; i < *n_members; ++i) {
    auto v = r.read_u64("member");
    if (!v) return v.error();
    if (!m.members.empty() && !(m.members.back() < PeerName(*v))) {
      return Error(Errc::parse_error, "members not strictly increasing");
    }
    m.members.emplace_back(*v);
  }
  auto n = read_count(r, 8 + 4, "removal acks");
  if (!n) return n.error();
  for (std::uint32_t i = 0; i < *n; ++i) {
    auto gone = r.read_u64("acknowledged removal");
    if (!gone) return gone.error();
    if (!m.acks.empty() && !(std::prev(m.acks.end())->first < PeerName(*gone))) {
      return Error(Errc::parse_error, "removal acks not strictly increasing");
    }
    auto by = read_names(r, "acknowledgers");
    if (!by) return by.error();
    m.acks.emplace_hint(m.acks.end(), PeerName(*gone), std::move(*by));
  }
  auto settled = read_names(r, "settled removals");
  if (!settled) return settled.error();
  m.settled = std::move(*settled);
  return m;
}

}  // namespace

std::vector<std::uint8_t> encode_join(PeerName peer) {
  ByteWriter w;
  w.write_u8(kJoinMessage);
  w.write_u64(peer.value());
  return w.take();
}

Result<PeerName> decode_join(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  if (auto k = expect_kind(r, kJoinMessage, "a join"); !k) return k.error();
  auto v = r.read_u64("joining peer");
  if (!v) return v.error();
  if (auto end = r.expect_end("a join"); !end) return end.error();
  if (!PeerName(*v).is_valid()) return Error(Errc::parse_error, "a join of peer 0");
  return PeerName(*v);
}

std::vector<std::uint8_t> encode_space_request(const Cidr& subnet) {
  ByteWriter w;
  w.write_u8(kSpaceRequestMessage);
  write_cidr(w, subnet);
  return w.take();
}

Result<Cidr> decode_space_request(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  if (auto k = expect_kind(r, kSpaceRequestMessage, "a space request"); !k) return k.error();
  auto subnet = read_cidr(r);
  if (!subnet) return subnet.error();
  if (auto end = r.expect_end("space request"); !end) return end.error();
  return *subnet;
}

std::vector<std::uint8_t> encode_ring(const Ring& ring) {
  ByteWriter w;
  const Membership& m = ring.membership();
  std::size_t acks = 0;
  for (const auto& [gone, by] : m.acks) acks += 12 + 8 * by.size();
  w.reserve(
      1 + 18 + 4 * 6 + kTokenBytes * ring.tokens().size() +
      8 * (ring.seeds().size() + ring.removed().size() + m.members.size() + m.settled.size()) +
      acks);
  write_parts(w, kRingMessage, ring.range(), ring.seeds(), ring.removed(), ring.tokens());
  w.write_u32(static_cast<std::uint32_t>(m.members.size()));
  for (auto p : m.members) w.write_u64(p.value());
  w.write_u32(static_cast<std::uint32_t>(m.acks.size()));
  for (const auto& [gone, by] : m.acks) {
    w.write_u64(gone.value());
    write_names(w, by);
  }
  write_names(w, m.settled);
  return w.take();
}

Result<Ring> decode_ring(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  auto p = read_parts(r, kRingMessage, "a ring message");
  if (!p) return p.error();
  auto m = read_membership(r);
  if (!m) return m.error();
  if (auto end = r.expect_end("a ring message"); !end) return end.error();
  return Ring::from_parts(p->range, std::move(p->tokens), std::move(p->seeds),
                          std::move(p->removed), std::move(*m));
}

std::vector<std::uint8_t> encode_ring_slice(const RingSlice& slice) {
  ByteWriter w;
  write_parts(w, kRingSliceMessage, slice.range, slice.seeds, slice.removed, slice.tokens);
  return w.take();
}

Result<RingSlice> decode_ring_slice(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  auto p = read_parts(r, kRingSliceMessage, "a ring slice");
  if (!p) return p.error();
  if (auto end = r.expect_end("a ring slice"); !end) return end.error();
  for (auto names : {&p->seeds, &p->removed}) {
    if (names->count(PeerName()) > 0) return Error(Errc::parse_error, "ring slice names peer 0");
  }
  for (const auto& [offset, t] : p->tokens) {
    if (offset >= p->range.size() || t.version == 0 || !t.owner.is_valid() ||
        t.free > p->range.size()) {
      return Error(Errc::parse_error,
                   "ring slice has a token outside the range, of version 0, "
                   "without owner or with more free than the range");
    }
  }
  return std::move(*p);
}

}  // namespace weft::ipam
