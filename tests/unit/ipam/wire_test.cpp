// SPDX-License-Identifier: Apache-2.0
// The ring codec: round trips of rings from random histories, a known answer from an
// independent encoder (Python, below), and rejection of truncated, reordered, oversized and
// invalid input without throwing.
//
// import struct, ipaddress
// def enc(cidr, seeds, removed, tokens, members, acks, settled):
//     n = ipaddress.ip_network(cidr)
//     b = bytes([1, n.version]) + n.network_address.packed + bytes([n.prefixlen])
//     for names in (seeds, removed):
//         b += struct.pack('>I', len(names)) + b''.join(struct.pack('>Q', x) for x in
//         sorted(names))
//     b += struct.pack('>I', len(tokens))
//     for off, owner, ver, free in tokens:
//         b += struct.pack('>QQQIQQ', off >> 64, off % 2**64, owner, ver, free >> 64, free % 2**64)
//     b += names(members) + struct.pack('>I', len(acks))
//     for gone in sorted(acks):
//         b += struct.pack('>Q', gone) + names(acks[gone])
//     return b + names(settled)
// def names(ns):
//     return struct.pack('>I', len(ns)) + b''.join(struct.pack('>Q', x) for x in sorted(ns))
// enc('10.32.0.0/24', [0x1111, 0x2222], [0x2222, 0x4444],
//     [(0, 0x1111, 3, 100), (128, 0x2222, 1, 72), (200, 0x3333, 2, 0)],
//     [0x1111, 0x3333], {0x4444: [0x1111]}, [0x2222]).hex()
#include "weft/ipam/wire.hpp"

#include "weft/base/rng.hpp"
#include "weft/testing/hex.hpp"

#include <catch2/catch.hpp>

using namespace weft;
using namespace weft::ipam;

namespace {

using weft::testing::unhex;

const char* kKat =
    "01040a2000001800000002000000000000111100000000000022220000000200000000000022220000000000004444"
    "0000000300000000000000000000000000000000000000000000111100000003000000000000000000000000000000"
    "6400000000000000000000000000000080000000000000222200000001000000000000000000000000000000480000"
    "00000000000000000000000000c8000000000000333300000002000000000000000000000000000000000000000200"
    "0000000000111100000000000033330000000100000000000044440000000100000000000011110000000100000000"
    "00002222";
// The membership block at the end of kKat: members 4 + 2 x 8, acks 4 + 8 + 4 + 8, settled 4 + 8.
constexpr std::size_t kKatMembershipBytes = 56;

}  // namespace

TEST_CASE("ring codec: known answer from an independent encoder", "[ipam][wire]") {
  const auto bytes = unhex(kKat);
  auto ring = decode_ring(bytes);
  REQUIRE(ring);
  CHECK(ring->range().to_string() == "10.32.0.0/24");
  CHECK(ring->seeds() == std::set<PeerName>{PeerName(0x1111), PeerName(0x2222)});
  CHECK(ring->is_removed(PeerName(0x2222)));
  REQUIRE(ring->tokens().size() == 3);
  CHECK(ring->tokens().at(128) == Token{PeerName(0x2222), 1, 72});
  CHECK(ring->owner_of(150) == PeerName(0x1111));  // heir of the removed (settled) peer
  CHECK(ring->membership().members == std::vector<PeerName>{PeerName(0x1111), PeerName(0x3333)});
  CHECK(ring->membership().acks.at(PeerName(0x4444)) == std::set<PeerName>{PeerName(0x1111)});
  CHECK(ring->awaiting(PeerName(0x4444)) == std::vector<PeerName>{PeerName(0x3333)});
  CHECK(encode_ring(*ring) == bytes);
}

TEST_CASE("ring codec: random rings round trip", "[ipam][wire]") {
  Xoshiro256Rng rng(11);
  for (const char* range : {"10.32.0.0/16", "fd00::/96"}) {
    Ring ring(*Cidr::parse(range));
    REQUIRE(ring.seed({PeerName(1), PeerName(2), PeerName(3)}));
    for (int i = 0; i < 50; ++i) {
      if (i == 10) ring.join(PeerName(1 + rng.uniform(3)));
      if (i == 25) ring.remove_peer(PeerName(4));
      if (i == 30) ring.acknowledge(PeerName(2), PeerName(4));
      if (i == 40) {
        ring.acknowledge(PeerName(1), PeerName(4));
        ring.acknowledge(PeerName(3), PeerName(4));
        CHECK(ring.settle());
      }
      const PeerName self(1 + rng.uniform(3));
      const auto spans = ring.spans_of(self);
      if (spans.empty()) continue;
      const Span s = spans[rng.uniform(spans.size())];
      const u128 a =
          s.start + rng.uniform(static_cast<std::uint64_t>(std::min<u128>(s.size(), 1000)));
      (void)ring.grant(self, {a, a + 1}, PeerName(1 + rng.uniform(4)));
      auto back = decode_ring(encode_ring(ring));
      REQUIRE(back);
      CHECK(*back == ring);
    }
  }
}

