// SPDX-License-Identifier: Apache-2.0
// IpAddress: one IPv4 or IPv6 address as a value, with a strict parser and canonical text form.
#pragma once

#include "weft/base/result.hpp"

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

namespace weft {

enum class IpFamily : std::uint8_t { v4 = 4, v6 = 6 };

/// Number of bits in an address of `family` (32 or 128).
constexpr int address_bits(IpFamily family) noexcept {
  return family == IpFamily::v4 ? 32 : 128;
}

/// An IPv4 or IPv6 address. Both live in one 16-byte array (IPv4 in the first 4 bytes, the
/// rest zero) so the type is trivially copyable and fits in maps and CRDT state as it is.
/// Ordering: every IPv4 address sorts before every IPv6 one, then by numeric value.
/// "::ffff:1.2.3.4" is an IPv6 address (v4-mapped), never silently turned into IPv4.
class IpAddress {
 public:
  static constexpr std::size_t kV4Size = 4;
  static constexpr std::size_t kV6Size = 16;

  /// 0.0.0.0
  constexpr IpAddress() = default;

  /// IPv4 from its value in host order (0x0a200001 is 10.32.0.1).
  static constexpr IpAddress v4(std::uint32_t value) noexcept {
    IpAddress a;
    a.bytes_ = {static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
                static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
    return a;
  }
  static constexpr IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                std::uint8_t d) noexcept {
    IpAddress r;
    r.bytes_ = {a, b, c, d};
    return r;
  }
  /// IPv6 from its 16 bytes in network order.
  static constexpr IpAddress v6(const std::array<std::uint8_t, kV6Size>& bytes) noexcept {
    IpAddress r;
    r.family_ = IpFamily::v6;
    r.bytes_ = bytes;
    return r;
  }
  /// From wire bytes: 4 bytes are IPv4, 16 are IPv6, any other length is an error.
  static Result<IpAddress> from_bytes(std::span<const std::uint8_t> bytes);

  /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text. Rejects surrounding spaces, zone ids
  /// ("fe80::1%eth0"), leading zeros in IPv4 octets (octal ambiguity) and anything else;
  /// never throws.
  static Result<IpAddress> parse(std::string_view text);

  [[nodiscard]] constexpr IpFamily family() const noexcept { return family_; }
  [[nodiscard]] constexpr bool is_v4() const noexcept { return family_ == IpFamily::v4; }
  [[nodiscard]] constexpr bool is_v6() const noexcept { return family_ == IpFamily::v6; }
  [[nodiscard]] constexpr int bits() const noexcept { return address_bits(family_); }

  /// The address in network order: 4 bytes for IPv4, 16 for IPv6 (points into this object).
  [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept {
    return {bytes_.data(), is_v4() ? kV4Size : kV6Size};
  }
  /// The IPv4 value in host order; only meaningful when is_v4().
  [[nodiscard]] constexpr std::uint32_t v4_value() const noexcept {
    return static_cast<std::uint32_t>(bytes_[0]) << 24 |
           static_cast<std::uint32_t>(bytes_[1]) << 16 |
           static_cast<std::uint32_t>(bytes_[2]) << 8 | bytes_[3];
  }

  [[nodiscard]] bool is_unspecified() const noexcept;  ///< 0.0.0.0 or ::
  [[nodiscard]] bool is_loopback() const noexcept;     ///< 127.0.0.0/8 or ::1
  [[nodiscard]] bool is_v4_mapped() const noexcept;    ///< ::ffff:0:0/96

  /// Dotted quad for IPv4; RFC 5952 for IPv6 (lowercase, longest zero run as "::", and
  /// "::ffff:a.b.c.d" for v4-mapped addresses).
  [[nodiscard]] std::string to_string() const;

  friend constexpr auto operator<=>(const IpAddress&, const IpAddress&) = default;
  friend constexpr bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  // Declaration order is the comparison order.
  IpFamily family_ = IpFamily::v4;
  std::array<std::uint8_t, kV6Size> bytes_{};
};

std::ostream& operator<<(std::ostream& os, const IpAddress& a);

}  // namespace weft

template <>
struct std::hash<weft::IpAddress> {
  std::size_t operator()(const weft::IpAddress& a) const noexcept;
};
