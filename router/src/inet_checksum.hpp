// SPDX-License-Identifier: Apache-2.0
// The Internet checksum (RFC 1071) and big-endian 16-bit access, for the frames weftd
// builds or repairs itself (pmtu.cpp's ICMP answers, offload.cpp's segments). Private to
// the router module.
#pragma once

#include <cstddef>
#include <cstdint>

namespace weft::router::detail {

inline std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
inline void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
/// The ones'-complement sum of 16-bit big-endian words (an odd last byte padded with
/// zero), added to `acc`; not yet folded or complemented, so sums can be chained.
inline std::uint64_t checksum_sum(const std::uint8_t* p, std::size_t n, std::uint64_t acc = 0) {
  for (std::size_t i = 0; i + 1 < n; i += 2) acc += be16(p + i);
  if (n % 2 != 0) acc += static_cast<std::uint64_t>(p[n - 1]) << 8;
  return acc;
}
/// Folds a sum to 16 bits and complements it: the value a checksum field holds.
inline std::uint16_t checksum_fold(std::uint64_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(~acc);
}

}  // namespace weft::router::detail
