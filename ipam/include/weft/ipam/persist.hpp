// SPDX-License-Identifier: Apache-2.0
// What IPAM keeps in the store (namespace "ipam"), and reading it back at start:
//
//   ring                  encode_ring(ring)                   (wire.hpp)
//   alloc/<32 hex>        "<subnet> <key>"  one per address held, by offset in the range
//   cursor                <32 hex>  where the next search for a free address starts
//   pending/<key>         "<subnet>"  an allocation waiting for space (not acknowledged)
//   consensus             this peer's own Paxos state (consensus.hpp), when bootstrapping
//
// Offsets are fixed-width hex so that the store's key order is address order.
#pragma once

#include "weft/base/result.hpp"
#include "weft/ipam/allocator.hpp"
#include "weft/ipam/ring.hpp"
#include "weft/store/batch.hpp"
#include "weft/store/store.hpp"

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace weft::ipam {

inline constexpr std::string_view kStoreNs = "ipam";

void put_ring(store::Batch& b, const Ring& ring);
void put_allocation(store::Batch& b, u128 offset, const Allocation& a);
void erase_allocation(store::Batch& b, u128 offset);
void put_cursor(store::Batch& b, u128 cursor);
void put_pending(store::Batch& b, const std::string& key, const Cidr& subnet);
void erase_pending(store::Batch& b, const std::string& key);
void put_consensus(store::Batch& b, std::span<const std::uint8_t> state);
void erase_ring_and_consensus(store::Batch& b);
/// Seed sets of rings this peer left (`weft ipam reset`), one per line of names.
void put_rejected(store::Batch& b, const std::set<std::set<PeerName>>& rejected);

/// IPAM's state as the store holds it.
struct Persisted {
  std::optional<Ring> ring;
  std::vector<Allocation> allocations;
  u128 cursor = 0;
  std::map<std::string, Cidr> pending;
  std::optional<std::string> consensus;
  std::set<std::set<PeerName>> rejected;
};

/// Reads the state back. Fails with what to do when it belongs to another range (the flag
/// changed) or a record is damaged.
Result<Persisted> load_persisted(store::Store& store, const Cidr& range);

}  // namespace weft::ipam
