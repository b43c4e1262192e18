// SPDX-License-Identifier: Apache-2.0
// SleeveSealer and SleeveOpener (sleeve_crypto.hpp): libsodium AEADs in place, counter
// nonces, a replay window per key epoch, and the send key's ratchet.
#include "weft/router/sleeve_crypto.hpp"

#include "weft/base/assert.hpp"
#include "weft/base/error.hpp"

#include <sodium.h>

#include <string>
#include <string_view>

namespace weft::router {
namespace detail {

struct AeadKeys {
  // libsodium's AES-GCM state must be 16-byte aligned; it holds the expanded key schedule,
  // so sealing does not redo it per datagram.
  alignas(16) crypto_aead_aes256gcm_state aes{};
  SleeveKey chacha{};
  SleeveKey ratchet{};  // the key both are derived from, and the next epoch's is

  AeadKeys() = default;
  AeadKeys(const AeadKeys&) = delete;
  AeadKeys& operator=(const AeadKeys&) = delete;
  ~AeadKeys() {
    sodium_memzero(&aes, sizeof aes);
    sodium_memzero(chacha.data(), chacha.size());
    sodium_memzero(ratchet.data(), ratchet.size());
  }
};

}  // namespace detail

namespace {

static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == kSleeveTagBytes);
static_assert(crypto_aead_aes256gcm_ABYTES == kSleeveTagBytes);
static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12);
static_assert(crypto_aead_aes256gcm_NPUBBYTES == 12);

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  WEFT_ASSERT(ready, "sodium_init fails only when the CPU or libsodium build is unusable");
}

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

SleeveKey keyed_hash(const SleeveKey& key, std::string_view label) {
  SleeveKey out{};
  const auto msg = bytes_of(label);
  crypto_generichash(out.data(), out.size(), msg.data(), msg.size(), key.data(), key.size());
  return out;
}

// Each AEAD gets its own key, so the same bytes never key two algorithms.
std::unique_ptr<detail::AeadKeys> schedule(const SleeveKey& key) {
  auto k = std::make_unique<detail::AeadKeys>();
  k->ratchet = key;
  k->chacha = keyed_hash(key, "weft-sleeve:chacha20-poly1305");
  if (aes256gcm_available()) {
    SleeveKey aes = keyed_hash(key, "weft-sleeve:aes-256-gcm");
    crypto_aead_aes256gcm_beforenm(&k->aes, aes.data());
    sodium_memzero(aes.data(), aes.size());
  }
  return k;
}

// The next epoch's keys, `steps` ratchets on. A one-way step: later keys cannot give back
// earlier ones.
std::unique_ptr<detail::AeadKeys> ratchet(const detail::AeadKeys& from, std::uint64_t steps) {
  SleeveKey k = from.ratchet;
  for (std::uint64_t i = 0; i < steps; ++i) {
    SleeveKey next = keyed_hash(k, "weft-sleeve-rekey");
    k = next;
    sodium_memzero(next.data(), next.size());
  }
  auto keys = schedule(k);
  sodium_memzero(k.data(), k.size());
  return keys;
}

using Nonce = std::array<std::uint8_t, 12>;
Nonce nonce_for(std::uint64_t counter) {
  Nonce n{};
  for (int i = 0; i < 8; ++i) n[4 + i] = static_cast<std::uint8_t>(counter >> (56 - 8 * i));
  return n;
}

}  // namespace

bool aes256gcm_available() noexcept {
  ensure_sodium();
  return crypto_aead_aes256gcm_is_available() == 1;
}

// ---- sealer ----------------------------------------------------------------------------

SleeveSealer::SleeveSealer(PeerName self, SleeveCipher cipher, const SleeveKey& key,
                           SleeveRekey rekey)
    : self_(self), cipher_(cipher), rekey_(rekey) {
  WEFT_ASSERT(self.is_valid(), "a sealer belongs to this peer");
  WEFT_ASSERT(rekey.after_datagrams >= 1, "a key must seal at least one datagram");
  WEFT_ASSERT(cipher != SleeveCipher::aes256gcm || aes256gcm_available(),
              "AES-256-GCM is chosen only where the CPU has it");
  ensure_sodium();
  if (cipher_ != SleeveCipher::plaintext) aead_ = schedule(key);
}

