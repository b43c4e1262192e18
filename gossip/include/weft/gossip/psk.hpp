// SPDX-License-Identifier: Apache-2.0
// The mesh pre-shared key, derived from the user's password (`weftd --password`).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace weft::gossip {

using Psk = std::array<std::uint8_t, 32>;

/// Argon2id cost: OWASP's minimum (t=2, m=19 MiB, one lane).
inline constexpr unsigned long long kOpsLimit = 2;
inline constexpr std::size_t kMemLimit = 19u * 1024 * 1024;

/// Argon2id(password, salt "weft-mesh-psk-v2", kOpsLimit, kMemLimit) -> 32 bytes.
/// Deterministic: every peer derives the same key. psk.cpp says what this does and does
/// not protect against.
Psk derive_psk(std::string_view password);

}  // namespace weft::gossip
