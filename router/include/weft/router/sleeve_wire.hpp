// SPDX-License-Identifier: Apache-2.0
// Sleeve datagrams (decision 0012): what weftd sends over UDP 6783 when a peer is not on the
// fast path. One datagram carries one or more Ethernet frames ("records") to one directly
// connected peer, sealed hop by hop under that connection's sleeve key (sleeve_crypto.hpp).
//
//   header (20 bytes, the AEAD's associated data; big-endian)
//     u8  version << 4 | cipher     version 1; cipher 0 plaintext, 1 ChaCha20-Poly1305,
//                                   2 AES-256-GCM (each sender picks; the receiver follows)
//     u8  key epoch                 low 8 bits of the sender's ratchet count
//     u16 reserved (0)
//     u64 sender                    the peer that sealed this hop (selects the key)
//     u64 counter                   the nonce: unique per key, checked against a window
//   body: records, then a 16-byte tag when sealed
//     u16 frame length | u64 origin | u64 destination | u8 ttl | frame
#pragma once

#include "weft/base/peer_name.hpp"
#include "weft/base/result.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace weft::router {

enum class SleeveCipher : std::uint8_t { plaintext = 0, chacha20poly1305 = 1, aes256gcm = 2 };
std::string_view to_string(SleeveCipher cipher) noexcept;

inline constexpr std::uint8_t kSleeveVersion = 1;
inline constexpr std::size_t kSleeveHeaderBytes = 20;
inline constexpr std::size_t kSleeveTagBytes = 16;
inline constexpr std::size_t kSleeveRecordHeaderBytes = 2 + 8 + 8 + 1;
/// Hops a frame may take through relays; the mesh's unicast routes are loop-free, so this
/// only bounds the damage while two peers' routes disagree during convergence.
inline constexpr std::uint8_t kSleeveDefaultTtl = 8;
/// Records per datagram at most (a bound on the work one datagram can cause).
inline constexpr std::size_t kSleeveMaxRecords = 64;

struct SleeveHeader {
  SleeveCipher cipher = SleeveCipher::plaintext;
  std::uint8_t epoch = 0;
  PeerName sender;
  std::uint64_t counter = 0;

  friend bool operator==(const SleeveHeader&, const SleeveHeader&) = default;
};

struct SleeveRecord {
  PeerName origin;       // the peer whose pod sent the frame (for MAC learning)
  PeerName destination;  // the peer that delivers it to its bridge (relays pass it on)
  std::uint8_t ttl = kSleeveDefaultTtl;
  std::span<const std::uint8_t> frame;  // an Ethernet frame (points into a datagram)
};

/// Parses the header; a datagram shorter than the header, of another version, with an
/// unknown cipher, a non-zero reserved field, or a zero sender is refused (parse_error or
/// unsupported), saying which.
Result<SleeveHeader> decode_sleeve_header(std::span<const std::uint8_t> datagram);
/// Writes the header into the first kSleeveHeaderBytes of `out` (resized to at least that).
void write_sleeve_header(std::vector<std::uint8_t>& out, const SleeveHeader& header);

/// IPv4 20 + UDP 8 around a datagram.
inline constexpr std::uint32_t kSleeveUdpOverheadV4 = 28;
/// The overlay (pod) MTU the sleeve carries over an IPv4 underlay of `underlay` bytes with
/// one frame per datagram: IPv4+UDP, header, tag, record header and the frame's Ethernet
/// header all fit (1500 -> 1403).
inline constexpr std::uint32_t sleeve_overlay_mtu(std::uint32_t underlay) noexcept {
  constexpr std::uint32_t overhead =
      kSleeveUdpOverheadV4 + kSleeveHeaderBytes + kSleeveTagBytes + kSleeveRecordHeaderBytes + 14;
  return underlay > overhead ? underlay - overhead : 0;
}

/// The bytes one record takes in a datagram.
inline std::size_t sleeve_record_bytes(std::size_t frame_bytes) noexcept {
  return kSleeveRecordHeaderBytes + frame_bytes;
}
/// Appends one record; frames over 65535 bytes are a bug (TAP frames are bounded by
/// the device's MTU and GSO size, both below that).
void append_sleeve_record(std::vector<std::uint8_t>& out, const SleeveRecord& record);
/// Parses a whole opened body into records (spans into `body`); parse_error for a
/// truncated record, an empty frame, a zero origin, or more than kSleeveMaxRecords.
/// Nothing is appended on failure.
Result<void> decode_sleeve_records(std::span<const std::uint8_t> body,
                                   std::vector<SleeveRecord>& out);

}  // namespace weft::router
