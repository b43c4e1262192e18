// SPDX-License-Identifier: Apache-2.0
// The gossiped name registry behind `weft.local.`: which pod names map to which addresses,
// as a CRDT replicated on every peer (DESIGN.md "DNS": per-origin versions, tombstones, no
// wall-clock comparison across hosts). Pure: time comes in as `now` (this host's monotonic
// clock, only ever compared with itself), and the gossip channel is registry_gossiper.hpp.
//
// Data. An entry is (name, address, container) added by one peer, its *origin*; only the
// origin adds or removes its entries. Per origin a peer holds a record:
//   - entries: key -> (version, live|dead). The origin numbers its changes 1, 2, 3...; one
//     add/remove/remove_container is one version, stamped on every entry it touched. A dead
//     entry is a tombstone: it keeps the removal from being undone by a stale live copy.
//   - floor F: every key not listed with a version below F is dead. Tombstones are dropped
//     by raising the floor over them (gc), so "dead" survives without the tombstone.
//   - complete C: this record reflects every change the origin made up to version C (a
//     record from the origin itself or a full record from anyone moves it; a delta only when
//     it starts at or below C). The floor is only ever raised to at most C + 1, since a key
//     the record never heard of below the floor would otherwise be declared dead.
//
// Merge, and why it is commutative, associative and idempotent. Read a record as a total
// function from every possible key to a value in one totally ordered set, pairs compared
// lexicographically with live < dead:
//   listed (v, live|dead) -> (v, live|dead); unlisted -> (F - 1, dead) [bottom when F = 0].
// (For one origin's history "unlisted under the floor" means "killed at or before F - 1", and
// a live write at F - 1 would be listed, so the value is exact.) Merging two records is the
// pointwise maximum of these functions: the floor is the max of the floors (the larger floor
// has the larger unlisted value) and a key is listed unless its maximum is (F - 1, dead),
// which the merged floor says already - so the result represents the maximum exactly. C is
// the max for full records. A pointwise max over a total order is a join-semilattice:
// commutative, associative and idempotent, so replicas that merged the same records are
// equal whatever the order and repetition. Every local change is an inflation (a bigger
// value): add/remove stamp a version above everything seen; gc and forget_origin raise
// floors, which only turns tombstones and unlisted keys into "dead by floor" (gc only where
// the record is complete, so no live entry it has not heard of is killed). (A tombstone
// listed under F - 1 only arises when two histories mix, a restart without memory; gc drops
// it.)
// Equal versions from one origin never disagree, except across a restart without memory
// (below), where dead > live picks one deterministically.
//
// Tombstone lifetime: a tombstone is dropped `tombstone_lifetime` after this peer learned of
// it, on this peer's monotonic clock; nothing about time crosses the wire. Dropping is safe at
// any moment (by raising the floor, above), so a peer partitioned for longer than the lifetime
// cannot bring a removed entry back: either the tombstone or a floor above it is everywhere.
// A record not complete up to a tombstone keeps it until a full record completes it.
//
// Restart without memory. The origin's own record is the truth about itself. When a peer
// merges a record about itself (its old incarnation's, as held by others) that disagrees with
// what it holds - a live entry it does not have, or an entry it has that the merge killed, or a
// version above its own - it answers with a correction at a version above everything seen:
// tombstones for the stale ones and its live entries stamped again. Until it hears from
// anyone (on connection the mesh sends channel state at once) its new entries may be shadowed
// by its old state; after that its record dominates. No incarnation ids are needed.
//
// forget_origin (rmpeer, a peer gone for good): its record becomes "floor above everything
// seen, no entries", an ordinary inflation that spreads by gossip and kills every copy of its
// entries. The record (four numbers) is kept, so stale copies never come back. If the peer
// returns (it was not gone after all, or restarted without memory), it sees its entries dead,
// corrects as above and is visible again: the registry never hides a live peer for good.
// It kills what the forgetting peer knew of: changes the gone peer made that never reached it
// (a partition) survive until someone who has them runs rmpeer again.
#pragma once

