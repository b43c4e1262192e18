// SPDX-License-Identifier: Apache-2.0
// IpRange: a half-open run of addresses [start, end) of one family, and its split into CIDRs.
#pragma once

#include "weft/base/cidr.hpp"
#include "weft/base/ip_address.hpp"
#include "weft/base/result.hpp"
#include "weft/base/uint128.hpp"

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace weft {

/// A half-open range [start, end) within one family. Stored as first/last (inclusive) plus an
/// empty flag, because "one past the end" of a range reaching ffff:...:ffff (or
/// 255.255.255.255) is not an address; end() says so with nullopt.
/// Two empty ranges of one family are equal wherever they start.
class IpRange {
 public:
  /// The empty IPv4 range at 0.0.0.0.
  IpRange() = default;

  /// [start, end): invalid_argument when the families differ or end < start; start == end is
  /// an empty range at start.
  static Result<IpRange> make(const IpAddress& start, const IpAddress& end);
  /// [first, last] inclusive: invalid_argument when the families differ or last < first.
  static Result<IpRange> make_inclusive(const IpAddress& first, const IpAddress& last);
  /// Every address of `cidr`.
  static IpRange from_cidr(const Cidr& cidr);
  /// The empty range of `family` (at its first address).
  static IpRange empty_range(IpFamily family);

  [[nodiscard]] IpFamily family() const noexcept { return family_; }
  [[nodiscard]] bool empty() const noexcept { return empty_; }
  /// First address; for an empty range, where it sits.
  [[nodiscard]] IpAddress start() const;
  /// One past the last address; nullopt when the range runs to the family's last address.
  [[nodiscard]] std::optional<IpAddress> end() const;
  /// Last address (inclusive); the range must not be empty.
  [[nodiscard]] IpAddress last() const;
  /// start and last as integers, for arithmetic (see uint128.hpp).
  [[nodiscard]] u128 start_value() const noexcept { return first_; }
  [[nodiscard]] u128 last_value() const noexcept { return last_; }
  /// Number of addresses; all of IPv6 (2^128) saturates to 2^128-1 (kU128Max).
  [[nodiscard]] u128 size() const noexcept;

  [[nodiscard]] bool contains(const IpAddress& a) const noexcept;
  /// True when every address of `other` is in this range; an empty `other` of the same
  /// family is contained in any range.
  [[nodiscard]] bool contains(const IpRange& other) const noexcept;
  /// True when the ranges share at least one address.
  [[nodiscard]] bool overlaps(const IpRange& other) const noexcept;
  /// The addresses in both ranges; an empty range of this family when there are none.
  [[nodiscard]] IpRange intersect(const IpRange& other) const noexcept;

  /// The fewest CIDRs that cover exactly this range, in address order (empty for an empty
  /// range). At most 2 * address_bits(family) entries.
  [[nodiscard]] std::vector<Cidr> to_cidrs() const;

  /// "10.0.0.0-10.0.0.255" (inclusive ends, as people write ranges), "empty" when empty.
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const IpRange& a, const IpRange& b) noexcept;

 private:
  IpRange(IpFamily family, u128 first, u128 last, bool empty)
      : family_(family), first_(first), last_(last), empty_(empty) {}

  IpFamily family_ = IpFamily::v4;
  u128 first_ = 0;
  u128 last_ = 0;  // meaningful only when !empty_
  bool empty_ = true;
};

std::ostream& operator<<(std::ostream& os, const IpRange& r);

}  // namespace weft
