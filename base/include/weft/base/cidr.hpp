// SPDX-License-Identifier: Apache-2.0
// Cidr: a network prefix such as 10.32.0.0/12 or fd00::/64, always with its host bits zero.
#pragma once

#include "weft/base/ip_address.hpp"
#include "weft/base/result.hpp"
#include "weft/base/uint128.hpp"

#include <compare>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace weft {

/// A prefix: the network address (host bits always zero, an invariant every constructor
/// keeps) and a prefix length in [0, 32] for IPv4 or [0, 128] for IPv6.
/// Ordering: by address, then by prefix length (so 10.0.0.0/8 sorts before 10.0.0.0/16).
class Cidr {
 public:
  /// 0.0.0.0/0
  Cidr() = default;

  /// Strict: out_of_range when the prefix is too long for the family, invalid_argument when
  /// `address` has host bits set (the message names the canonical form).
  static Result<Cidr> make(const IpAddress& address, int prefix_length);
  /// Clears host bits of `address`; out_of_range only when the prefix is too long.
  static Result<Cidr> make_masked(const IpAddress& address, int prefix_length);

  /// Parses "ADDRESS/LEN" strictly: host bits must be zero ("10.32.0.1/12 has host bits set;
  /// did you mean 10.32.0.0/12?"), LEN is decimal without leading zeros. Never throws.
  static Result<Cidr> parse(std::string_view text);
  /// Like parse, but clears host bits instead of rejecting them ("10.32.0.1/12" gives
  /// 10.32.0.0/12), for interface-style "address/len" text where the address is a host.
  static Result<Cidr> parse_lenient(std::string_view text);

  [[nodiscard]] const IpAddress& address() const noexcept { return address_; }
  [[nodiscard]] int prefix_length() const noexcept { return prefix_length_; }
  [[nodiscard]] IpFamily family() const noexcept { return address_.family(); }

  /// First address (the network address itself).
  [[nodiscard]] const IpAddress& first() const noexcept { return address_; }
  /// Last address (all host bits set).
  [[nodiscard]] IpAddress last() const;
  /// Number of addresses, 2^(bits - prefix). ::/0 has 2^128, which does not fit: it
  /// saturates to 2^128-1 (kU128Max); use last() when the exact end matters.
  [[nodiscard]] u128 size() const noexcept;
  /// The netmask as an address of the same family (255.240.0.0 for /12).
  [[nodiscard]] IpAddress netmask() const;

  [[nodiscard]] bool contains(const IpAddress& a) const noexcept;
  /// True when every address of `other` is in this prefix (same family, not shorter).
  [[nodiscard]] bool contains(const Cidr& other) const noexcept;

  /// "10.32.0.0/12", "fd00::/64".
  [[nodiscard]] std::string to_string() const;

  friend auto operator<=>(const Cidr&, const Cidr&) = default;
  friend bool operator==(const Cidr&, const Cidr&) = default;

 private:
  Cidr(const IpAddress& address, int prefix_length)
      : address_(address), prefix_length_(prefix_length) {}

  IpAddress address_;
  int prefix_length_ = 0;
};

std::ostream& operator<<(std::ostream& os, const Cidr& c);

}  // namespace weft

template <>
struct std::hash<weft::Cidr> {
  std::size_t operator()(const weft::Cidr& c) const noexcept {
    return std::hash<weft::IpAddress>{}(c.address()) * 131 +
           static_cast<std::size_t>(c.prefix_length());
  }
};
