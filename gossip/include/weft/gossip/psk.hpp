// SPDX-License-Identifier: Apache-2.0
// The mesh pre-shared key, derived from the user's password (`weftd --password`).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace weft::gossip {

using Psk = std::array<std::uint8_t, 32>;

/// BLAKE2b-256 of the password, keyed with the fixed domain-separation string
/// "weft-mesh-psk-v1". Fast and deterministic: every peer derives the same key. psk.cpp
/// says what a fast derivation does and does not protect against (passwords must be
/// high-entropy).
Psk derive_psk(std::string_view password);

}  // namespace weft::gossip
