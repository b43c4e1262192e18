// SPDX-License-Identifier: Apache-2.0
// Handshake: hello checks, the key schedule and mutual authentication by the PSK.
//
// Key schedule (both sides compute the same values):
//   transcript = BLAKE2b-256(initiator hello payload || responder hello payload)
//                (the raw payloads, so every byte of both hellos is authenticated)
//   dh1 = X25519(own ephemeral secret, remote ephemeral public)  fresh per connection:
//         forward secrecy, and a passive observer cannot test password guesses
//   dh2 = X25519(own static secret, remote static public)  binds the connection to both
//         identity keys: a peer cannot present a static key it does not hold
//   an all-zero dh1 or dh2 (a low-order remote point) is "bad handshake"
//   master = BLAKE2b-512(key = PSK, or 32 zero bytes in plaintext mode,
//                        dh1 || dh2 || transcript)
//   k(label) = BLAKE2b-256(key = master, label) for
//     "weft-key-i2r", "weft-key-r2i"   AEAD keys, initiator->responder and back
//     "weft-auth-i", "weft-auth-r"     MAC keys of the two auth frames
//   auth frame of role x = BLAKE2b-256(key = auth_x, transcript), 32 bytes
//   Session::export_key(label) = BLAKE2b-256(key = master, "weft-export:" || label)
// A remote auth frame that does not verify means a different PSK ("password mismatch");
// in plaintext mode the PSK is fixed, so it can only mean a broken or tampered stream.
#include "weft/gossip/handshake.hpp"

#include "weft/base/assert.hpp"

#include "crypto_util.hpp"

#include <sodium.h>

#include <algorithm>
#include <string>
#include <utility>

namespace weft::gossip {
namespace {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"  // see base/src/error.cpp
class HandshakeCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "weft.handshake"; }
  std::string message(int ev) const override {
    switch (static_cast<HandshakeError>(ev)) {
      case HandshakeError::bad_hello: return "bad hello";
      case HandshakeError::version_mismatch: return "protocol version mismatch";
      case HandshakeError::encryption_mismatch: return "encryption mismatch";
      case HandshakeError::password_mismatch: return "password mismatch";
      case HandshakeError::connection_to_self: return "connection to self";
      case HandshakeError::bad_auth_frame: return "bad auth frame";
    }
    return "unknown handshake error";
  }
};
#pragma GCC diagnostic pop

std::string range(std::uint16_t lo, std::uint16_t hi) {
  return std::to_string(lo) + ".." + std::to_string(hi);
}

detail::Key32 derive(const detail::Key64& master, std::string_view label) {
  detail::Key32 out{};
  detail::blake2b(out, master, {detail::as_bytes(label)});
  return out;
}

}  // namespace

const boost::system::error_category& handshake_category() noexcept {
  static const HandshakeCategory category;
  return category;
}

boost::system::error_code make_error_code(HandshakeError e) noexcept {
  return {static_cast<int>(e), handshake_category()};
}

bool is_handshake_error(const Error& e) noexcept {
  return e.code().category() == handshake_category();
}

HandshakeError kind_of(const Error& e) noexcept {
  if (!is_handshake_error(e)) return HandshakeError::bad_hello;
  return static_cast<HandshakeError>(e.code().value());
}

Handshake::Handshake(const HandshakeConfig& config, bool initiator, Rng& rng)
    : initiator_(initiator) {
  detail::ensure_sodium();
  if (config.psk) {
    psk_.emplace();
    psk_->get() = *config.psk;
  }
  static_secret_.get() = config.static_secret;
  auto& eph = ephemeral_secret_.get();
  for (std::size_t i = 0; i < eph.size(); i += 8) {
    const std::uint64_t bits = rng.next();
    for (std::size_t j = 0; j < 8; ++j) eph[i + j] = static_cast<std::uint8_t>(bits >> (8 * j));
  }
  local_.min_version = config.min_version;
  local_.max_version = config.max_version;
  local_.features = config.psk ? kFeatureEncryption : 0;
  local_.name = config.name;
  local_.incarnation = config.incarnation;
  local_.static_public = config.static_public;
  crypto_scalarmult_base(local_.ephemeral_public.data(), eph.data());
#ifndef NDEBUG
  // A key pair that does not match would surface as "password mismatch" on every
  // connection, far from the bug.
  detail::Key32 check{};
  crypto_scalarmult_base(check.data(), static_secret_.get().data());
  WEFT_ASSERT(sodium_memcmp(check.data(), config.static_public.data(), 32) == 0,
              "static_public is the public key of static_secret");
#endif
  local_payload_ = encode_hello(local_);
}

Error Handshake::fail(HandshakeError kind, std::string message) {
  state_ = State::failed;
  // A failed handshake is never resumed: drop every secret it holds now.
  if (psk_) psk_->clear();
  static_secret_.clear();
  ephemeral_secret_.clear();
  master_.clear();
  key_i2r_.clear();
  key_r2i_.clear();
  remote_auth_.clear();
  return Error(make_error_code(kind), std::move(message));
}

