// SPDX-License-Identifier: Apache-2.0
// Conversions between IpAddress and u128, and checked address arithmetic.
#include "weft/base/uint128.hpp"

#include <algorithm>

namespace weft {

std::string u128_to_string(u128 v) {
  if (v == 0) return "0";
  std::string out;
  while (v != 0) {
    out += static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

u128 to_u128(const IpAddress& address) noexcept {
  u128 v = 0;
  for (std::uint8_t b : address.bytes()) v = v << 8 | b;
  return v;
}

Result<IpAddress> ip_from_u128(IpFamily family, u128 value) {
  if (value > family_max(family)) {
    return Error(Errc::out_of_range,
                 u128_to_string(value) + " is larger than any IPv4 address (2^32-1)");
  }
  if (family == IpFamily::v4) return IpAddress::v4(static_cast<std::uint32_t>(value));
  std::array<std::uint8_t, IpAddress::kV6Size> bytes{};
  for (std::size_t i = bytes.size(); i-- > 0;) {
    bytes[i] = static_cast<std::uint8_t>(value);
    value >>= 8;
  }
  return IpAddress::v6(bytes);
}

Result<IpAddress> add(const IpAddress& address, u128 n) {
  u128 v = 0;
  if (!checked_add(to_u128(address), n, v) || v > family_max(address.family())) {
    return Error(Errc::out_of_range, address.to_string() + " + " + u128_to_string(n) +
                                         " is past the last address of its family");
  }
  return ip_from_u128(address.family(), v);
}

Result<IpAddress> sub(const IpAddress& address, u128 n) {
  u128 v = 0;
  if (!checked_sub(to_u128(address), n, v)) {
    return Error(Errc::out_of_range, address.to_string() + " - " + u128_to_string(n) +
                                         " is below the first address of its family");
  }
  return ip_from_u128(address.family(), v);
}

Result<u128> distance(const IpAddress& a, const IpAddress& b) {
  u128 d = 0;
  if (a.family() != b.family() || !checked_sub(to_u128(b), to_u128(a), d)) {
    return Error(Errc::out_of_range, "no distance from " + a.to_string() + " to " + b.to_string() +
                                         " (the second must be the larger, of the same family)");
  }
  return d;
}

}  // namespace weft
