// SPDX-License-Identifier: Apache-2.0
// The gossiped topology: one versioned entry per peer (its nickname and connections).
// Merging keeps the higher version; only a peer changes its own entry; a peer that finds
// a newer copy of its own entry (from before a restart) bumps past it.
#pragma once

#include "weft/gossip/routes.hpp"
#include "weft/gossip/wire.hpp"

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace weft::gossip {

/// Turns a received entry into the shared copy the topology keeps. The default allocates
/// one; a simulator holding thousands of meshes in one process passes one that shares
/// identical entries (same name, incarnation and version) between them.
using EntryInterner = std::function<std::shared_ptr<const PeerEntry>(PeerEntry&&)>;

class Topology {
 public:
  Topology(PeerName self, std::string nickname, std::uint64_t incarnation,
           EntryInterner interner = {});

  [[nodiscard]] PeerName self() const { return self_; }
  [[nodiscard]] const PeerEntry& self_entry() const { return *entries_.at(self_); }

  /// Replaces self's connection list; bumps self's version when it differs.
  bool set_local_connections(std::vector<ConnectionEntry> connections);

  struct Merged {
    std::vector<PeerName> changed;  ///< entries taken (self included when it was bumped)
    std::vector<PeerName> unknown;  ///< peers the taken entries connect to that we lack
  };
  /// Merges received entries: unknown or higher-version entries replace ours.
  Merged merge(std::vector<PeerEntry> entries);

  [[nodiscard]] const PeerEntry* find(PeerName name) const;
  [[nodiscard]] std::shared_ptr<const PeerEntry> shared(PeerName name) const;
  [[nodiscard]] std::uint64_t version_of(PeerName name) const;
  /// True when some entry lists an established connection to `name`. An unknown peer is
  /// worth learning about only then: entries of peers cut off from us would otherwise be
  /// pulled back in after every garbage collection.
  [[nodiscard]] bool is_mentioned(PeerName name) const { return mentions_.count(name) > 0; }
  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  [[nodiscard]] const EntryMap& entries() const { return entries_; }

  /// (name, version) for every entry, sorted by name.
  [[nodiscard]] std::vector<DigestItem> digest() const;
  /// XOR of BLAKE2b-256(name, version) over all entries: equal hashes mean equal
  /// (name, version) sets. Kept up to date incrementally, so checking it costs nothing.
  [[nodiscard]] const std::array<std::uint8_t, 32>& digest_hash() const { return hash_; }
  /// Entries the holder of `theirs` lacks or holds older.
  [[nodiscard]] std::vector<PeerEntry> newer_than(const std::vector<DigestItem>& theirs) const;
  /// True when `theirs` lists an entry we lack or hold older.
  [[nodiscard]] bool behind(const std::vector<DigestItem>& theirs) const;

  /// Routes over the current entries (recomputed after a change, on first use).
  [[nodiscard]] const Routes& routes() const;

  /// Removes entries of peers not reachable from self; returns their names.
  std::vector<PeerName> remove_unreachable();

  /// Approximate bytes held, for memory-per-peer figures.
  [[nodiscard]] std::size_t memory_bytes() const;

 private:
  void put(std::shared_ptr<const PeerEntry> entry);
  void erase(PeerName name);

  PeerName self_;
  EntryInterner interner_;
  EntryMap entries_;                                      // sorted: digests, routes
  std::unordered_map<PeerName, std::uint64_t> versions_;  // O(1) version lookups
  std::unordered_map<PeerName, std::uint32_t> mentions_;  // established connections to a peer
  void count_mentions(const PeerEntry& e, int delta);
  mutable std::optional<Routes> routes_;
  std::array<std::uint8_t, 32> hash_{};
};

}  // namespace weft::gossip
