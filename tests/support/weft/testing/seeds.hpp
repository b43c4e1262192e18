// SPDX-License-Identifier: Apache-2.0
// Seeds for simulation tests: a fixed list in CI, or one seed from WEFT_SIM_SEED to replay a
// failure. Every sim test prints the seed it runs (Catch2 INFO shows it on failure).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace weft::testing {

/// Seeds 1..count, or just $WEFT_SIM_SEED when set; count can be raised with WEFT_SIM_SEEDS,
/// and WEFT_SIM_SEED_FIRST starts the run elsewhere (CI and benches split long runs in shards).
inline std::vector<std::uint64_t> sim_seeds(std::uint64_t count) {
  if (const char* one = std::getenv("WEFT_SIM_SEED")) return {std::stoull(one)};
  if (const char* n = std::getenv("WEFT_SIM_SEEDS")) count = std::stoull(n);
  std::uint64_t first = 1;
  if (const char* f = std::getenv("WEFT_SIM_SEED_FIRST")) first = std::stoull(f);
  std::vector<std::uint64_t> seeds;
  for (std::uint64_t s = first; s < first + count; ++s) seeds.push_back(s);
  return seeds;
}

inline std::string replay_hint(std::uint64_t seed) {
  return "replay with WEFT_SIM_SEED=" + std::to_string(seed);
}

}  // namespace weft::testing
