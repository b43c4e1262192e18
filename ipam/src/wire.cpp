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
    out.insert(p);
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

std::vector<std::uint8_t> encode_parts(std::uint8_t kind, const Cidr& range,
                                       const std::set<PeerName>& seeds,
                                       const std::set<PeerName>& removed,
                                       const std::map<u128, Token>& tokens) {
  ByteWriter w;
  w.write_u8(kind);
  write_cidr(w, range);
  for (const auto* names : {&seeds, &removed}) {
    w.write_u32(static_cast<std::uint32_t>(names->size()));
    for (auto p : *names) w.write_u64(p.value());
  }
  w.write_u32(static_cast<std::uint32_t>(tokens.size()));
  for (const auto& [offset, t] : tokens) {
    write_u128(w, offset);
    w.write_u64(t.owner.value());
    w.write_u32(t.version);
    write_u128(w, t.free);
  }
  return w.take();
}

// A ring and a slice share one layout; the caller checks what its kind needs.
Result<RingSlice> decode_parts(std::span<const std::uint8_t> bytes, std::uint8_t kind,
                               std::string_view what) {
  ByteReader r(bytes);
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
  if (auto end = r.expect_end(what); !end) return end.error();
  return RingSlice{*range, std::move(*seeds), std::move(*removed), std::move(tokens)};
}

}  // namespace

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
  return encode_parts(kRingMessage, ring.range(), ring.seeds(), ring.removed(), ring.tokens());
}

Result<Ring> decode_ring(std::span<const std::uint8_t> bytes) {
  auto p = decode_parts(bytes, kRingMessage, "a ring message");
  if (!p) return p.error();
  return Ring::from_parts(p->range, std::move(p->tokens), std::move(p->seeds),
                          std::move(p->removed));
}

std::vector<std::uint8_t> encode_ring_slice(const RingSlice& slice) {
  return encode_parts(kRingSliceMessage, slice.range, slice.seeds, slice.removed, slice.tokens);
}

Result<RingSlice> decode_ring_slice(std::span<const std::uint8_t> bytes) {
  auto p = decode_parts(bytes, kRingSliceMessage, "a ring slice");
  if (!p) return p.error();
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
