// SPDX-License-Identifier: Apache-2.0
// 128-bit unsigned arithmetic for address maths: addresses as integers, checked add/sub.
#pragma once

#include "weft/base/ip_address.hpp"
#include "weft/base/result.hpp"

#include <string>

namespace weft {

// __extension__ keeps -Wpedantic quiet: __int128 is a GCC/Clang extension, which both of our
// compilers have, and the alternative (a hand-written pair of u64) is more code to get wrong.
__extension__ using u128 = unsigned __int128;

inline constexpr u128 kU128Max = ~u128{0};

/// Builds a u128 from two 64-bit halves.
constexpr u128 make_u128(std::uint64_t high, std::uint64_t low) noexcept {
  return static_cast<u128>(high) << 64 | low;
}
constexpr std::uint64_t u128_high(u128 v) noexcept {
  return static_cast<std::uint64_t>(v >> 64);
}
constexpr std::uint64_t u128_low(u128 v) noexcept {
  return static_cast<std::uint64_t>(v);
}

/// Decimal text of `v` (for sizes in messages and tests; ostreams cannot print __int128).
std::string u128_to_string(u128 v);

/// Largest address value of `family`: 2^32-1 or 2^128-1.
constexpr u128 family_max(IpFamily family) noexcept {
  return family == IpFamily::v4 ? u128{0xffffffffU} : kU128Max;
}

/// All-ones in the low `n` bits, n in [0, 128] (n == 128 is every bit, without UB).
constexpr u128 low_bits_mask(int n) noexcept {
  return n >= 128 ? kU128Max : n <= 0 ? u128{0} : (u128{1} << n) - 1;
}

/// `a + b` into `out`; false (out untouched) when it would wrap past 2^128-1.
constexpr bool checked_add(u128 a, u128 b, u128& out) noexcept {
  if (a > kU128Max - b) return false;
  out = a + b;
  return true;
}
/// `a - b` into `out`; false (out untouched) when b > a.
constexpr bool checked_sub(u128 a, u128 b, u128& out) noexcept {
  if (b > a) return false;
  out = a - b;
  return true;
}

/// The address as an integer in host order (10.0.0.1 is 0x0a000001; ::1 is 1).
u128 to_u128(const IpAddress& address) noexcept;

/// The address of `family` with integer value `value`; out_of_range when value > family_max.
Result<IpAddress> ip_from_u128(IpFamily family, u128 value);

/// `address + n`, same family; out_of_range when the result is past the family's last address.
Result<IpAddress> add(const IpAddress& address, u128 n);
/// `address - n`, same family; out_of_range when the result would be below 0.0.0.0 / ::.
Result<IpAddress> sub(const IpAddress& address, u128 n);

/// Distance `b - a` between two addresses of one family; out_of_range when b < a or the
/// families differ.
Result<u128> distance(const IpAddress& a, const IpAddress& b);

}  // namespace weft
