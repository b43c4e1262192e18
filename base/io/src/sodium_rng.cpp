// SPDX-License-Identifier: Apache-2.0
#include "weft/base/sodium_rng.hpp"

#include "weft/base/assert.hpp"

#include <sodium.h>

namespace weft {

SodiumRng::SodiumRng() {
  WEFT_ASSERT(sodium_init() >= 0, "libsodium initialises on every supported kernel");
}

std::uint64_t SodiumRng::next() {
  std::uint64_t v = 0;
  randombytes_buf(&v, sizeof v);
  return v;
}

}  // namespace weft
