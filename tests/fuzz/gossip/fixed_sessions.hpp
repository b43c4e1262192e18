// SPDX-License-Identifier: Apache-2.0
// A fixed, deterministic handshake for the frame fuzzer and its corpus generator: both must
// derive the same keys, or the seeds would not open.
#pragma once

#include "weft/base/assert.hpp"
#include "weft/base/rng.hpp"
#include "weft/gossip/handshake.hpp"

#include <sodium.h>

#include <utility>

namespace weft::gossip::fuzz {

struct FixedSessions {
  Session initiator;  // seals the seeds
  Session responder;  // opens the fuzzer's input
};

inline HandshakeConfig fixed_config(std::uint64_t seed, bool encrypted) {
  SplitMix64Rng rng(seed);
  HandshakeConfig c;
  c.name = PeerName::from_random(rng.next());
  c.incarnation = rng.next();
  for (auto& b : c.static_secret) b = static_cast<std::uint8_t>(rng.next());
  crypto_scalarmult_base(c.static_public.data(), c.static_secret.data());
  if (encrypted) c.psk = derive_psk("weft fuzz password");
  return c;
}

inline FixedSessions fixed_sessions(bool encrypted) {
  Xoshiro256Rng rng(1);
  Handshake hi(fixed_config(1, encrypted), true, rng);
  Handshake hr(fixed_config(2, encrypted), false, rng);
  auto auth_i = hi.on_hello(hr.hello_payload());
  auto auth_r = hr.on_hello(hi.hello_payload());
  WEFT_ASSERT(auth_i && auth_r, "the fixed handshake succeeds");
  auto si = hi.on_auth(*auth_r);
  auto sr = hr.on_auth(*auth_i);
  WEFT_ASSERT(si && sr, "the fixed handshake succeeds");
  return FixedSessions{std::move(*si), std::move(*sr)};
}

}  // namespace weft::gossip::fuzz
