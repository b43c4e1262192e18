// SPDX-License-Identifier: Apache-2.0
// MacAddress: a 48-bit Ethernet address, parsed from and printed as "aa:bb:cc:dd:ee:ff".
#pragma once

#include "weft/base/result.hpp"

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace weft {

class MacAddress {
 public:
  static constexpr std::size_t kSize = 6;

  /// 00:00:00:00:00:00
  constexpr MacAddress() = default;
  constexpr explicit MacAddress(const std::array<std::uint8_t, kSize>& bytes) noexcept
      : bytes_(bytes) {}

  /// ff:ff:ff:ff:ff:ff
  static constexpr MacAddress broadcast() noexcept {
    return MacAddress({0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  }

  /// Six two-digit hex bytes separated by ':' or by '-' (one kind throughout), any case.
  /// Rejects every other form (no "aabb.ccdd.eeff", no single-digit bytes); never throws.
  static Result<MacAddress> parse(std::string_view text);

  [[nodiscard]] constexpr const std::array<std::uint8_t, kSize>& bytes() const noexcept {
    return bytes_;
  }

  /// Group bit (I/G) set: multicast, which includes broadcast.
  [[nodiscard]] constexpr bool is_multicast() const noexcept { return (bytes_[0] & 0x01) != 0; }
  [[nodiscard]] constexpr bool is_broadcast() const noexcept { return *this == broadcast(); }
  /// Locally administered bit (U/L) set, as on every MAC weft generates itself.
  [[nodiscard]] constexpr bool is_local() const noexcept { return (bytes_[0] & 0x02) != 0; }
  [[nodiscard]] constexpr bool is_zero() const noexcept { return *this == MacAddress(); }

  /// Lowercase, colon-separated: "0a:58:0a:20:00:01".
  [[nodiscard]] std::string to_string() const;

  friend constexpr auto operator<=>(const MacAddress&, const MacAddress&) = default;
  friend constexpr bool operator==(const MacAddress&, const MacAddress&) = default;

 private:
  std::array<std::uint8_t, kSize> bytes_{};
};

std::ostream& operator<<(std::ostream& os, const MacAddress& m);

}  // namespace weft

template <>
struct std::hash<weft::MacAddress> {
  std::size_t operator()(const weft::MacAddress& m) const noexcept {
    std::uint64_t v = 0;
    for (std::uint8_t b : m.bytes()) v = v << 8 | b;
    return std::hash<std::uint64_t>{}(v);
  }
};
