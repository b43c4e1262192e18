// SPDX-License-Identifier: Apache-2.0
// The local allocator: addresses handed to containers from the space the ring says this
// peer owns. Idempotent per key (container id + interface), claims of a given address,
// frees, GC against the live keys. A freed address is not handed out again until the
// search has gone once around this peer's space (a rotating cursor, not lowest-free), so a
// stale peer that still has it in a cache does not reach a new container.
#pragma once

#include "weft/base/cidr.hpp"
#include "weft/base/ip_address.hpp"
#include "weft/ipam/ring.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace weft::ipam {

struct Allocation {
  std::string key;  ///< container id, or id + "/" + interface
  IpAddress address;
  Cidr subnet;  ///< the subnet it was allocated in
  friend bool operator==(const Allocation&, const Allocation&) = default;
};

class Allocator {
 public:
  /// `ring` is this peer's replica (owned elsewhere); `self` is this peer.
  Allocator(PeerName self, const Ring& ring) : self_(self), ring_(ring) {}

  /// The address for `key` in `subnet` (a CIDR inside the range): the one it already holds
  /// there, else a free one in space this peer owns. The subnet's network and broadcast
  /// addresses (IPv4, subnets of 4+ addresses) are never handed out. Errc::unavailable when
  /// this peer owns no free address in the subnet (the caller asks peers for space).
  Result<Allocation> allocate(const std::string& key, const Cidr& subnet);
  /// Records that `key` holds `address` (a container that survived a restart). Fails when
  /// another key holds it or this peer does not own it.
  Result<Allocation> claim(const std::string& key, const IpAddress& address, const Cidr& subnet);
  /// Frees every address of `key`; returns what was freed.
  std::vector<Allocation> free_key(const std::string& key);
  /// Frees one address; false when it was not allocated.
  bool free_address(const IpAddress& address);
  /// Frees the allocations of every key not in `live`; returns them.
  std::vector<Allocation> gc(const std::set<std::string>& live);

  /// Puts back an allocation read from the store at start (no ownership check: the ring
  /// may not be known yet). Fails when the address is outside the range or already held.
  Result<void> restore(const Allocation& a);
  [[nodiscard]] u128 cursor() const { return cursor_; }
  void set_cursor(u128 cursor) { cursor_ = cursor; }
  /// Forgets every allocation (before restoring them again after a failed commit).
  void clear();

  [[nodiscard]] std::vector<Allocation> lookup(const std::string& key) const;
  [[nodiscard]] const std::map<u128, Allocation>& allocations() const { return by_offset_; }
  /// Free addresses this peer owns in the token starting at `token` (for ring reports).
  [[nodiscard]] u128 free_in(const Span& span) const;

 private:
  [[nodiscard]] Result<Span> host_span(const Cidr& subnet) const;

  PeerName self_;
  const Ring& ring_;
  std::map<u128, Allocation> by_offset_;          // offset in the range -> allocation
  std::map<std::string, std::set<u128>> by_key_;  // key -> its offsets
  u128 cursor_ = 0;                               // where the next search starts
};

}  // namespace weft::ipam
