// SPDX-License-Identifier: Apache-2.0
// A peer's IPAM on the mesh: its ring replica and allocator, the `ipam` gossip channel
// (the ring as a CRDT: broadcast on change, full state as periodic gossip), and space
// requests: an allocation with no local space waits while peers that own space in the
// subnet are asked to donate some, and fails after a timeout with the reason.
//
// Durability (decision 0007): every change is written through the Store in the order made.
// This peer's own ring changes (seed, grant, rmpeer) are committed before anyone hears of
// them, so a restart never reuses a token version. Allocations, frees and ring changes
// learned from peers are collected and committed together by flush() (group commit); an
// allocation's Done runs only after its commit, so an acknowledged address survives kill -9.
#pragma once

#include "weft/base/rng.hpp"
#include "weft/base/time.hpp"
#include "weft/gossip/gossiper.hpp"
#include "weft/ipam/allocator.hpp"
#include "weft/ipam/consensus.hpp"
#include "weft/ipam/persist.hpp"
#include "weft/ipam/ring.hpp"
#include "weft/store/store.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <optional>

namespace weft::ipam {

using namespace std::chrono_literals;

struct IpamConfig {
  PeerName self;
  Cidr range;
  Duration request_timeout = 30s;  ///< an allocation waiting for space fails after this
  Duration retry_interval = 1s;    ///< a space request with no answer goes to another peer
  /// How often at most this peer gossips its free counts (the hints donors are chosen by,
  /// and the "active" figures of `weft status ipam`) after they change.
  Duration free_report_interval = 5s;
  /// Whether the mesh can reach a peer now (the mesh's routes).
  std::function<bool(PeerName)> reachable = [](PeerName) { return true; };
  /// Randomness for the consensus bootstrap (retry jitter); required for start_consensus.
  Rng* rng = nullptr;
  /// Called when uncommitted changes appear: the caller runs flush() soon (group commit).
  std::function<void()> wants_flush = [] {};
};

struct IpamStats {
  std::uint64_t space_requests_sent = 0, space_requests_served = 0, grants = 0;
  std::uint64_t allocations_failed = 0, merge_errors = 0;
  std::uint64_t commits = 0, commit_failures = 0;
};

class Ipam : public gossip::Gossiper {
 public:
  using Done = std::function<void(Result<Allocation>)>;

  /// `store` must outlive the Ipam; call load() before anything else.
  Ipam(IpamConfig config, store::Store& store);

  /// Reads the persisted ring, allocations and waiting allocations (which resume: a retry
  /// with the same key then gets the address they obtain).
  Result<void> load(TimePoint now);
  /// Commits what changed since the last flush, then acknowledges the allocations it held.
  /// On failure nothing is acknowledged (their Done gets the error) and the in-memory state
  /// goes back to what the store holds.
  Result<void> flush();
  [[nodiscard]] bool needs_flush() const {
    return ring_dirty_ || !batch_.empty() || !acks_.empty();
  }

  /// The channel to send on (from Mesh::register_channel).
  void attach(gossip::GossipChannel channel) { channel_.emplace(std::move(channel)); }
  /// Seed bootstrap: every peer given the same names computes the same ring. A ring loaded
  /// from the store is kept when it has the same seeds, and refused with advice otherwise.
  Result<void> seed(const std::vector<PeerName>& seeds);

  /// Consensus bootstrap: agrees with the other peers on the seeds (quorum n/2+1) and
  /// seeds the ring with them; a ring learned from a peer first makes it moot. A restart
  /// resumes with the promises this peer made before (they are stored).
  Result<void> start_consensus(std::size_t n, TimePoint now);
  /// Leaves this peer's ring for another one (after a conflict between two rings): refused
  /// while it holds addresses. Drops the stored ring, remembers its seeds so it is never
  /// taken back, and adopts the next ring with other seeds that arrives.
  Result<void> reset_ring();
  /// The last ring from a peer that could not be merged (another range or other seeds),
  /// with what to do; empty when none since the last reset.
  [[nodiscard]] const std::string& conflict() const { return conflict_; }

  /// The consensus round, when this peer takes part in one.
  [[nodiscard]] const Consensus* consensus() const { return consensus_ ? &*consensus_ : nullptr; }

