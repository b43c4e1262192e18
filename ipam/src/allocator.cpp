// SPDX-License-Identifier: Apache-2.0
#include "weft/ipam/allocator.hpp"

#include "weft/base/uint128.hpp"

namespace weft::ipam {

Result<Span> Allocator::host_span(const Cidr& subnet) const {
  const Cidr& range = ring_.range();
  if (subnet.family() != range.family() || !range.contains(subnet)) {
    return Error(Errc::invalid_argument, "subnet " + subnet.to_string() +
                                             " is not inside the IPAM range " + range.to_string() +
                                             "; pick a subnet of it (or change --ipalloc-range)");
  }
  const u128 base = to_u128(range.first());
  Span s{to_u128(subnet.first()) - base, to_u128(subnet.first()) - base + subnet.size()};
  // The network and broadcast addresses of an IPv4 subnet are not for containers.
  if (subnet.family() == IpFamily::v4 && subnet.size() >= 4) {
    ++s.start;
    --s.end;
  }
  return s;
}

Result<Allocation> Allocator::allocate(const std::string& key, const Cidr& subnet) {
  auto hosts = host_span(subnet);
  if (!hosts) return hosts.error();
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    for (auto off : it->second) {
      if (by_offset_.at(off).subnet == subnet) return by_offset_.at(off);  // idempotent
    }
  }
  // Candidate spans: what we own, cut to the subnet's host addresses, searched from the
  // cursor onwards and then from the start (one pass around).
  std::vector<Span> spans;
  for (const auto& s : ring_.spans_of(self_)) {
    const Span c{std::max(s.start, hosts->start), std::min(s.end, hosts->end)};
    if (c.start < c.end) spans.push_back(c);
  }
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& s : spans) {
      u128 p = pass == 0 ? std::max(s.start, cursor_) : s.start;
      const u128 stop = pass == 0 ? s.end : std::min(s.end, cursor_);
      for (auto it = by_offset_.lower_bound(p); p < stop; ++p, ++it) {
        if (it == by_offset_.end() || it->first != p) {
          const Allocation a{
              key, *ip_from_u128(subnet.family(), to_u128(ring_.range().first()) + p), subnet};
          by_offset_.emplace(p, a);
          by_key_[key].insert(p);
          cursor_ = p + 1;
          return a;
        }
      }
    }
  }
  return Error(Errc::unavailable, "this peer owns no free address in " + subnet.to_string());
}

Result<Allocation> Allocator::claim(const std::string& key, const IpAddress& address,
                                    const Cidr& subnet) {
  auto hosts = host_span(subnet);
  if (!hosts) return hosts.error();
  if (!subnet.contains(address)) {
    return Error(Errc::invalid_argument,
                 "address " + address.to_string() + " is not in subnet " + subnet.to_string());
  }
  const u128 off = to_u128(address) - to_u128(ring_.range().first());
  if (off < hosts->start || off >= hosts->end) {
    return Error(
        Errc::invalid_argument,
        address.to_string() + " is the network or broadcast address of " + subnet.to_string());
  }
  if (auto it = by_offset_.find(off); it != by_offset_.end()) {
    if (it->second.key == key) return it->second;
    return Error(Errc::already_exists,
                 address.to_string() + " is held by " + it->second.key + "; free it first");
  }
  const auto owner = ring_.owner_of(off);
  if (owner != self_) {
    return Error(Errc::unavailable,
                 address.to_string() + " is owned by " +
                     (owner ? "peer " + owner->to_string() : std::string("no peer")) +
                     ", not this one; ask that peer for it");
  }
  const Allocation a{key, address, subnet};
  by_offset_.emplace(off, a);
  by_key_[key].insert(off);
  return a;
}

std::vector<Allocation> Allocator::free_key(const std::string& key) {
  std::vector<Allocation> out;
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return out;
  for (auto off : it->second) {
    out.push_back(by_offset_.at(off));
    by_offset_.erase(off);
  }
  by_key_.erase(it);
  return out;
}

bool Allocator::free_address(const IpAddress& address) {
  if (address.family() != ring_.range().family() || !ring_.range().contains(address)) return false;
  const u128 off = to_u128(address) - to_u128(ring_.range().first());
  auto it = by_offset_.find(off);
  if (it == by_offset_.end()) return false;
  auto k = by_key_.find(it->second.key);
  k->second.erase(off);
  if (k->second.empty()) by_key_.erase(k);
  by_offset_.erase(it);
  return true;
}

std::vector<Allocation> Allocator::gc(const std::set<std::string>& live) {
  std::vector<std::string> dead;
  for (const auto& [key, offs] : by_key_) {
    if (live.count(key) == 0) dead.push_back(key);
  }
  std::vector<Allocation> out;
  for (const auto& key : dead) {
    auto freed = free_key(key);
    out.insert(out.end(), freed.begin(), freed.end());
  }
  return out;
}

Result<void> Allocator::restore(const Allocation& a) {
  const Cidr& range = ring_.range();
  if (a.address.family() != range.family() || !range.contains(a.address)) {
    return Error(Errc::invalid_argument,
                 a.address.to_string() + " is outside the IPAM range " + range.to_string());
  }
  const u128 off = to_u128(a.address) - to_u128(range.first());
  if (!by_offset_.emplace(off, a).second) {
    return Error(Errc::already_exists, a.address.to_string() + " is held twice in the store");
  }
  by_key_[a.key].insert(off);
  return ok();
}

void Allocator::clear() {
  by_offset_.clear();
  by_key_.clear();
  cursor_ = 0;
}

std::vector<Allocation> Allocator::lookup(const std::string& key) const {
  std::vector<Allocation> out;
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    for (auto off : it->second) out.push_back(by_offset_.at(off));
  }
  return out;
}

u128 Allocator::free_in(const Span& span) const {
  u128 used = 0;
  for (auto it = by_offset_.lower_bound(span.start); it != by_offset_.end() && it->first < span.end;
       ++it) {
    ++used;
  }
  return span.size() - used;
}

}  // namespace weft::ipam