SleeveSealer::~SleeveSealer() = default;
SleeveSealer::SleeveSealer(SleeveSealer&&) noexcept = default;
SleeveSealer& SleeveSealer::operator=(SleeveSealer&&) noexcept = default;

std::size_t SleeveSealer::overhead() const noexcept {
  return kSleeveHeaderBytes + (cipher_ == SleeveCipher::plaintext ? 0 : kSleeveTagBytes);
}

void SleeveSealer::begin(std::vector<std::uint8_t>& out) const {
  out.clear();
  write_sleeve_header(out, SleeveHeader{cipher_, epoch(), self_, 0});
}

bool SleeveSealer::append(std::vector<std::uint8_t>& out, const SleeveRecord& record,
                          std::size_t max_bytes) const {
  WEFT_ASSERT(out.size() >= kSleeveHeaderBytes, "append follows begin");
  const std::size_t tag = cipher_ == SleeveCipher::plaintext ? 0 : kSleeveTagBytes;
  if (out.size() + sleeve_record_bytes(record.frame.size()) + tag > max_bytes) return false;
  append_sleeve_record(out, record);
  return true;
}

void SleeveSealer::finish(std::vector<std::uint8_t>& out, TimePoint now) {
  WEFT_ASSERT(out.size() >= kSleeveHeaderBytes, "finish follows begin");
  if (cipher_ != SleeveCipher::plaintext) {
    if (!key_since_) key_since_ = now;
    if (counter_ >= rekey_.after_datagrams || now - *key_since_ >= rekey_.after) {
      aead_ = ratchet(*aead_, 1);
      ++epoch_;
      counter_ = 0;
      key_since_ = now;
    }
  }
  WEFT_ASSERT(counter_ != UINT64_MAX, "the ratchet restarts the counter long before");
  const std::uint64_t counter = counter_++;
  write_sleeve_header(out, SleeveHeader{cipher_, epoch(), self_, counter});
  ++datagrams_;
  if (cipher_ == SleeveCipher::plaintext) return;

  const Nonce nonce = nonce_for(counter);
  const std::size_t body = out.size() - kSleeveHeaderBytes;
  out.resize(out.size() + kSleeveTagBytes);
  std::uint8_t* m = out.data() + kSleeveHeaderBytes;
  std::uint8_t* tag = m + body;
  unsigned long long tag_len = 0;
  if (cipher_ == SleeveCipher::aes256gcm) {
    crypto_aead_aes256gcm_encrypt_detached_afternm(m, tag, &tag_len, m, body, out.data(),
                                                   kSleeveHeaderBytes, nullptr, nonce.data(),
                                                   &aead_->aes);
  } else {
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(m, tag, &tag_len, m, body, out.data(),
                                                       kSleeveHeaderBytes, nullptr, nonce.data(),
                                                       aead_->chacha.data());
  }
  WEFT_ASSERT(tag_len == kSleeveTagBytes, "the AEAD writes exactly one tag");
}

// ---- opener ----------------------------------------------------------------------------

struct SleeveOpener::Epoch {
  std::uint64_t number = 0;  // ratchets since the handshake
  std::unique_ptr<detail::AeadKeys> aead;
  ReplayWindow window;
};

SleeveOpener::SleeveOpener(PeerName remote, bool encrypted, const SleeveKey& key)
    : remote_(remote), encrypted_(encrypted) {
  ensure_sodium();
  if (encrypted_) current_ = std::make_unique<Epoch>(Epoch{0, schedule(key), {}});
}
SleeveOpener::~SleeveOpener() = default;
SleeveOpener::SleeveOpener(SleeveOpener&&) noexcept = default;
SleeveOpener& SleeveOpener::operator=(SleeveOpener&&) noexcept = default;

