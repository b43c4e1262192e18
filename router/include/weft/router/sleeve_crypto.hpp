// SPDX-License-Identifier: Apache-2.0
// Sealing and opening sleeve datagrams (sleeve_wire.hpp, decision 0012). Each direction of a
// connection has its own 32-byte key (exported from the control session, so it is fresh for
// every handshake); the sender seals with the AEAD it chose (the fastest one on its CPU) and
// the receiver opens with whichever one the header names, under a key derived per cipher.
// The send key ratchets forward (BLAKE2b) after kRekeyAfter or a number of datagrams, and
// the epoch byte tells the receiver to follow, so a key stolen from memory cannot open
// what was sent before the ratchet.
#pragma once

#include "weft/base/peer_name.hpp"
#include "weft/base/result.hpp"
#include "weft/base/time.hpp"
#include "weft/router/replay_window.hpp"
#include "weft/router/sleeve_wire.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace weft::router {

using SleeveKey = std::array<std::uint8_t, 32>;

struct SleeveRekey {
  std::uint64_t after_datagrams = std::uint64_t{1} << 30;
  Duration after = std::chrono::minutes(2);
};

/// Whether libsodium can run AES-256-GCM here (it needs AES-NI and CLMUL); ChaCha20-Poly1305
/// runs everywhere.
bool aes256gcm_available() noexcept;

namespace detail {
struct AeadKeys;  // the key schedule of both AEADs for one key (aligned, wiped)
}

/// Seals datagrams for one peer under this host's send key to it.
///   s.begin(buf); while (s.append(buf, record, max)) ...; s.finish(buf, now); send buf
class SleeveSealer {
 public:
  /// cipher plaintext: records travel unsealed (no password), `key` is not used.
  SleeveSealer(PeerName self, SleeveCipher cipher, const SleeveKey& key, SleeveRekey rekey = {});
  ~SleeveSealer();
  SleeveSealer(SleeveSealer&&) noexcept;
  SleeveSealer& operator=(SleeveSealer&&) noexcept;

  /// Clears `out` and writes the header (the counter is filled in by finish).
  void begin(std::vector<std::uint8_t>& out) const;
  /// Appends the record when the whole datagram, tag included, stays within max_bytes;
  /// false (nothing appended) when it does not fit.
  [[nodiscard]] bool append(std::vector<std::uint8_t>& out, const SleeveRecord& record,
                            std::size_t max_bytes) const;
  /// Ratchets first when a rekey is due, assigns the next counter, seals the body in place
  /// and appends the tag. `out` must come from begin (and usually holds records).
  void finish(std::vector<std::uint8_t>& out, TimePoint now);

  [[nodiscard]] SleeveCipher cipher() const noexcept { return cipher_; }
  [[nodiscard]] std::uint8_t epoch() const noexcept { return static_cast<std::uint8_t>(epoch_); }
  [[nodiscard]] std::uint64_t datagrams() const noexcept { return datagrams_; }
  /// Bytes a datagram adds around its records.
  [[nodiscard]] std::size_t overhead() const noexcept;

 private:
  PeerName self_;
  SleeveCipher cipher_;
  SleeveRekey rekey_;
  std::unique_ptr<detail::AeadKeys> aead_;  // the current epoch's keys (wiped when replaced)
  std::uint64_t epoch_ = 0;
  std::uint64_t counter_ = 0;
  std::uint64_t datagrams_ = 0;
  std::optional<TimePoint> key_since_;
};

/// Opens datagrams from one peer under its send key to this host.
class SleeveOpener {
 public:
  /// encrypted: the connection has a password, so plaintext datagrams are refused.
  SleeveOpener(PeerName remote, bool encrypted, const SleeveKey& key);
  ~SleeveOpener();
  SleeveOpener(SleeveOpener&&) noexcept;
  SleeveOpener& operator=(SleeveOpener&&) noexcept;

  /// Opens `datagram` in place and appends its records (spans into `datagram`) to `out`.
  /// The datagram is dropped with an error, and nothing is appended, when it is:
  ///   from another sender                       invalid_argument
  ///   malformed or truncated                    parse_error
  ///   plaintext on an encrypted connection      unsupported
  ///   not authentic (tampered, wrong key)       corrupt
  ///   a replay, or older than the window        out_of_range
  ///   of a key epoch too far from the current   out_of_range
  /// A failure never changes the opener's state.
  Result<void> open(std::span<std::uint8_t> datagram, std::vector<SleeveRecord>& out);

  [[nodiscard]] PeerName remote() const noexcept { return remote_; }
  [[nodiscard]] std::uint64_t opened() const noexcept { return opened_; }
  [[nodiscard]] std::uint64_t auth_failures() const noexcept { return auth_failures_; }
  [[nodiscard]] std::uint64_t replays() const noexcept { return replays_; }

  /// How many epochs ahead of the current one a datagram may be (a sender that ratcheted
  /// while every datagram of an epoch was lost).
  static constexpr std::uint64_t kMaxEpochSkip = 8;

 private:
  struct Epoch;
  Result<void> open_sealed(const SleeveHeader& h, std::span<std::uint8_t> datagram,
                           std::vector<SleeveRecord>& out);

  PeerName remote_;
  bool encrypted_;
  std::unique_ptr<Epoch> current_;
  std::unique_ptr<Epoch> previous_;  // in-flight datagrams sealed before the last ratchet
  std::uint64_t opened_ = 0;
  std::uint64_t auth_failures_ = 0;
  std::uint64_t replays_ = 0;
};

}  // namespace weft::router
