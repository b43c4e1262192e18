// SPDX-License-Identifier: Apache-2.0
// IpRange set operations and the split into CIDRs, done on u128 first/last values.
#include "weft/base/ip_range.hpp"

#include "weft/base/assert.hpp"

#include <algorithm>
#include <ostream>

namespace weft {
namespace {

IpAddress address_of(IpFamily family, u128 v) {
  auto r = ip_from_u128(family, v);
  WEFT_ASSERT(r, "range bounds are kept within the family");
  return *r;
}

int trailing_zeros(u128 v, int bits) {
  if (v == 0) return bits;
  int n = 0;
  while ((v & 1) == 0) {
    v >>= 1;
    ++n;
  }
  return n;
}

}  // namespace

Result<IpRange> IpRange::make(const IpAddress& start, const IpAddress& end) {
  if (start.family() != end.family() || end < start) {
    return Error(Errc::invalid_argument, "[" + start.to_string() + ", " + end.to_string() +
                                             ") is not a range: the end must not be below the "
                                             "start, and both must be of one family");
  }
  if (start == end) return IpRange(start.family(), to_u128(start), to_u128(start), true);
  return IpRange(start.family(), to_u128(start), to_u128(end) - 1, false);
}

Result<IpRange> IpRange::make_inclusive(const IpAddress& first, const IpAddress& last) {
  if (first.family() != last.family() || last < first) {
    return Error(Errc::invalid_argument, first.to_string() + "-" + last.to_string() +
                                             " is not a range: the last address must not be "
                                             "below the first, and both must be of one family");
  }
  return IpRange(first.family(), to_u128(first), to_u128(last), false);
}

IpRange IpRange::from_cidr(const Cidr& cidr) {
  return IpRange(cidr.family(), to_u128(cidr.first()), to_u128(cidr.last()), false);
}

IpRange IpRange::empty_range(IpFamily family) {
  return IpRange(family, 0, 0, true);
}

IpAddress IpRange::start() const {
  return address_of(family_, first_);
}

std::optional<IpAddress> IpRange::end() const {
  if (empty_) return start();
  if (last_ == family_max(family_)) return std::nullopt;
  return address_of(family_, last_ + 1);
}

IpAddress IpRange::last() const {
  WEFT_ASSERT(!empty_, "an empty range has no last address; check empty() first");
  return address_of(family_, last_);
}

u128 IpRange::size() const noexcept {
  if (empty_) return 0;
  const u128 span = last_ - first_;
  return span == kU128Max ? kU128Max : span + 1;
}

bool IpRange::contains(const IpAddress& a) const noexcept {
  if (empty_ || a.family() != family_) return false;
  const u128 v = to_u128(a);
  return first_ <= v && v <= last_;
}

bool IpRange::contains(const IpRange& other) const noexcept {
  if (other.family_ != family_) return false;
  if (other.empty_) return true;
  return !empty_ && first_ <= other.first_ && other.last_ <= last_;
}

bool IpRange::overlaps(const IpRange& other) const noexcept {
  return !intersect(other).empty();
}

IpRange IpRange::intersect(const IpRange& other) const noexcept {
  if (empty_ || other.empty_ || family_ != other.family_) return empty_range(family_);
  const u128 lo = std::max(first_, other.first_);
  const u128 hi = std::min(last_, other.last_);
  if (lo > hi) return empty_range(family_);
  return IpRange(family_, lo, hi, false);
}

std::vector<Cidr> IpRange::to_cidrs() const {
  std::vector<Cidr> out;
  if (empty_) return out;
  const int bits = address_bits(family_);
  u128 at = first_;
  while (true) {
    // The largest block aligned at `at` that does not run past last_.
    int host_bits = trailing_zeros(at, bits);
    while (host_bits > 0 && last_ - at < low_bits_mask(host_bits)) --host_bits;
    const u128 block_last = at + low_bits_mask(host_bits);
    auto cidr = Cidr::make(address_of(family_, at), bits - host_bits);
    WEFT_ASSERT(cidr, "the block is aligned to its size, so it has no host bits");
    out.push_back(*cidr);
    if (block_last == last_) break;
    at = block_last + 1;
  }
  return out;
}

std::string IpRange::to_string() const {
  if (empty_) return "empty";
  return start().to_string() + "-" + last().to_string();
}

bool operator==(const IpRange& a, const IpRange& b) noexcept {
  if (a.family_ != b.family_ || a.empty_ != b.empty_) return false;
  return a.empty_ || (a.first_ == b.first_ && a.last_ == b.last_);
}

std::ostream& operator<<(std::ostream& os, const IpRange& r) {
  return os << r.to_string();
}

}  // namespace weft
