// SPDX-License-Identifier: Apache-2.0
// derive_psk: Argon2id, and what it does and does not protect.
#include "weft/gossip/psk.hpp"

#include "weft/base/assert.hpp"

#include "crypto_util.hpp"

#include <sodium.h>

namespace weft::gossip {

// Why Argon2id, and why the password should still be high-entropy:
//
// - A passive eavesdropper cannot test password guesses offline. Everything keyed by the
//   PSK (the auth frames, the records) also depends on dh1 = X25519 of two ephemeral keys,
//   and the eavesdropper knows neither secret; it would have to break X25519 first.
// - An active attacker cannot either, as long as no weft peer completes a handshake with
//   it: the accepting side sends nothing keyed by the password before the dialler has
//   proven it knows it, so guessing costs one TCP connection per guess (online, logged).
// - But the handshake is not a PAKE. An attacker that a real peer dials (a target pointing
//   at it, or an intercepted connection) learns that peer's auth frame and can test
//   guesses OFFLINE, at the speed of this function. Argon2id with OWASP's minimum cost
//   (t=2, m=19 MiB) makes each guess ~10^5 times dearer than a plain hash: it helps a
//   password a person chose, it does not make a weak one safe. A PAKE (CPace) would.
//
// The salt is fixed (every peer must derive the same key from the password alone), so one
// precomputed dictionary applies to every weft mesh; the cost per guess is what protects.
// weftd derives the key once at start (~0.1 s; the 19 MiB are freed at once).
Psk derive_psk(std::string_view password) {
  detail::ensure_sodium();
  static constexpr std::string_view kSalt = "weft-mesh-psk-v2";
  static_assert(kSalt.size() == crypto_pwhash_SALTBYTES);
  Psk psk{};
  const int rc = crypto_pwhash(psk.data(), psk.size(), password.data(), password.size(),
                               reinterpret_cast<const unsigned char*>(kSalt.data()), kOpsLimit,
                               kMemLimit, crypto_pwhash_ALG_ARGON2ID13);
  // Fails only when the 19 MiB cannot be allocated: no key can be made without them.
  WEFT_ASSERT(rc == 0, "Argon2id could not allocate its memory");
  return psk;
}

}  // namespace weft::gossip
