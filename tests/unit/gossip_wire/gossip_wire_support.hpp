// SPDX-License-Identifier: Apache-2.0
// Test helpers for the gossip wire tests: seeded random messages and handshake drivers.
#pragma once

#include "weft/base/rng.hpp"
#include "weft/gossip/handshake.hpp"
#include "weft/gossip/wire.hpp"

#include <sodium.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace weft::gossip::test {

using Bytes = std::vector<std::uint8_t>;

inline PeerName random_name(Rng& rng) {
  return PeerName::from_random(rng.next());
}

// Mostly short, sometimes exactly at the limit, any byte values (the wire carries bytes).
inline std::size_t random_length(Rng& rng, std::size_t max) {
  if (rng.chance(0.05)) return max;
  return static_cast<std::size_t>(rng.uniform(std::min<std::size_t>(max, 24) + 1));
}

inline std::string random_string(Rng& rng, std::size_t max) {
  std::string s(random_length(rng, max), '\0');
  for (auto& c : s) c = static_cast<char>(rng.uniform(256));
  return s;
}

inline Bytes random_bytes(Rng& rng, std::size_t max) {
  Bytes b(random_length(rng, max));
  for (auto& c : b) c = static_cast<std::uint8_t>(rng.uniform(256));
  return b;
}

inline std::uint64_t random_u64(Rng& rng) {
  // Edges more often than uniform draws would give them.
  switch (rng.uniform(4)) {
    case 0: return 0;
    case 1: return UINT64_MAX;
    default: return rng.next();
  }
}

inline PeerEntry random_peer_entry(Rng& rng) {
  PeerEntry e{random_name(rng),
              random_string(rng, kMaxNicknameBytes),
              random_u64(rng),
              random_u64(rng),
              {}};
  for (auto n = rng.uniform(4); n > 0; --n) {
    e.connections.push_back(ConnectionEntry{random_name(rng), random_string(rng, kMaxAddressBytes),
                                            rng.chance(0.5), rng.chance(0.5)});
  }
  return e;
}

/// Every alternative with the same probability; lists of 0..4 elements.
inline Message random_message(Rng& rng) {
  switch (rng.uniform(std::variant_size_v<Message>)) {
    case 0: return Heartbeat{};
    case 1: {
      TopologyUpdate m;
      for (auto n = rng.uniform(5); n > 0; --n) m.entries.push_back(random_peer_entry(rng));
      return m;
    }
    case 2: {
      TopologyDigest m{rng.chance(0.5), {}};
      for (auto n = rng.uniform(5); n > 0; --n)
        m.items.push_back({random_name(rng), random_u64(rng)});
      return m;
    }
    case 3: {
      DigestHash m;
      for (auto& b : m.hash) b = static_cast<std::uint8_t>(rng.uniform(256));
      m.count = static_cast<std::uint32_t>(random_u64(rng));
      return m;
    }
    case 4:
      return ChannelUnicast{random_string(rng, kMaxChannelNameBytes), random_name(rng),
                            random_name(rng), random_bytes(rng, 300)};
    case 5:
      return ChannelBroadcast{random_string(rng, kMaxChannelNameBytes), random_name(rng),
                              random_bytes(rng, 300)};
    case 6:
      return ChannelGossip{random_string(rng, kMaxChannelNameBytes), random_name(rng),
                           random_bytes(rng, 300)};
    default: {
      TopologyRequest m;
      for (auto n = rng.uniform(5); n > 0; --n) m.names.push_back(random_name(rng));
      return m;
    }
  }
}

/// A peer identity with a real X25519 key pair drawn from `seed`.
inline HandshakeConfig make_config(std::uint64_t seed, std::optional<Psk> psk = std::nullopt) {
  Xoshiro256Rng rng(seed);
  HandshakeConfig c;
  c.name = random_name(rng);
  c.incarnation = rng.next();
  for (auto& b : c.static_secret) b = static_cast<std::uint8_t>(rng.next());
  crypto_scalarmult_base(c.static_public.data(), c.static_secret.data());
  c.psk = psk;
  return c;
}

/// Both sides of one handshake, run to the end or to the first failure on each side.
struct Outcome {
  std::optional<Error> error_i;  // the initiator's error, if it failed
  std::optional<Error> error_r;
  std::optional<Session> session_i;
  std::optional<Session> session_r;
};

/// `tamper` may change the hello and auth payloads in flight (to_responder says which way).
template <class Tamper>
Outcome run_handshake(const HandshakeConfig& ci, const HandshakeConfig& cr, std::uint64_t seed,
                      Tamper tamper) {
  Xoshiro256Rng rng(seed);
  Handshake hi(ci, true, rng);
  Handshake hr(cr, false, rng);
  Outcome out;
  Bytes hello_i = hi.hello_payload();
  Bytes hello_r = hr.hello_payload();
  tamper(hello_i, true, false);
  tamper(hello_r, false, false);
  auto auth_i = hi.on_hello(hello_r);
  auto auth_r = hr.on_hello(hello_i);
  if (!auth_i) out.error_i = auth_i.error();
  if (!auth_r) out.error_r = auth_r.error();
  if (!auth_i || !auth_r) return out;
  Bytes ai = *auth_i;
  Bytes ar = *auth_r;
  tamper(ai, true, true);
  tamper(ar, false, true);
  auto si = hi.on_auth(ar);
  auto sr = hr.on_auth(ai);
  if (si)
    out.session_i.emplace(std::move(*si));
  else
    out.error_i = si.error();
  if (sr)
    out.session_r.emplace(std::move(*sr));
  else
    out.error_r = sr.error();
  return out;
}

inline Outcome run_handshake(const HandshakeConfig& ci, const HandshakeConfig& cr,
                             std::uint64_t seed = 1) {
  return run_handshake(ci, cr, seed, [](Bytes&, bool, bool) {});
}

}  // namespace weft::gossip::test