Result<std::vector<std::uint8_t>> Handshake::on_hello(std::span<const std::uint8_t> payload) {
  WEFT_ASSERT(state_ == State::awaiting_hello, "on_hello is called once, first");
  auto hello = decode_hello(payload);
  if (!hello) return fail(HandshakeError::bad_hello, "bad handshake: " + hello.error().message());
  remote_ = *hello;

  // The same checks in the same order on both sides, over the same two hellos, so both
  // sides fail with the same kind and can each say why.
  if (remote_.max_version < local_.min_version || local_.max_version < remote_.min_version) {
    return fail(HandshakeError::version_mismatch,
                "protocol " + range(local_.min_version, local_.max_version) + " vs " +
                    range(remote_.min_version, remote_.max_version));
  }
  version_ = std::min(local_.max_version, remote_.max_version);
  if (remote_.name == local_.name) {
    if (remote_.incarnation == local_.incarnation &&
        remote_.static_public == local_.static_public) {
      return fail(HandshakeError::connection_to_self, "connection to self");
    }
    // Same name, another process: most likely a VM cloned with its weft data dir.
    return fail(HandshakeError::connection_to_self,
                "connection to self: the remote uses this peer's name " + local_.name.to_string() +
                    " (a clone of this peer's data dir?)");
  }
  const bool remote_encrypted = (remote_.features & kFeatureEncryption) != 0;
  if (psk_.has_value() != remote_encrypted) {
    return fail(HandshakeError::encryption_mismatch,
                psk_ ? "encryption mismatch: this peer has a password, the remote has none"
                     : "encryption mismatch: the remote has a password, this peer has none");
  }

  detail::Key32 dh1{};
  detail::Key32 dh2{};
  const bool dh_ok = crypto_scalarmult(dh1.data(), ephemeral_secret_.get().data(),
                                       remote_.ephemeral_public.data()) == 0 &&
                     !sodium_is_zero(dh1.data(), dh1.size()) &&
                     crypto_scalarmult(dh2.data(), static_secret_.get().data(),
                                       remote_.static_public.data()) == 0 &&
                     !sodium_is_zero(dh2.data(), dh2.size());
  ephemeral_secret_.clear();  // used once; forward secrecy starts here
  if (!dh_ok) {
    detail::wipe(dh1);
    detail::wipe(dh2);
    return fail(HandshakeError::bad_hello, "bad handshake: remote key is a low-order point");
  }

  const std::span<const std::uint8_t> i_payload =
      initiator_ ? std::span<const std::uint8_t>(local_payload_) : payload;
  const std::span<const std::uint8_t> r_payload =
      initiator_ ? payload : std::span<const std::uint8_t>(local_payload_);
  detail::blake2b(transcript_, {}, {i_payload, r_payload});

  const detail::Key32 zero_psk{};
  detail::blake2b(master_.get(), psk_ ? psk_->get() : zero_psk, {dh1, dh2, transcript_});
  detail::wipe(dh1);
  detail::wipe(dh2);

  key_i2r_.get() = derive(master_.get(), "weft-key-i2r");
  key_r2i_.get() = derive(master_.get(), "weft-key-r2i");
  detail::Key32 own_mac_key = derive(master_.get(), initiator_ ? "weft-auth-i" : "weft-auth-r");
  detail::Key32 remote_mac_key = derive(master_.get(), initiator_ ? "weft-auth-r" : "weft-auth-i");
  std::vector<std::uint8_t> auth(32);
  detail::blake2b(auth, own_mac_key, {transcript_});
  detail::blake2b(remote_auth_.get(), remote_mac_key, {transcript_});
  detail::wipe(own_mac_key);
  detail::wipe(remote_mac_key);
  state_ = State::awaiting_auth;
  return auth;
}

Result<Session> Handshake::on_auth(std::span<const std::uint8_t> payload) {
  WEFT_ASSERT(state_ == State::awaiting_auth, "on_auth follows a successful on_hello");
  if (payload.size() != remote_auth_.get().size()) {
    return fail(HandshakeError::bad_auth_frame,
                "bad handshake: auth frame of " + std::to_string(payload.size()) +
                    " bytes, expected " + std::to_string(remote_auth_.get().size()));
  }
  if (sodium_memcmp(payload.data(), remote_auth_.get().data(), payload.size()) != 0) {
    if (psk_) return fail(HandshakeError::password_mismatch, "password mismatch");
    return fail(HandshakeError::bad_auth_frame,
                "bad handshake: auth frame does not match the hellos (corrupted or tampered "
                "connection)");
  }
  state_ = State::done;
  const auto& send = initiator_ ? key_i2r_ : key_r2i_;
  const auto& recv = initiator_ ? key_r2i_ : key_i2r_;
  Session session(psk_.has_value(), master_.get(), send.get(), recv.get());
  master_.clear();
  key_i2r_.clear();
  key_r2i_.clear();
  return session;
}

}  // namespace weft::gossip
