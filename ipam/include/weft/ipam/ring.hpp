// SPDX-License-Identifier: Apache-2.0
// The address ring: the IPAM range split by tokens, each token owned by a peer. A CRDT:
// replicas merge by taking the higher version per token and the union of removed peers,
// and every peer that applies the same updates computes the same owners.
//
// Positions are offsets from the start of the range (u128, so IPv4 and IPv6 ranges work
// alike). Token 0 exists in every non-empty ring, so a token's range is [token, next token)
// (the last token's runs to the end of the range).
//
// Removed peers (`weft rmpeer`) are tombstones: their tokens stay, and the range of such a
// token belongs to its heir, the owner of the nearest preceding token whose owner is not
// removed (wrapping around). The heir is computed, never written, so two hosts that
// remove the same dead peer at once, on two sides of a partition, cannot produce two
// owners: decision 0006 has the argument.
#pragma once

#include "weft/base/cidr.hpp"
#include "weft/base/peer_name.hpp"
#include "weft/base/result.hpp"
#include "weft/base/uint128.hpp"

#include <map>
#include <optional>
#include <set>
#include <vector>

namespace weft::ipam {

struct Token {
  PeerName owner;             ///< as written; see Ring::effective_owner for removed owners
  std::uint32_t version = 1;  ///< bumped by every change; merge keeps the higher
  /// The owner's count of free addresses in the token's range (a hint), never larger than
  /// the range: a split clamps it, at the owner and in every replica that merges the split.
  u128 free = 0;
  friend bool operator==(const Token&, const Token&) = default;
};

/// Who holds the ring and what they acknowledged (decision 0006): grow-only sets, merged by
/// union, carried by whole rings only (never by slices), so a ring holding a peer's ack also
/// holds every token that peer knew when it acknowledged.
struct Membership {
  /// Peers that joined (hold a replica of) the ring, sorted and unique: a flat set, since
  /// every whole ring carries all of them and it is read far more often than it grows.
  std::vector<PeerName> members;
  /// Removed peer -> the members that acknowledged its removal (until it is settled), all
  /// under this ring's removed set: when that grows, every unsettled removal is acknowledged
  /// anew (a newly removed peer may have passed on a dead peer's changes after an ack).
  std::map<PeerName, std::set<PeerName>> acks;
  std::set<PeerName> settled;  ///< removals every member acknowledged: heirs may act
  friend bool operator==(const Membership&, const Membership&) = default;
};

/// Part of a ring, as gossiped after a change (a delta): every token the sender has from the
/// nearest live-owned token before its first changed token through the token after its last
/// (so a receiver learns where each changed token's range ends and who inherits it), with
/// the whole seed and removed sets. Merged like a ring up to its last token, which only
/// bounds the others (where its own range ends is not in the slice); alone it is not a ring.
struct RingSlice {
  Cidr range;
  std::set<PeerName> seeds;
  std::set<PeerName> removed;
  std::map<u128, Token> tokens;
  friend bool operator==(const RingSlice&, const RingSlice&) = default;
};

/// [start, end) offsets in the range.
struct Span {
  u128 start = 0;
  u128 end = 0;
  [[nodiscard]] u128 size() const { return end - start; }
  friend bool operator==(const Span&, const Span&) = default;
};

class Ring {
 public:
  explicit Ring(Cidr range);
  /// A ring from decoded parts (wire.hpp); fails unless check_invariants() holds.
  static Result<Ring> from_parts(Cidr range, std::map<u128, Token> tokens, std::set<PeerName> seeds,
                                 std::set<PeerName> removed, Membership membership = {});

  [[nodiscard]] const Cidr& range() const { return range_; }
  [[nodiscard]] u128 size() const { return range_.size(); }
  [[nodiscard]] bool empty() const { return tokens_.empty(); }
  [[nodiscard]] const std::map<u128, Token>& tokens() const { return tokens_; }
  [[nodiscard]] const std::set<PeerName>& seeds() const { return seeds_; }
  [[nodiscard]] const std::set<PeerName>& removed() const { return removed_; }
  [[nodiscard]] const Membership& membership() const { return membership_; }

  /// Divides an empty ring among `seeds` in equal CIDR-aligned shares (recursive halving
  /// of the sorted list, so every peer given the same seeds computes the same ring).
  Result<void> seed(const std::vector<PeerName>& seeds);

  /// Who owns the address at `offset`: the token's owner, or its heir when the owner was
  /// removed; nullopt in an empty ring, when every owner was removed, or when a removal on
  /// the way to the heir is not settled yet (nobody may use that space meanwhile).
  [[nodiscard]] std::optional<PeerName> owner_of(u128 offset) const;
  [[nodiscard]] std::optional<PeerName> effective_owner(u128 token) const;
  /// The removed peer whose unsettled removal leaves the token at `token` without an owner
  /// for now; nullopt when none does.
  [[nodiscard]] std::optional<PeerName> unsettled_removal(u128 token) const;
  /// The spans `peer` owns (heirs included), adjacent spans joined, in offset order.
  [[nodiscard]] std::vector<Span> spans_of(PeerName peer) const;
  [[nodiscard]] u128 owned_by(PeerName peer) const;
  /// Where the range of the token at `it` ends: the next token, or the end of the range.
  [[nodiscard]] u128 token_end(std::map<u128, Token>::const_iterator it) const;

