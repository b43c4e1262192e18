// SPDX-License-Identifier: Apache-2.0
// Handshake: one connection's hello + auth exchange, ending in a Session (wire.hpp).
#pragma once

#include "weft/base/error.hpp"
#include "weft/base/peer_name.hpp"
#include "weft/base/result.hpp"
#include "weft/base/rng.hpp"
#include "weft/gossip/psk.hpp"
#include "weft/gossip/session.hpp"
#include "weft/gossip/wire.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace weft::gossip {

struct HandshakeConfig {
  PeerName name;
  std::uint64_t incarnation = 0;
  std::array<std::uint8_t, 32> static_public{};
  std::array<std::uint8_t, 32> static_secret{};
  std::optional<Psk> psk;  // set = password mode (encrypted); unset = plaintext mode
  std::uint16_t min_version = kProtocolMin;
  std::uint16_t max_version = kProtocolMax;
};

/// Why a handshake failed; the Error's code carries it (handshake_category()), and its
/// message is what `weft status connections` shows. Both sides reach the same kind.
enum class HandshakeError {
  bad_hello = 1,        // "bad handshake: <what>" (garbage, bad magic, low-order keys)
  version_mismatch,     // "protocol 1..2 vs 3..3" (this peer's range vs the remote's)
  encryption_mismatch,  // "encryption mismatch: this peer has a password, the remote has none"
  password_mismatch,    // "password mismatch"
  connection_to_self,   // "connection to self" (never worth retrying)
  bad_auth_frame,       // "bad handshake: <what>" in the auth frame
};

const boost::system::error_category& handshake_category() noexcept;
boost::system::error_code make_error_code(HandshakeError e) noexcept;
/// True for errors that Handshake::on_hello / on_auth return (all of them are).
bool is_handshake_error(const Error& e) noexcept;
/// The kind of a handshake error; bad_hello for an error from anywhere else.
HandshakeError kind_of(const Error& e) noexcept;

/// One connection's handshake. Both sides (initiator = the dialer) run:
///   Handshake h(cfg, initiator, rng);  send h.hello_payload() as a frame
///   first frame received:  auto auth = h.on_hello(payload);  send *auth as a frame
///   second frame received: auto session = h.on_auth(payload);
/// Both sides send without waiting, so the handshake takes one round trip. Each call is
/// made once, in order, and only after the previous one succeeded (a bug otherwise).
class Handshake {
 public:
  /// The ephemeral secret is 32 bytes from `rng` (deterministic in simulations). Debug
  /// builds assert that static_public is the public key of static_secret.
  Handshake(const HandshakeConfig& config, bool initiator, Rng& rng);

  [[nodiscard]] std::vector<std::uint8_t> hello_payload() const { return local_payload_; }
  /// Checks the remote Hello (version overlap, not ourselves, same encryption mode) and
  /// derives the keys; returns the auth payload to send as the second frame.
  Result<std::vector<std::uint8_t>> on_hello(std::span<const std::uint8_t> payload);
  /// Verifies the remote's auth payload and returns the session.
  Result<Session> on_auth(std::span<const std::uint8_t> payload);

  /// Valid after on_hello succeeded, and also after it failed on a check that follows
  /// decoding (version, self, encryption), so logs can name the remote.
  [[nodiscard]] const Hello& remote_hello() const noexcept { return remote_; }
  /// The highest version both ranges contain; valid after on_hello succeeded.
  [[nodiscard]] std::uint16_t negotiated_version() const noexcept { return version_; }
  [[nodiscard]] bool initiator() const noexcept { return initiator_; }

 private:
  enum class State { awaiting_hello, awaiting_auth, done, failed };
  Error fail(HandshakeError kind, std::string message);

  State state_ = State::awaiting_hello;
  bool initiator_;
  std::optional<detail::Secret<32>> psk_;
  detail::Secret<32> static_secret_;
  detail::Secret<32> ephemeral_secret_;
  Hello local_;
  std::vector<std::uint8_t> local_payload_;
  Hello remote_;
  std::uint16_t version_ = 0;
  std::array<std::uint8_t, 32> transcript_{};
  detail::Secret<64> master_;
  detail::Secret<32> key_i2r_;
  detail::Secret<32> key_r2i_;
  detail::Secret<32> remote_auth_;  // the auth payload the remote must send
};

}  // namespace weft::gossip