TEST_CASE("ring codec: bad input is an error value", "[ipam][wire]") {
  const auto good = unhex(kKat);
  for (std::size_t cut = 0; cut < good.size(); ++cut) {  // every truncation
    auto r = decode_ring(std::span(good.data(), cut));
    REQUIRE_FALSE(r);
  }
  auto trailing = good;
  trailing.push_back(0);
  CHECK_FALSE(decode_ring(trailing));
  auto huge = good;  // seed count of 2^32-1 with a few bytes behind it
  huge[7] = huge[8] = huge[9] = huge[10] = 0xff;
  auto r = decode_ring(huge);
  REQUIRE_FALSE(r);
  CHECK(r.error().message().find("exceeds the message") != std::string::npos);
  auto host_bits = good;  // 10.32.0.1/24
  host_bits[5] = 1;
  CHECK_FALSE(decode_ring(host_bits));
  auto swapped = good;  // seeds out of order
  std::swap_ranges(swapped.begin() + 11, swapped.begin() + 19, swapped.begin() + 19);
  CHECK_FALSE(decode_ring(swapped));
  auto too_free = good;  // free 72 -> 73 on a 72-address token
  too_free[too_free.size() - kKatMembershipBytes - 44 - 1] = 73;
  auto tf = decode_ring(too_free);
  REQUIRE_FALSE(tf);
  CHECK(tf.error().message().find("invariant") != std::string::npos);
  auto ack_of_present = good;  // the ack names 0x4444, removed; 0x3333 is not
  ack_of_present[ack_of_present.size() - 12 - 8 - 4 - 2] = 0x33;
  ack_of_present[ack_of_present.size() - 12 - 8 - 4 - 1] = 0x33;
  auto ap = decode_ring(ack_of_present);
  REQUIRE_FALSE(ap);
  CHECK(ap.error().message().find("not removed") != std::string::npos);
}

TEST_CASE("ring slice codec: the ring layout under kind 4, round trips, bad input",
          "[ipam][wire]") {
  auto bytes = unhex(kKat);
  bytes[0] = kRingSliceMessage;
  bytes.resize(bytes.size() - kKatMembershipBytes);  // slices carry no membership
  auto slice = decode_ring_slice(bytes);
  REQUIRE(slice);
  CHECK(slice->tokens.size() == 3);
  CHECK(encode_ring_slice(*slice) == bytes);
  CHECK_FALSE(decode_ring(bytes));  // kinds are not interchangeable
  CHECK_FALSE(decode_ring_slice(unhex(kKat)));
  auto with_membership = unhex(kKat);
  with_membership[0] = kRingSliceMessage;
  CHECK_FALSE(decode_ring_slice(with_membership));
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    REQUIRE_FALSE(decode_ring_slice(std::span(bytes.data(), cut)));
  }
  // A slice need not start at token 0 and may hold no token (an rmpeer of a peer with none).
  slice->tokens.erase(0);
  auto back = decode_ring_slice(encode_ring_slice(*slice));
  REQUIRE(back);
  CHECK(*back == *slice);
  slice->tokens.clear();
  CHECK(decode_ring_slice(encode_ring_slice(*slice)));
  // Tokens outside the range, of version 0, without owner, or freer than the range.
  for (auto bad : {Token{PeerName(1), 1, 0}, Token{PeerName(1), 0, 0}, Token{PeerName(), 1, 0},
                   Token{PeerName(1), 1, 257}}) {
    RingSlice s = *back;
    s.tokens[bad.version == 1 && bad.free == 0 && bad.owner.is_valid() ? 256 : 10] = bad;
    auto r = decode_ring_slice(encode_ring_slice(s));
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("ring slice") != std::string::npos);
  }
}