#include "weft/base/ip_address.hpp"
#include "weft/base/peer_name.hpp"
#include "weft/base/result.hpp"
#include "weft/base/time.hpp"
#include "weft/dns/wire.hpp"

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::dns {

/// The zone the registry serves: every entry's name is strictly below it.
inline constexpr std::string_view kRegistryZone = "weft.local.";
inline constexpr std::size_t kMaxContainerIdLength = 255;

/// What identifies one entry of an origin. `name` is canonical text (Name::canonical()).
struct EntryKey {
  std::string name;
  IpAddress address;
  std::string container;
  friend auto operator<=>(const EntryKey&, const EntryKey&) = default;
  friend bool operator==(const EntryKey&, const EntryKey&) = default;
};

struct EntryValue {
  std::uint64_t version = 0;  ///< the origin's change that wrote it (>= 1)
  bool live = true;
  friend bool operator==(const EntryValue&, const EntryValue&) = default;
};

/// One origin's record as held or sent. `base` > 0 only in a delta: it then holds the changes
/// in versions (base, complete] (and carries no floor). Stored records have base 0.
struct OriginRecord {
  std::uint64_t base = 0, complete = 0, floor = 0;
  std::map<EntryKey, EntryValue> entries;
  friend bool operator==(const OriginRecord&, const OriginRecord&) = default;
  /// The highest version this record knows of (an origin's next change goes above it).
  [[nodiscard]] std::uint64_t max_version() const;
};

/// Records by origin: a peer's whole state, a delta, or what a merge found new.
using RegistryState = std::map<PeerName, OriginRecord>;

/// A live entry, for lookups' callers and `weft status dns`.
struct Entry {
  Name name;
  IpAddress address;
  std::string container;
  PeerName origin;
};

struct MergeOutcome {
  /// The records (whole) of the origins whose state changed here; empty when nothing did.
  RegistryState news;
  /// This peer corrected its own record (restart without memory, or forgotten while alive):
  /// the caller broadcasts own_record().
  bool corrected_self = false;
};

class Registry {
 public:
  Registry(PeerName self, Duration tombstone_lifetime);

  /// Adds this peer's entry. `name` must be strictly below weft.local. (stored in lower case),
  /// `container` 1..255 printable ASCII bytes, the address not unspecified. Returns the delta
  /// to broadcast, nullopt when the entry was already there.
  Result<std::optional<RegistryState>> add(const Name& name, const IpAddress& address,
                                           std::string_view container, TimePoint now);
  /// Removes this peer's entries with this name (and address, when given); the delta or
  /// nullopt when none matched.
  std::optional<RegistryState> remove(const Name& name, const std::optional<IpAddress>& address,
                                      TimePoint now);
  /// Removes this peer's entries of a container (CNI DEL); the delta or nullopt.
  std::optional<RegistryState> remove_container(std::string_view container, TimePoint now);
  /// Drops every entry of `peer` everywhere (see the header comment); the record to broadcast.
  /// invalid_argument for this peer itself.
  Result<RegistryState> forget_origin(PeerName peer, TimePoint now);

  /// Merges records from a peer (a full state or a delta; validated by the decoder).
  MergeOutcome merge(const RegistryState& in, TimePoint now);
  /// Drops tombstones older than the lifetime, where the floor can cover them.
  void gc(TimePoint now);
  /// When gc next has something to drop (TimePoint::max() when never).
  [[nodiscard]] TimePoint next_gc() const;

  /// Live addresses for a name (any case), from all origins, sorted, without duplicates.
  [[nodiscard]] std::vector<IpAddress> lookup(const Name& name) const;
  /// Live names for an address (for PTR), sorted, without duplicates.
  [[nodiscard]] std::vector<Name> reverse(const IpAddress& address) const;
  /// Every live entry, by origin then key.
  [[nodiscard]] std::vector<Entry> entries() const;

  /// The full state, as gossiped.
  [[nodiscard]] const RegistryState& state() const { return state_; }
  [[nodiscard]] RegistryState own_record() const;
  [[nodiscard]] PeerName self() const { return self_; }
  [[nodiscard]] std::size_t tombstones() const;
  /// Bumped on every change to the state (so whenever live entries may have changed): a
  /// cheap test for whoever keeps its own index over lookup() and reverse().
  [[nodiscard]] std::uint64_t generation() const noexcept { return generation_; }

 private:
  /// Stamps `keys` at the next own version with `live`; the delta.
  RegistryState change_own(const std::vector<EntryKey>& keys, bool live, TimePoint now);
  /// Merges one record into ours; true when ours changed.
  bool merge_record(PeerName origin, const OriginRecord& in, TimePoint now);
  /// After a record about this peer was merged: restores its own entries if needed.
  bool correct_self(const std::map<EntryKey, EntryValue>& before, std::uint64_t before_max,
                    TimePoint now);
  [[nodiscard]] const std::map<EntryKey, EntryValue>& own_entries() const;
  void touch() {
    index_dirty_ = true;
    ++generation_;
  }
  void build_index() const;

  PeerName self_;
  Duration lifetime_;
  RegistryState state_;
  /// When this peer learned of each tombstone, on its own clock; never sent.
  std::map<PeerName, std::map<EntryKey, TimePoint>> died_;
  std::uint64_t generation_ = 0;
  // Lookup indexes over live entries, rebuilt on the first lookup after a change.
  mutable bool index_dirty_ = false;
  mutable std::map<std::string, std::vector<IpAddress>> by_name_;
  mutable std::map<IpAddress, std::vector<std::string>> by_address_;
};

/// The merge on its own (what Registry::merge does to the records, without the restart
/// correction and tombstone times): for tests and the fuzzer.
OriginRecord merge_records(const OriginRecord& a, const OriginRecord& b);

/// parse_error unless `name` is a valid entry name (strictly below weft.local.), saying why.
Result<void> check_entry_name(const Name& name);
Result<void> check_container_id(std::string_view container);

}  // namespace weft::dns
