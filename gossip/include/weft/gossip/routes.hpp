// SPDX-License-Identifier: Apache-2.0
// Routes over the established connections of a topology snapshot: unicast next hops
// (shortest path) and per-source broadcast spanning trees. Deterministic: ties break by
// peer name, so every peer with the same topology computes the same trees.
#pragma once

#include "weft/base/peer_name.hpp"
#include "weft/gossip/wire.hpp"

#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace weft::gossip {

using EntryMap = std::map<PeerName, std::shared_ptr<const PeerEntry>>;

class Routes {
 public:
  Routes() = default;
  /// Builds the graph: an edge A-B exists only when both A and B list it as established.
  Routes(const EntryMap& entries, PeerName self);

  /// Next hop from self towards `dst`; nullopt when unreachable or dst is self.
  [[nodiscard]] std::optional<PeerName> next_hop(PeerName dst) const;
  /// Neighbours of self that a broadcast from `src` is forwarded to (self's children in
  /// the shortest-path tree rooted at src). Computed on first use per source.
  [[nodiscard]] const std::vector<PeerName>& broadcast_next(PeerName src) const;
  /// Peers reachable from self (self included).
  [[nodiscard]] std::vector<PeerName> reachable() const;
  [[nodiscard]] bool is_reachable(PeerName p) const;
  /// Established neighbours of self (edges confirmed by both ends).
  [[nodiscard]] std::vector<PeerName> neighbours() const;

 private:
  [[nodiscard]] std::vector<std::uint32_t> bfs_parents(std::uint32_t root) const;

  PeerName self_;
  std::uint32_t self_index_ = 0;
  std::vector<PeerName> names_;                        // index -> name, sorted
  std::unordered_map<PeerName, std::uint32_t> index_;  // name -> index
  std::vector<std::vector<std::uint32_t>> adjacency_;  // sorted by index = by name
  std::vector<std::uint32_t> first_hop_;               // index -> first hop index, or npos
  mutable std::unordered_map<PeerName, std::vector<PeerName>> broadcast_cache_;
};

}  // namespace weft::gossip
