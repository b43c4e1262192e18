// SPDX-License-Identifier: Apache-2.0
// Agreement on the peers that seed the ring (`--ipalloc-init consensus=N`): single-decree
// Paxos over gossip, after Weave Net's GossipPaxos (weave ipam/paxos/paxos.go). Pure: time
// and randomness come in as arguments.
//
// Every participant gossips a map from peer name to that peer's own Paxos state. Only the
// named peer changes its entry, bumping `version`, so maps merge by taking the higher
// version per entry (a CRDT), and an entry is a snapshot of one peer at one moment.
// Raising `promised` is the promise (Paxos 1b); a proposer accepting its own ballot is the
// accept request (2a); others copying that acceptance is 2b. Chosen: Q = n/2 + 1 entries
// hold the same accepted ballot.
//
// Why two peers cannot decide different sets (given at most 2Q - 1 participants, so any
// two sets of Q entries share a peer, and every peer stores its own entry before gossiping
// it or acting on a decision):
// 1. A peer's promised and accepted ballots never decrease and it accepts only the ballot
//    it promised, so an entry promising B shows the highest ballot below B that this peer
//    has accepted or ever will.
// 2. Only B's proposer picks B's value, once (its acceptance of B is stored before it is
//    gossiped), so every acceptance of B carries the same value.
// 3. If v was chosen at b and c > b is the next ballot to get a value, c's Q promisers
//    include an acceptor of b whose promise of c shows an accepted ballot in [b, c), which
//    carries v by induction; c's proposer takes the highest such, so c gets v too.
//
// Differences from Weave's rules:
// - Whole entries merge by version (Weave takes the higher promise and acceptance field by
//   field). A copy of our own entry newer than ours (our stored state was lost) is folded
//   in field by field, so we keep every promise either incarnation gossiped.
// - Decided means Q entries with the same accepted ballot (Weave counts acceptances by the
//   value's original ballot across different ballots, which is not Paxos's "chosen").
// - A proposer picks its ballot's value once (Weave recomputes it; same result).
// - A decided peer stops proposing but still promises and accepts, so peers that have not
//   decided yet can always gather a quorum (Weave's node stops; its ring spreads instead).
// - No per-start UID: restore_self keeps a restarted peer's promises under its name.
// - Messages carry n; peers with different n refuse each other's state.
//
//   consensus := u8 kind=3, u32 n, u32 count, count x entry   (names strictly increasing)
//   entry     := u64 name, u64 version, ballot promised, ballot accepted,
//                u32 m, m x u64 value                          (value strictly increasing)
//   ballot    := u64 round, u64 proposer                       (0, 0 for none)
#pragma once

#include "weft/base/peer_name.hpp"
#include "weft/base/result.hpp"
#include "weft/base/rng.hpp"
#include "weft/base/time.hpp"

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

namespace weft::ipam {

inline constexpr std::uint8_t kConsensusMessage = 3;

/// A proposal number: rounds start at 1; round 0 is "none" and precedes every proposal.
struct Ballot {
  std::uint64_t round = 0;
  PeerName proposer{};
  [[nodiscard]] bool valid() const { return round > 0; }
  friend auto operator<=>(const Ballot&, const Ballot&) = default;
  friend bool operator==(const Ballot&, const Ballot&) = default;
};

/// One peer's Paxos state, changed only by that peer.
struct NodeState {
  std::uint64_t version = 1;    ///< bumped by every change; merge keeps the higher
  Ballot promised;              ///< accepts nothing below this
  Ballot accepted;              ///< <= promised; none until it accepts
  std::vector<PeerName> value;  ///< accepted's value, sorted; empty iff accepted is none
  friend bool operator==(const NodeState&, const NodeState&) = default;
};

struct ConsensusMessage {
  std::uint32_t n = 0;
  std::map<PeerName, NodeState> nodes;
  friend bool operator==(const ConsensusMessage&, const ConsensusMessage&) = default;
};

std::vector<std::uint8_t> encode_consensus(const ConsensusMessage& m);
/// parse_error (saying what) for anything but a canonical encoding of consistent states.
Result<ConsensusMessage> decode_consensus(std::span<const std::uint8_t> bytes);

class Consensus {
 public:
  static constexpr Duration kRetryBase = std::chrono::seconds(1);
  static constexpr Duration kRetryMax = std::chrono::seconds(10);

  /// `n` >= 1 peers are expected; quorum() = n/2 + 1.
  Consensus(PeerName self, std::size_t n);

  [[nodiscard]] std::size_t n() const { return n_; }
  [[nodiscard]] std::size_t quorum() const { return n_ / 2 + 1; }
  /// Entries held (participants seen, this peer included once started).
  [[nodiscard]] std::size_t known() const { return nodes_.size(); }
  [[nodiscard]] bool started() const { return started_; }

  /// Takes part from now on (adds this peer's entry unless restored). Until then the
  /// object only observes: it merges and can learn the decision.
  void start(TimePoint now, Rng& rng);
  /// Takes a peer's encode(). Fails, changing nothing, on bad bytes or another n.
  /// Returns whether anything changed.
  Result<bool> merge(std::span<const std::uint8_t> bytes, TimePoint now);
  /// Proposes when the retry deadline has passed, quorum peers are known and nothing is
  /// decided.
  void on_tick(TimePoint now, Rng& rng);
  /// When on_tick next has something to do (TimePoint::max() when nothing will).
  [[nodiscard]] TimePoint next_deadline() const;

  /// The whole map, for gossip. Persist encode_self() first when take_self_changed().
  [[nodiscard]] std::vector<std::uint8_t> encode() const;
  /// The agreed peers, sorted, once Q entries accepted the same ballot. Our own entry may
  /// be one of them: store it (take_self_changed) before acting on the decision.
  [[nodiscard]] const std::optional<std::vector<PeerName>>& decided() const { return decided_; }
  [[nodiscard]] const std::map<PeerName, NodeState>& nodes() const { return nodes_; }

  /// This peer's own entry alone (no entry before start or restore), to store.
  [[nodiscard]] std::vector<std::uint8_t> encode_self() const;
  /// Takes back a stored encode_self() after a restart; fails, changing nothing, on bad
  /// bytes, another n, or another peer's entry.
  Result<void> restore_self(std::span<const std::uint8_t> bytes);
  /// Whether this peer's own entry changed since the last call: if so, store
  /// encode_self() before gossiping or acting on decided(), or a restart could break a
  /// promise or acceptance already counted.
  bool take_self_changed();

 private:
  bool fold_self(const NodeState& other);
  void set_self(NodeState next);
  void think(TimePoint now);
  void propose(TimePoint now);
  [[nodiscard]] std::optional<std::vector<PeerName>> phase2_value(const NodeState& me) const;
  void update_decision();
  [[nodiscard]] Duration retry_delay(Rng& rng) const;

  PeerName self_;
  std::size_t n_;
  std::map<PeerName, NodeState> nodes_;
  bool started_ = false;
  bool self_changed_ = false;
  std::optional<std::vector<PeerName>> decided_;
  Duration backoff_ = kRetryBase;
  TimePoint deadline_ = TimePoint::max();
};

}  // namespace weft::ipam
