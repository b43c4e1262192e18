// SPDX-License-Identifier: Apache-2.0
// Rng helpers and the two deterministic generators.
#include "weft/base/rng.hpp"

#include "weft/base/assert.hpp"
#include "weft/base/uint128.hpp"

namespace weft {
namespace {
constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
  return (x << k) | (x >> (64 - k));
}
}  // namespace

std::uint64_t Rng::uniform(std::uint64_t n) {
  WEFT_ASSERT(n > 0, "uniform(0) has no possible result; callers check for an empty choice");
  // Lemire 2019, "Fast random integer generation in an interval": the high half of x*n is
  // uniform once the low half is outside the [0, 2^64 mod n) sliver that would bias it.
  u128 m = static_cast<u128>(next()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    while (low < threshold) {
      m = static_cast<u128>(next()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

std::uint64_t Rng::between(std::uint64_t lo, std::uint64_t hi) {
  WEFT_ASSERT(lo <= hi, "between(lo, hi) needs lo <= hi");
  const std::uint64_t span = hi - lo;
  if (span == UINT64_MAX) return next();
  return lo + uniform(span + 1);
}

double Rng::unit() {
  constexpr double kTwoPowMinus53 = 1.0 / 9007199254740992.0;
  return static_cast<double>(next() >> 11) * kTwoPowMinus53;
}

bool Rng::chance(double p) {
  if (p <= 0.0) return false;
  if (p >= 1.0) return true;
  return unit() < p;
}

std::uint64_t SplitMix64Rng::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Xoshiro256Rng::Xoshiro256Rng(std::uint64_t seed) noexcept {
  SplitMix64Rng seeder(seed);
  for (auto& word : s_) word = seeder.next();
}

std::uint64_t Xoshiro256Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

}  // namespace weft
