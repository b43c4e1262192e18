// SPDX-License-Identifier: Apache-2.0
// Private libsodium helpers: one-time init, keyed BLAKE2b over several parts, wiping.
#include "crypto_util.hpp"

#include "weft/base/assert.hpp"
#include "weft/gossip/session.hpp"

#include <sodium.h>

namespace weft::gossip::detail {

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  WEFT_ASSERT(ready, "sodium_init fails only when the CPU or libsodium build is unusable");
}

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

void blake2b(std::span<std::uint8_t> out, std::span<const std::uint8_t> key,
             std::initializer_list<std::span<const std::uint8_t>> parts) {
  WEFT_ASSERT(out.size() >= crypto_generichash_BYTES_MIN &&
                  out.size() <= crypto_generichash_BYTES_MAX && key.size() <= 64,
              "callers use fixed output and key sizes within BLAKE2b's limits");
  crypto_generichash_state st;
  crypto_generichash_init(&st, key.empty() ? nullptr : key.data(), key.size(), out.size());
  for (const auto& part : parts) crypto_generichash_update(&st, part.data(), part.size());
  crypto_generichash_final(&st, out.data(), out.size());
  sodium_memzero(&st, sizeof st);  // the state holds the key
}

void wipe(std::span<std::uint8_t> secret) {
  sodium_memzero(secret.data(), secret.size());
}

void wipe_bytes(std::uint8_t* p, std::size_t n) noexcept {
  sodium_memzero(p, n);
}

}  // namespace weft::gossip::detail
