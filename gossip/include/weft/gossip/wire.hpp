// SPDX-License-Identifier: Apache-2.0
// The mesh protocol on one page: constants, every message, and their encode/decode.
//
// A control connection is a TCP stream of frames: u32 big-endian length, then that many
// payload bytes (at most kMaxFrameBytes; a larger length ends the connection).
//
//   frame 1, both sides at once: Hello, in clear (encode_hello)
//   frame 2, both sides at once: auth, 32 bytes (Handshake::on_hello returns it)
//   then records (Session::seal / Session::open), each carrying one encoded Message
//
// Key schedule (handshake.cpp has the full version):
//   transcript = BLAKE2b-256(initiator hello payload || responder hello payload)
//   dh1 = X25519(own ephemeral secret, remote ephemeral public)   forward secrecy
//   dh2 = X25519(own static secret, remote static public)         binds the identity keys
//   master = BLAKE2b-512(key = PSK or 32 zero bytes, dh1 || dh2 || transcript)
//   k(label) = BLAKE2b-256(key = master, label): key_i2r, key_r2i, auth_i, auth_r
//   auth frame = BLAKE2b-256(key = auth_<own role>, transcript)
//
// Record (encrypted mode): u64 counter big-endian | ChaCha20-Poly1305-IETF(plaintext),
// nonce = 4 zero bytes || counter big-endian, associated data = the 8 counter bytes.
// Plaintext mode: the record is the message itself. Messages start with a type tag 1..8;
// the tag kRekeyTag (0xFF) alone is the rekey record, which decode_message never accepts.
//
// Integers are big-endian; strings and payloads carry a length prefix (u16 for strings,
// u32 for payloads); booleans are bits of a flags byte whose unused bits must be zero, so
// every message has exactly one encoding: encode_message(*decode_message(b)) == b.
#pragma once

#include "weft/base/peer_name.hpp"
#include "weft/base/result.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace weft::gossip {

constexpr std::uint32_t kMagic = 0x57454654;  // "WEFT"
constexpr std::uint16_t kProtocolMin = 1;
constexpr std::uint16_t kProtocolMax = 1;
constexpr std::size_t kMaxFrameBytes = 1u << 20;  // larger frames end the connection
constexpr std::uint32_t kFeatureEncryption = 1u << 0;
constexpr std::size_t kMaxNicknameBytes = 255;
constexpr std::size_t kMaxChannelNameBytes = 64;
constexpr std::size_t kMaxAddressBytes = 128;

/// Bytes a record adds around a message in encrypted mode (counter + AEAD tag), and so the
/// largest message Session::seal accepts in either mode.
constexpr std::size_t kRecordOverheadBytes = 8 + 16;
constexpr std::size_t kMaxMessageBytes = kMaxFrameBytes - kRecordOverheadBytes;
/// First (and only) plaintext byte of a rekey record; never a Message type tag.
constexpr std::uint8_t kRekeyTag = 0xFF;
/// Size of encode_hello's output; decode_hello ignores bytes after it (see Hello).
constexpr std::size_t kHelloBytes = 4 + 2 + 2 + 4 + 8 + 8 + 32 + 32;

/// Sent in clear by both sides first. It carries no nickname: nicknames never cross the wire
/// in clear. A later protocol version may append fields: decode_hello ignores bytes after
/// the known ones (they are still authenticated, since the transcript hashes the whole
/// payload), so an old peer can still read the version range and say "protocol 1..1 vs 2..2".
struct Hello {
  std::uint16_t min_version = kProtocolMin;
  std::uint16_t max_version = kProtocolMax;
  std::uint32_t features = 0;  // unknown bits are ignored
  PeerName name;
  std::uint64_t incarnation = 0;
  std::array<std::uint8_t, 32> static_public{};     // X25519 identity key
  std::array<std::uint8_t, 32> ephemeral_public{};  // X25519, fresh per connection
  bool operator==(const Hello&) const = default;
};

/// The payload only (no frame length prefix). Asserts a valid name and min <= max.
std::vector<std::uint8_t> encode_hello(const Hello& hello);
/// Checks the magic first ("not a weft peer (bad magic)"), then the fields; rejects a zero
/// name and an empty version range.
Result<Hello> decode_hello(std::span<const std::uint8_t> payload);

// Messages carried after the handshake, inside Session records. Every PeerName in them must
// be valid (non-zero): decode rejects zero, encode asserts it.

struct ConnectionEntry {
  PeerName peer;
  std::string address;  // at most kMaxAddressBytes
  bool outbound = false;
  bool established = false;
  bool operator==(const ConnectionEntry&) const = default;
};

struct PeerEntry {
  PeerName name;
  std::string nickname;  // at most kMaxNicknameBytes; shown to users, so escape on display
  std::uint64_t incarnation = 0;
  std::uint64_t version = 0;
  std::vector<ConnectionEntry> connections;
  bool operator==(const PeerEntry&) const = default;
};

struct Heartbeat {
  bool operator==(const Heartbeat&) const = default;
};

struct TopologyUpdate {
  std::vector<PeerEntry> entries;
  bool operator==(const TopologyUpdate&) const = default;
};

struct DigestItem {
  PeerName name;
  std::uint64_t version = 0;
  bool operator==(const DigestItem&) const = default;
};

/// The full (name, version) list.
struct TopologyDigest {
  bool reply_wanted = false;
  std::vector<DigestItem> items;
  bool operator==(const TopologyDigest&) const = default;
};

/// A cheap steady-state check: a hash of the digest (computed by the topology code) and the
/// number of items it covers.
struct DigestHash {
  std::array<std::uint8_t, 32> hash{};
  std::uint32_t count = 0;
  bool operator==(const DigestHash&) const = default;
};

struct ChannelUnicast {
  std::string channel;  // at most kMaxChannelNameBytes
  PeerName src;
  PeerName dst;
  std::vector<std::uint8_t> payload;
  bool operator==(const ChannelUnicast&) const = default;
};

struct ChannelBroadcast {
  std::string channel;
  PeerName src;
  std::vector<std::uint8_t> payload;
  bool operator==(const ChannelBroadcast&) const = default;
};

struct ChannelGossip {
  std::string channel;
  PeerName src;
  std::vector<std::uint8_t> payload;
  bool operator==(const ChannelGossip&) const = default;
};

/// Asks a neighbour for the current entries of these peers (after it announced newer
/// versions in a TopologyDigest): topology spreads by announce-then-pull.
struct TopologyRequest {
  std::vector<PeerName> names;
  bool operator==(const TopologyRequest&) const = default;
};

/// The type tag on the wire is the variant index + 1 (Heartbeat = 1 ... ChannelGossip = 7,
/// TopologyRequest = 8).
using Message = std::variant<Heartbeat, TopologyUpdate, TopologyDigest, DigestHash, ChannelUnicast,
                             ChannelBroadcast, ChannelGossip, TopologyRequest>;

/// 1-byte type tag + body. Oversize strings and zero names are programmer errors (asserted):
/// validate what users configure (nicknames) before it gets here. The result may exceed
/// kMaxMessageBytes (a huge TopologyUpdate); callers split such updates before sealing.
std::vector<std::uint8_t> encode_message(const Message& message);
/// Rejects unknown tags (including kRekeyTag), trailing bytes, oversize strings, zero names,
/// unknown flag bits and list counts larger than the remaining bytes could hold.
Result<Message> decode_message(std::span<const std::uint8_t> bytes);

/// Appends u32 big-endian length + payload. A payload above kMaxFrameBytes is a programmer
/// error (asserted): the receiver would end the connection.
void append_frame(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> payload);

}  // namespace weft::gossip
