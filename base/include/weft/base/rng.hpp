// SPDX-License-Identifier: Apache-2.0
// Rng: the injected source of randomness for pure cores, plus seeded generators for sims/tests.
#pragma once

#include <array>
#include <cstdint>

namespace weft {

/// Pure cores take `Rng&` and never seed or read entropy themselves, so a simulation replays
/// exactly from its seed. The daemon passes a CSPRNG-backed implementation (libsodium).
class Rng {
 public:
  virtual ~Rng() = default;

  /// 64 uniformly distributed bits.
  virtual std::uint64_t next() = 0;

  /// Uniform in [0, n) without modulo bias (Lemire's multiply-and-reject); n must be > 0.
  std::uint64_t uniform(std::uint64_t n);
  /// Uniform in [lo, hi] inclusive; lo <= hi, and the full 64-bit range is allowed.
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi);
  /// Uniform double in [0, 1) with 53 bits of precision.
  double unit();
  /// True with probability p (p <= 0 is never, p >= 1 is always).
  bool chance(double p);

 protected:
  Rng() = default;
  Rng(const Rng&) = default;
  Rng& operator=(const Rng&) = default;
};

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, and the standard way to expand one seed into
/// the state of a bigger generator. Deterministic; not for secrets.
class SplitMix64Rng final : public Rng {
 public:
  explicit SplitMix64Rng(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() override;

 private:
  std::uint64_t state_;
};

/// xoshiro256** 1.0 (Blackman, Vigna): the generator for simulations and tests, seeded through
/// SplitMix64 so that every seed (including 0) gives a well-mixed, non-zero state.
/// Deterministic across platforms for a given seed; not for secrets.
class Xoshiro256Rng final : public Rng {
 public:
  explicit Xoshiro256Rng(std::uint64_t seed) noexcept;
  std::uint64_t next() override;

 private:
  std::array<std::uint64_t, 4> s_{};
};

}  // namespace weft