  /// `self` gives [span.start, span.end) to `to`. Every address in it must be owned by
  /// `self`; only the owner changes the tokens of its space.
  Result<void> grant(PeerName self, Span span, PeerName to);
  /// Records the owner's free count for the token at `token` (bumps its version).
  Result<void> report_free(PeerName self, u128 token, u128 free);
  /// rmpeer: from now on `peer` owns nothing; its space passes to heirs.
  void remove_peer(PeerName peer);
  [[nodiscard]] bool is_removed(PeerName peer) const { return removed_.count(peer) > 0; }

  /// `peer` holds this ring: every removal from now on waits for its acknowledgement.
  /// Returns whether it was new. Not a change take_changes() sends (a join travels in a
  /// message of its own, wire.hpp, and with whole rings).
  bool join(PeerName peer);
  /// `self` acknowledges the removal of `peer`: this ring, as sent with the ack, holds every
  /// token of `peer` that `self` knows. Only for a peer `self` cannot reach (the caller's
  /// check). Returns whether it was new.
  bool acknowledge(PeerName self, PeerName peer);
  /// The peers whose acknowledgement the removal of `peer` still waits for: members, seeds
  /// and token owners that are not removed and have not acknowledged it.
  [[nodiscard]] std::vector<PeerName> awaiting(PeerName peer) const;
  /// Whether the removal of `peer` waits for `holder`'s acknowledgement (when unsettled).
  [[nodiscard]] bool awaited_by(PeerName peer, PeerName holder) const;
  /// Settles every removal that no peer is awaited for any more. Returns whether any.
  bool settle();
  [[nodiscard]] bool is_settled(PeerName peer) const { return membership_.settled.count(peer) > 0; }

  /// Takes what `other` knows: per token the higher version, and free counts clamped to the
  /// merged ranges (a token taken inside one of this ring's ranges shortens it, and its
  /// count may predate the split). Fails (leaving this ring unchanged) when the rings cannot
  /// be the same ring: different ranges, or seeded by different peers. Returns whether
  /// anything changed; `acks_only`, when given, says whether that was only new members or
  /// acks (which need not be passed on at once: they travel in messages of their own).
  Result<bool> merge(const Ring& other, bool* acks_only = nullptr);
  /// Takes what a slice knows: its seeds and removed peers, and its tokens up to the last of
  /// them this ring already holds (that one bounds them and is not taken: a token is taken
  /// only with the token that ends its range). An empty ring ignores slices (it waits for a
  /// whole ring).
  Result<bool> merge(const RingSlice& slice);

  /// What this peer's own changes (seed, grant, report_free, remove_peer) touched since the
  /// last call, as a slice to broadcast; nullopt when nothing changed. A slice holding every
  /// token (a change that reached the ring's last token, which no token bounds, or seeding)
  /// is to be sent as the whole ring. Merges are not recorded: the mesh passes those on itself.
  [[nodiscard]] std::optional<RingSlice> take_changes();

  /// Structural invariants: tokens inside the range, token 0 present in a non-empty ring,
  /// versions >= 1, free counts no larger than the token's range, owners valid; acks and
  /// settled removals only of removed peers, no acks left for a settled one.
  [[nodiscard]] Result<void> check_invariants() const;

  /// Same range, tokens, seeds, removed peers and membership (pending changes are not
  /// compared).
  friend bool operator==(const Ring& a, const Ring& b) {
    return a.range_ == b.range_ && a.tokens_ == b.tokens_ && a.seeds_ == b.seeds_ &&
           a.removed_ == b.removed_ && a.membership_ == b.membership_;
  }

 private:
  Result<bool> merge_parts(const Cidr& range, const std::set<PeerName>& seeds,
                           const std::set<PeerName>& removed, const std::map<u128, Token>& tokens);
  /// `take_acks`: whether `other`'s acks were made under this ring's (merged) removed set.
  bool merge_membership(const Membership& other, bool take_acks);
  void removed_grew();
  template <typename Visit>
  void for_each_holder(Visit&& visit) const;
  void note_change(u128 offset);
  /// A membership change travels with every token (as a whole ring).
  void note_whole_ring();
  /// Ensures a token starts at `offset`, owned by whoever owns that address now.
  void split_at(u128 offset);

  Cidr range_;
  std::map<u128, Token> tokens_;
  std::set<PeerName> seeds_;
  std::set<PeerName> removed_;
  Membership membership_;
  // Own changes not yet taken: the lowest and highest token offsets touched, and whether
  // the seed or removed sets grew.
  std::optional<std::pair<u128, u128>> changed_;
  bool names_changed_ = false;
};

}  // namespace weft::ipam
