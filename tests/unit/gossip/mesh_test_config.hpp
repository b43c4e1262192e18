// SPDX-License-Identifier: Apache-2.0
// A MeshConfig for unit tests: name, nickname and a static key pair derived from `name`.
#pragma once

#include "weft/gossip/mesh.hpp"

#include <catch2/catch.hpp>
#include <sodium.h>

#include <string>

namespace weft::gossip::testing {

inline MeshConfig mesh_config(std::uint64_t name, const char* password) {
  MeshConfig c;
  c.name = PeerName(name);
  c.nickname = "n" + std::to_string(name);
  c.incarnation = name;
  for (std::size_t i = 0; i < c.static_secret.size(); ++i) {
    c.static_secret[i] = static_cast<std::uint8_t>(name * 31 + i);
  }
  REQUIRE(sodium_init() >= 0);
  crypto_scalarmult_base(c.static_public.data(), c.static_secret.data());
  if (password) c.psk = derive_psk(password);
  return c;
}

}  // namespace weft::gossip::testing
