// SPDX-License-Identifier: Apache-2.0
// Session: AEAD records with counter nonces, replay/gap detection and a rekey ratchet.
#include "weft/gossip/session.hpp"

#include "weft/base/assert.hpp"
#include "weft/gossip/wire.hpp"

#include "crypto_util.hpp"

#include <sodium.h>

#include <string>

namespace weft::gossip {
namespace {

constexpr std::size_t kCounterBytes = 8;
constexpr std::size_t kTagBytes = crypto_aead_chacha20poly1305_ietf_ABYTES;
static_assert(kCounterBytes + kTagBytes == kRecordOverheadBytes);
static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12);
static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == 32);

using Nonce = std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES>;

// Counters are unique per key (they restart only with a new key) and each direction has
// its own key, so a (key, nonce) pair is never used twice.
Nonce nonce_for(std::span<const std::uint8_t, kCounterBytes> counter_be) {
  Nonce n{};
  std::copy(counter_be.begin(), counter_be.end(), n.begin() + 4);
  return n;
}

void ratchet(std::array<std::uint8_t, 32>& key) {
  std::array<std::uint8_t, 32> next{};
  detail::blake2b(next, key, {detail::as_bytes("weft-rekey")});
  key = next;
  detail::wipe(next);
}

}  // namespace

Session::Session(bool encrypted, const std::array<std::uint8_t, 64>& master,
                 const std::array<std::uint8_t, 32>& send_key,
                 const std::array<std::uint8_t, 32>& recv_key)
    : encrypted_(encrypted) {
  master_.get() = master;
  send_key_.get() = send_key;
  recv_key_.get() = recv_key;
}

void Session::set_limits(SessionLimits limits) {
  WEFT_ASSERT(limits.rekey_after_records >= 1, "a key must seal at least one message");
  limits_ = limits;
}

void Session::seal_record(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> plaintext) {
  WEFT_ASSERT(send_counter_ != UINT64_MAX, "rekeying restarts the counter long before");
  const std::size_t len = kCounterBytes + plaintext.size() + kTagBytes;
  const std::size_t start = out.size();
  out.resize(start + 4 + len);
  std::uint8_t* p = out.data() + start;
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(len >> (24 - 8 * i));
  std::uint8_t* counter = p + 4;
  for (int i = 0; i < 8; ++i) counter[i] = static_cast<std::uint8_t>(send_counter_ >> (56 - 8 * i));
  const Nonce nonce = nonce_for(std::span<const std::uint8_t, kCounterBytes>(counter, 8));
  unsigned long long written = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(counter + kCounterBytes, &written, plaintext.data(),
                                            plaintext.size(), counter, kCounterBytes, nullptr,
                                            nonce.data(), send_key_.get().data());
  WEFT_ASSERT(written == plaintext.size() + kTagBytes, "the AEAD adds exactly one tag");
  ++send_counter_;
  ++records_sent_;
}

void Session::seal(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> message,
                   TimePoint now) {
  WEFT_ASSERT(!message.empty() && message.size() <= kMaxMessageBytes,
              "messages come from encode_message and are split to fit one record");
  if (!encrypted_) {
    append_frame(out, message);
    ++records_sent_;
    return;
  }
  WEFT_ASSERT(message[0] != kRekeyTag, "no message type uses the rekey tag");
  if (!send_key_since_) send_key_since_ = now;
  if (sealed_under_key_ >= limits_.rekey_after_records ||
      now - *send_key_since_ >= limits_.rekey_after) {
    // The rekey record is sealed under the old key, so the receiver authenticates it
    // before it ratchets too.
    constexpr std::array<std::uint8_t, 1> kRekey{kRekeyTag};
    seal_record(out, kRekey);
    ratchet(send_key_.get());
    send_counter_ = 0;
    sealed_under_key_ = 0;
    send_key_since_ = now;
    ++rekeys_sent_;
  }
  seal_record(out, message);
  ++sealed_under_key_;
}

Result<std::optional<std::vector<std::uint8_t>>> Session::open(
    std::span<const std::uint8_t> frame_payload) {
  if (!encrypted_) {
    ++records_received_;
    return std::optional<std::vector<std::uint8_t>>(std::in_place, frame_payload.begin(),
                                                    frame_payload.end());
  }
  if (frame_payload.size() < kRecordOverheadBytes) {
    return Error(Errc::parse_error, "truncated record: " + std::to_string(frame_payload.size()) +
                                        " bytes, a record has at least " +
                                        std::to_string(kRecordOverheadBytes) +
                                        " (counter and tag)");
  }
  const auto counter_be = frame_payload.first<kCounterBytes>();
  std::uint64_t counter = 0;
  for (const std::uint8_t b : counter_be) counter = (counter << 8) | b;
  const auto sealed = frame_payload.subspan(kCounterBytes);
  std::vector<std::uint8_t> plain(sealed.size() - kTagBytes);
  unsigned long long plain_len = 0;
  const Nonce nonce = nonce_for(counter_be);
  if (crypto_aead_chacha20poly1305_ietf_decrypt(plain.data(), &plain_len, nullptr, sealed.data(),
                                                sealed.size(), counter_be.data(), kCounterBytes,
                                                nonce.data(), recv_key_.get().data()) != 0) {
    return Error(Errc::corrupt, "record failed authentication (tampered or wrong key)");
  }
  if (counter != recv_counter_) {
    return Error(Errc::out_of_range,
                 std::string(counter < recv_counter_ ? "replayed record" : "records missing") +
                     " (counter " + std::to_string(counter) + ", expected " +
                     std::to_string(recv_counter_) + ")");
  }
  if (plain.empty()) return Error(Errc::parse_error, "empty record");
  if (plain[0] == kRekeyTag) {
    if (plain.size() != 1) {
      return Error(Errc::parse_error,
                   "rekey record with " + std::to_string(plain.size() - 1) + " unexpected bytes");
    }
    ratchet(recv_key_.get());
    recv_counter_ = 0;
    ++records_received_;
    ++rekeys_received_;
    return std::optional<std::vector<std::uint8_t>>();
  }
  ++recv_counter_;
  ++records_received_;
  return std::optional<std::vector<std::uint8_t>>(std::move(plain));
}

std::array<std::uint8_t, 32> Session::export_key(std::string_view label) const {
  std::array<std::uint8_t, 32> key{};
  detail::blake2b(key, master_.get(), {detail::as_bytes("weft-export:"), detail::as_bytes(label)});
  return key;
}

}  // namespace weft::gossip
