// SPDX-License-Identifier: Apache-2.0
// The production Rng: libsodium's CSPRNG (getrandom). Cores take Rng&; tests pass a seeded one.
#pragma once

#include "weft/base/rng.hpp"

namespace weft {

class SodiumRng final : public Rng {
 public:
  SodiumRng();  ///< initialises libsodium (idempotent)
  std::uint64_t next() override;
};

}  // namespace weft
