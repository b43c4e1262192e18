// SPDX-License-Identifier: Apache-2.0
// Private libsodium helpers shared by psk.cpp, handshake.cpp and session.cpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

namespace weft::gossip::detail {

using Key32 = std::array<std::uint8_t, 32>;
using Key64 = std::array<std::uint8_t, 64>;

/// sodium_init() once per process. It only selects implementations for this CPU (and
/// seeds libsodium's own RNG, which this module never uses); it is idempotent and
/// thread-safe, and the daemon calls it at startup anyway.
void ensure_sodium();

std::span<const std::uint8_t> as_bytes(std::string_view text);

/// BLAKE2b over the concatenation of `parts`, keyed with `key` (empty = unkeyed; at most 64
/// bytes), written to all of `out` (16..64 bytes).
void blake2b(std::span<std::uint8_t> out, std::span<const std::uint8_t> key,
             std::initializer_list<std::span<const std::uint8_t>> parts);

/// Overwrites secrets so they do not linger in freed memory (sodium_memzero is not
/// optimised away, unlike memset on a dying object).
void wipe(std::span<std::uint8_t> secret);

}  // namespace weft::gossip::detail