Result<void> SleeveOpener::open(std::span<std::uint8_t> datagram, std::vector<SleeveRecord>& out) {
  auto h = decode_sleeve_header(datagram);
  if (!h) return h.error();
  if (h->sender != remote_) {
    return Error(Errc::invalid_argument, "sleeve datagram sealed by " + h->sender.to_string() +
                                             " arrived on the connection to " +
                                             remote_.to_string());
  }
  if (h->cipher == SleeveCipher::plaintext) {
    if (encrypted_) {
      return Error(Errc::unsupported,
                   "plaintext sleeve datagram from " + remote_.to_string() +
                       " on an encrypted connection: dropped (spoofed, or a peer without the "
                       "password)");
    }
    auto r = decode_sleeve_records(datagram.subspan(kSleeveHeaderBytes), out);
    if (r) ++opened_;
    return r;
  }
  if (!encrypted_) {
    return Error(Errc::unsupported, "sealed sleeve datagram from " + remote_.to_string() +
                                        " on a connection without a password: dropped");
  }
  if (h->cipher == SleeveCipher::aes256gcm && !aes256gcm_available()) {
    return Error(Errc::unsupported, "sleeve datagram from " + remote_.to_string() +
                                        " sealed with AES-256-GCM, which this CPU lacks");
  }
  return open_sealed(*h, datagram, out);
}

Result<void> SleeveOpener::open_sealed(const SleeveHeader& h, std::span<std::uint8_t> datagram,
                                       std::vector<SleeveRecord>& out) {
  if (datagram.size() < kSleeveHeaderBytes + kSleeveTagBytes) {
    return Error(Errc::parse_error,
                 "truncated sleeve datagram: " + std::to_string(datagram.size()) +
                     " bytes, no room for the tag");
  }
  // Which key: the current epoch, the one before it (datagrams in flight across a ratchet),
  // or a few ahead (the sender ratcheted; followed only once a datagram authenticates).
  const std::uint64_t ahead = (h.epoch - current_->number) & 0xff;
  Epoch* epoch = nullptr;
  std::unique_ptr<Epoch> candidate;
  if (ahead == 0) {
    epoch = current_.get();
  } else if (ahead == 0xff && previous_) {
    epoch = previous_.get();
  } else if (ahead <= kMaxEpochSkip) {
    candidate = std::make_unique<Epoch>(
        Epoch{current_->number + ahead, ratchet(*current_->aead, ahead), {}});
    epoch = candidate.get();
  } else {
    return Error(Errc::out_of_range, "sleeve datagram from " + remote_.to_string() +
                                         " under key epoch " + std::to_string(h.epoch) +
                                         ", expected " + std::to_string(current_->number & 0xff) +
                                         ": dropped");
  }

  const auto verdict = epoch->window.check(h.counter);
  if (verdict != ReplayWindow::Verdict::fresh) {
    ++replays_;
    return Error(
        Errc::out_of_range,
        std::string(verdict == ReplayWindow::Verdict::replayed ? "replayed" : "too old a") +
            " sleeve datagram from " + remote_.to_string() + " (counter " +
            std::to_string(h.counter) + ", highest " + std::to_string(epoch->window.highest()) +
            "): dropped");
  }

  const Nonce nonce = nonce_for(h.counter);
  const std::size_t body = datagram.size() - kSleeveHeaderBytes - kSleeveTagBytes;
  std::uint8_t* c = datagram.data() + kSleeveHeaderBytes;
  const std::uint8_t* tag = c + body;
  int rc = -1;
  if (h.cipher == SleeveCipher::aes256gcm) {
    rc = crypto_aead_aes256gcm_decrypt_detached_afternm(c, nullptr, c, body, tag, datagram.data(),
                                                        kSleeveHeaderBytes, nonce.data(),
                                                        &epoch->aead->aes);
  } else {
    rc = crypto_aead_chacha20poly1305_ietf_decrypt_detached(
        c, nullptr, c, body, tag, datagram.data(), kSleeveHeaderBytes, nonce.data(),
        epoch->aead->chacha.data());
  }
  if (rc != 0) {
    ++auth_failures_;
    return Error(Errc::corrupt, "sleeve datagram from " + remote_.to_string() +
                                    " failed authentication (tampered, or sealed under another "
                                    "key): dropped");
  }
  // Authentic: the counter is spent even if the body turns out malformed (a bug at the
  // sender, which a replay of the same bytes would not fix).
  epoch->window.accept(h.counter);
  if (candidate) {
    // The epoch just before the new one stays open for its datagrams still in flight.
    previous_ = ahead == 1 ? std::move(current_)
                           : std::make_unique<Epoch>(Epoch{
                                 candidate->number - 1, ratchet(*current_->aead, ahead - 1), {}});
    current_ = std::move(candidate);
  }
  auto records = decode_sleeve_records(std::span<const std::uint8_t>(c, body), out);
  if (!records) return records.error();
  ++opened_;
  return ok();
}

}  // namespace weft::router
