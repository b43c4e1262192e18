// SPDX-License-Identifier: Apache-2.0
// Cidr construction, parsing and containment, done on the address as a u128.
#include "weft/base/cidr.hpp"

#include "weft/base/assert.hpp"

#include "text_util.hpp"

#include <ostream>

namespace weft {
namespace {

// Text longer than the longest valid IPv6 address plus "/128" cannot be a prefix.
constexpr std::size_t kMaxTextLength = 72;

u128 host_mask(IpFamily family, int prefix_length) {
  return low_bits_mask(address_bits(family) - prefix_length);
}

IpAddress from_value(IpFamily family, u128 v) {
  auto r = ip_from_u128(family, v);
  WEFT_ASSERT(r, "a value masked within the family's bits always fits the family");
  return *r;
}

Result<Cidr> parse_impl(std::string_view text, bool lenient) {
  if (text.size() > kMaxTextLength) {
    return Error(Errc::parse_error, detail::quote(text) + " is not a CIDR: too long");
  }
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return Error(Errc::parse_error,
                 detail::quote(text) + " is not a CIDR: missing '/prefix-length'");
  }
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return address.error().wrap(detail::quote(text) + " is not a CIDR");
  const std::string_view len_text = text.substr(slash + 1);
  const auto len = detail::parse_decimal(len_text, 3, static_cast<std::uint32_t>(address->bits()));
  if (!len) {
    return Error(Errc::parse_error, detail::quote(text) + " is not a CIDR: prefix length " +
                                        detail::quote(len_text) + " is not a number 0-" +
                                        std::to_string(address->bits()));
  }
  const int prefix = static_cast<int>(*len);
  if (lenient) return Cidr::make_masked(*address, prefix);
  // make()'s message already quotes the canonical form the user probably meant.
  return Cidr::make(*address, prefix);
}

}  // namespace

Result<Cidr> Cidr::make(const IpAddress& address, int prefix_length) {
  auto masked = make_masked(address, prefix_length);
  if (!masked) return masked;
  if (masked->address_ != address) {
    return Error(Errc::invalid_argument, address.to_string() + "/" + std::to_string(prefix_length) +
                                             " has host bits set; did you mean " +
                                             masked->to_string() + "?");
  }
  return masked;
}

Result<Cidr> Cidr::make_masked(const IpAddress& address, int prefix_length) {
  if (prefix_length < 0 || prefix_length > address.bits()) {
    return Error(Errc::out_of_range, "prefix length " + std::to_string(prefix_length) +
                                         " is outside 0-" + std::to_string(address.bits()) +
                                         " for " + address.to_string());
  }
  const u128 v = to_u128(address) & ~host_mask(address.family(), prefix_length);
  return Cidr(from_value(address.family(), v), prefix_length);
}

Result<Cidr> Cidr::parse(std::string_view text) {
  return parse_impl(text, false);
}

Result<Cidr> Cidr::parse_lenient(std::string_view text) {
  return parse_impl(text, true);
}

IpAddress Cidr::last() const {
  return from_value(family(), to_u128(address_) | host_mask(family(), prefix_length_));
}

u128 Cidr::size() const noexcept {
  const int host_bits = address_.bits() - prefix_length_;
  return host_bits >= 128 ? kU128Max : u128{1} << host_bits;
}

IpAddress Cidr::netmask() const {
  return from_value(family(), family_max(family()) & ~host_mask(family(), prefix_length_));
}

bool Cidr::contains(const IpAddress& a) const noexcept {
  if (a.family() != family()) return false;
  return (to_u128(a) & ~host_mask(family(), prefix_length_)) == to_u128(address_);
}

bool Cidr::contains(const Cidr& other) const noexcept {
  return other.prefix_length_ >= prefix_length_ && contains(other.address_);
}

std::string Cidr::to_string() const {
  return address_.to_string() + "/" + std::to_string(prefix_length_);
}

std::ostream& operator<<(std::ostream& os, const Cidr& c) {
  return os << c.to_string();
}

}  // namespace weft