  /// `done` runs after the allocation is committed (next flush()) when this peer has
  /// space, else later (on_tick, or when space arrives), or with the reason it failed.
  void allocate(std::string key, Cidr subnet, TimePoint now, Done done);
  /// These change memory at once; call flush() before acknowledging them to anyone.
  Result<Allocation> claim(const std::string& key, const IpAddress& address, const Cidr& subnet);
  std::vector<Allocation> free_key(const std::string& key);
  /// The allocation freed, or nullopt when nothing held `address`.
  std::optional<Allocation> free_address(const IpAddress& address);
  std::vector<Allocation> gc(const std::set<std::string>& live);
  /// rmpeer: `peer` is dead; its space passes to heirs everywhere once every peer holding the
  /// ring has acknowledged the removal (decision 0006).
  Result<void> rmpeer(PeerName peer);
  /// Graceful leave, before this host goes for good: grants all of this peer's space to the
  /// reachable peer that owns most (returned), then removes this peer from the ring, so no
  /// later removal waits for its acknowledgement. Refused while it holds addresses, when no
  /// peer is reachable, or when its space borders a removal not settled yet.
  Result<PeerName> leave();

  void on_tick(TimePoint now);
  [[nodiscard]] TimePoint next_deadline() const;

  [[nodiscard]] const Ring& ring() const { return ring_; }
  [[nodiscard]] const Allocator& allocator() const { return allocator_; }
  [[nodiscard]] const IpamStats& stats() const { return stats_; }
  [[nodiscard]] std::size_t pending() const { return pending_.size(); }

  // gossip::Gossiper
  Result<void> on_unicast(PeerName src, std::span<const std::uint8_t> payload) override;
  Result<std::optional<gossip::Bytes>> on_broadcast(PeerName src,
                                                    std::span<const std::uint8_t> payload) override;
  std::optional<gossip::Bytes> gossip() override;
  Result<std::optional<gossip::Bytes>> on_gossip(PeerName src,
                                                 std::span<const std::uint8_t> payload) override;

 private:
  struct Pending {
    std::string key;
    Cidr subnet;
    TimePoint deadline, next_ask;
    Done done;
    std::vector<PeerName> asked;
  };
  /// Merges a ring, slice or join; `acks_only` says whether a whole ring brought nothing but
  /// new members or acks.
  Result<bool> merge_bytes(std::span<const std::uint8_t> payload, bool* acks_only = nullptr);
  /// Commits this peer's own ring change, then broadcasts it; undone when the commit fails.
  Result<void> commit_own_ring_change();
  Result<void> reload();
  /// Memory from what the store holds (ring, allocations, cursor, own consensus entry).
  Result<void> take_persisted(Persisted& p);
  void record(const Allocation& a);
  void record_freed(const std::vector<Allocation>& freed);
  void dirty();
  void report_free_counts();
  /// Joins the ring once this peer holds one, acknowledges removals of peers it cannot
  /// reach, and settles those everyone acknowledged; broadcasts the whole ring if any.
  void keep_membership();
  /// After the consensus state changed: store our own entry before anyone sees it, tell the
  /// neighbours, and seed the ring once decided.
  void consensus_changed();
  Result<std::optional<gossip::Bytes>> on_consensus(std::span<const std::uint8_t> payload);
  void serve_pending(TimePoint now);
  void ask_for_space(Pending& p, TimePoint now);
  void donate(PeerName to, const Cidr& subnet);
  [[nodiscard]] std::string no_space_reason(const Pending& p) const;

  IpamConfig config_;
  store::Store& store_;
  store::Batch batch_;                             // uncommitted changes, in order
  std::vector<std::pair<Done, Allocation>> acks_;  // allocations in batch_
  bool flush_requested_ = false;
  bool ring_dirty_ = false;  // the ring changed since the batch last got it (flush puts it)
  bool free_dirty_ = false;
  TimePoint next_free_report_{};
  Ring ring_;
  Allocator allocator_;
  std::optional<gossip::GossipChannel> channel_;
  std::optional<Consensus> consensus_;
  std::optional<std::size_t> consensus_restart_;  // n, after our entry failed to commit
  std::optional<std::string> stored_consensus_;   // our entry as loaded, for start_consensus
  std::set<std::set<PeerName>> rejected_seeds_;   // rings left by reset_ring
  std::string conflict_;
  bool settle_due_ = true;  // the ring changed since removals were last checked for settling
  std::deque<Pending> pending_;
  TimePoint now_{};
  IpamStats stats_;
};

}  // namespace weft::ipam
