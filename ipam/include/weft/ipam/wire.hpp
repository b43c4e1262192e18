// SPDX-License-Identifier: Apache-2.0
// The ipam channel's messages on one page. Big-endian; every message has exactly one
// encoding (encode(decode(b)) == b); decoders take untrusted bytes and never throw.
//
//   ring   := u8 kind=1, range, u32 n, n x u64 seed, u32 n, n x u64 removed,
//             u32 n, n x token, membership           (names and offsets strictly increasing)
//   membership := u32 n, n x u64 member, u32 n, n x (u64 removed peer, u32 m, m x u64
//             acknowledger), u32 n, n x u64 settled removal      (ring.hpp: Membership)
//   range  := u8 family (4|6), 4|16 address bytes, u8 prefix length (a canonical CIDR)
//   token  := u128 offset, u64 owner, u32 version, u128 free      (u128 = two u64, high first)
//   space request := u8 kind=2, range (the subnet the asker needs space in)
//   ring slice := u8 kind=4, then as ring up to its tokens (a delta: tokens need not start
//                 at 0; sent after a peer's own change; no membership, which whole rings carry)
//   join   := u8 kind=5, u64 peer        (the peer now holds the ring: Ring::join)
// (kind 3 is the consensus message, consensus.hpp.)
#pragma once

#include "weft/base/result.hpp"
#include "weft/ipam/ring.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace weft::ipam {

inline constexpr std::uint8_t kRingMessage = 1;
inline constexpr std::uint8_t kSpaceRequestMessage = 2;
inline constexpr std::uint8_t kRingSliceMessage = 4;
inline constexpr std::uint8_t kJoinMessage = 5;

std::vector<std::uint8_t> encode_ring(const Ring& ring);
/// parse_error (saying what) for anything but a canonical encoding of a valid ring.
Result<Ring> decode_ring(std::span<const std::uint8_t> bytes);

std::vector<std::uint8_t> encode_ring_slice(const RingSlice& slice);
/// parse_error for anything but a canonical encoding of tokens inside the range with valid
/// owners, versions >= 1 and free counts no larger than the range.
Result<RingSlice> decode_ring_slice(std::span<const std::uint8_t> bytes);

std::vector<std::uint8_t> encode_join(PeerName peer);
/// parse_error for anything but a join of a valid (non-zero) peer name.
Result<PeerName> decode_join(std::span<const std::uint8_t> bytes);

std::vector<std::uint8_t> encode_space_request(const Cidr& subnet);
Result<Cidr> decode_space_request(std::span<const std::uint8_t> bytes);

}  // namespace weft::ipam
