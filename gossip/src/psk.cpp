// SPDX-License-Identifier: Apache-2.0
// derive_psk, and why a fast KDF is enough only for a high-entropy password.
#include "weft/gossip/psk.hpp"

#include "crypto_util.hpp"

namespace weft::gossip {

// Why BLAKE2b and not a slow password hash (Argon2id):
//
// - A passive eavesdropper cannot test password guesses offline. Everything keyed by the
//   PSK (the auth frames, the records) also depends on dh1 = X25519 of two ephemeral keys,
//   and the eavesdropper knows neither secret; it would have to break X25519 first.
// - An active attacker cannot either, as long as no weft peer completes a handshake with
//   it: a handshake with a wrong password fails on both sides after one auth frame each,
//   so guessing costs one TCP connection per guess (online, visible in the logs).
// - But the handshake is not a PAKE. An attacker that completes the X25519 exchanges with
//   a real peer (it dials the peer, or intercepts a connection the peer makes) knows dh1,
//   dh2 and the transcript, so that peer's auth frame lets it test guesses OFFLINE, at the
//   speed of this function. A slow KDF (Argon2id) would make each such guess some 10^5
//   times dearer: that helps a weak password, it does not make one safe.
//
// So the password must be high-entropy (generated, e.g. 32 random bytes in base64, not
// chosen by a person), and the documentation says so; with that, a fast KDF loses nothing
// and keeps simulations of many peers cheap. Protecting weak passwords properly needs a
// PAKE (e.g. CPace) in the handshake, not a slower hash here.
Psk derive_psk(std::string_view password) {
  detail::ensure_sodium();
  Psk psk{};
  detail::blake2b(psk, detail::as_bytes("weft-mesh-psk-v1"), {detail::as_bytes(password)});
  return psk;
}

}  // namespace weft::gossip
