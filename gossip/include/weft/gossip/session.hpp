// SPDX-License-Identifier: Apache-2.0
// Session: the records of an established connection (sealed, counted, rekeyed; wire.hpp).
#pragma once

#include "weft/base/result.hpp"
#include "weft/base/time.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace weft::gossip {

class Handshake;

namespace detail {
void wipe_bytes(std::uint8_t* p, std::size_t n) noexcept;

/// N secret bytes that are wiped when destroyed or moved from, and never copied, so no
/// stale copy of a key outlives the object that owns it.
template <std::size_t N>
class Secret {
 public:
  Secret() = default;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& other) noexcept : bytes_(other.bytes_) { other.clear(); }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      bytes_ = other.bytes_;
      other.clear();
    }
    return *this;
  }
  ~Secret() { clear(); }

  std::array<std::uint8_t, N>& get() noexcept { return bytes_; }
  const std::array<std::uint8_t, N>& get() const noexcept { return bytes_; }
  void clear() noexcept { wipe_bytes(bytes_.data(), N); }

 private:
  std::array<std::uint8_t, N> bytes_{};
};
}  // namespace detail

struct SessionLimits {
  std::uint64_t rekey_after_records = 1u << 20;  // messages sealed under one key (>= 1)
  Duration rekey_after = std::chrono::hours(1);  // time since the send key was set
};

/// One connection's record layer: the send state of one direction and the receive state of
/// the other. Made by Handshake::on_auth; move-only, and its keys are wiped when it dies.
class Session {
 public:
  Session(Session&&) noexcept = default;
  Session& operator=(Session&&) noexcept = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() = default;

  [[nodiscard]] bool encrypted() const noexcept { return encrypted_; }

  /// Appends one complete frame carrying `message` (an encode_message result: non-empty, at
  /// most kMaxMessageBytes, not aliasing `out`) to `out`.
  /// Encrypted: u32 length | u64 counter | ChaCha20-Poly1305-IETF ciphertext + 16-byte tag;
  /// nonce = 4 zero bytes || counter, both big-endian, and the counter bytes are the
  /// associated data. Plaintext: u32 length | message.
  /// When a rekey is due (rekey_after_records messages under the current key, or rekey_after
  /// since it was set; the clock starts at the first seal) a rekey record (plaintext
  /// kRekeyTag alone) goes first, then the send key becomes BLAKE2b(key = old key,
  /// "weft-rekey") and the counter restarts at 0. A ratchet: records sealed before a rekey
  /// cannot be opened with the key after it.
  void seal(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> message, TimePoint now);

  /// Opens one frame payload as FrameReader::next returns it: the message bytes, nullopt for
  /// an internal record (a rekey: the receive key has been ratcheted), or an error, after
  /// which the caller ends the connection (the session state is unchanged by a failure):
  ///   "truncated record: ..."                                 parse_error
  ///   "record failed authentication (tampered or wrong key)"  corrupt
  ///   "replayed record (counter N, expected M)"               out_of_range
  ///   "records missing (counter N, expected M)"               out_of_range
  /// The counter is checked only after authentication, so a tampered counter reads as
  /// tampering. Plaintext mode returns the payload as it is (decode_message validates it).
  Result<std::optional<std::vector<std::uint8_t>>> open(
      std::span<const std::uint8_t> frame_payload);

  /// A key for other layers (the sleeve data path): BLAKE2b-256(key = master,
  /// "weft-export:" || label), equal on both sides, independent of the record keys.
  [[nodiscard]] std::array<std::uint8_t, 32> export_key(std::string_view label) const;

  /// Records include rekey records.
  [[nodiscard]] std::uint64_t records_sent() const noexcept { return records_sent_; }
  [[nodiscard]] std::uint64_t records_received() const noexcept { return records_received_; }
  /// Rekeys of the send direction (rekeys_received: of the receive direction).
  [[nodiscard]] std::uint64_t rekeys() const noexcept { return rekeys_sent_; }
  [[nodiscard]] std::uint64_t rekeys_received() const noexcept { return rekeys_received_; }

  void set_limits(SessionLimits limits);
  [[nodiscard]] const SessionLimits& limits() const noexcept { return limits_; }

 private:
  friend class Handshake;
  Session(bool encrypted, const std::array<std::uint8_t, 64>& master,
          const std::array<std::uint8_t, 32>& send_key,
          const std::array<std::uint8_t, 32>& recv_key);
  void seal_record(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> plaintext);

  bool encrypted_ = false;
  detail::Secret<64> master_;
  detail::Secret<32> send_key_;
  detail::Secret<32> recv_key_;
  std::uint64_t send_counter_ = 0;
  std::uint64_t recv_counter_ = 0;  // the counter the next record must carry
  std::uint64_t sealed_under_key_ = 0;
  std::optional<TimePoint> send_key_since_;
  SessionLimits limits_;
  std::uint64_t records_sent_ = 0;
  std::uint64_t records_received_ = 0;
  std::uint64_t rekeys_sent_ = 0;
  std::uint64_t rekeys_received_ = 0;
};

}  // namespace weft::gossip
