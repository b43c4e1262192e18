// SPDX-License-Identifier: Apache-2.0
// PeerName: the random 64-bit identity of a weftd, printed as eight colon-separated hex bytes.
#pragma once

#include "weft/base/result.hpp"

#include <compare>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace weft {

/// A peer's name. Zero is reserved as "no peer" (the default value), so is_valid() is false
/// for it and parse() rejects it.
class PeerName {
 public:
  constexpr PeerName() = default;
  constexpr explicit PeerName(std::uint64_t value) noexcept : value_(value) {}

  /// From 64 random bits; a zero draw becomes 1 so the result is always valid.
  static constexpr PeerName from_random(std::uint64_t bits) noexcept {
    return PeerName(bits == 0 ? 1 : bits);
  }

  /// Accepts "0a:1b:2c:3d:4e:5f:60:71" (the to_string form) and "0a1b2c3d4e5f6071" (16 hex
  /// digits), either case; rejects zero and every other form. Never throws.
  static Result<PeerName> parse(std::string_view text);

  [[nodiscard]] constexpr std::uint64_t value() const noexcept { return value_; }
  [[nodiscard]] constexpr bool is_valid() const noexcept { return value_ != 0; }

  /// "0a:1b:2c:3d:4e:5f:60:71", lowercase, always 23 characters.
  [[nodiscard]] std::string to_string() const;

  friend constexpr auto operator<=>(const PeerName&, const PeerName&) = default;
  friend constexpr bool operator==(const PeerName&, const PeerName&) = default;

 private:
  std::uint64_t value_ = 0;
};

std::ostream& operator<<(std::ostream& os, const PeerName& p);

}  // namespace weft

template <>
struct std::hash<weft::PeerName> {
  std::size_t operator()(const weft::PeerName& p) const noexcept {
    return std::hash<std::uint64_t>{}(p.value());
  }
};
