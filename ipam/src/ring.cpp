// SPDX-License-Identifier: Apache-2.0
#include "weft/ipam/ring.hpp"

#include "weft/base/assert.hpp"

#include <algorithm>
#include <iterator>
#include <string>

namespace weft::ipam {

namespace {
std::string hex(u128 v) {
  static const char* digits = "0123456789abcdef";
  if (v == 0) return "0x0";
  std::string s;
  while (v != 0) {
    s.insert(s.begin(), digits[static_cast<int>(v & 0xf)]);
    v >>= 4;
  }
  return "0x" + s;
}
}  // namespace

Ring::Ring(Cidr range) : range_(std::move(range)) {}

Result<Ring> Ring::from_parts(Cidr range, std::map<u128, Token> tokens, std::set<PeerName> seeds,
                              std::set<PeerName> removed, Membership membership) {
  Ring r(std::move(range));
  r.tokens_ = std::move(tokens);
  r.seeds_ = std::move(seeds);
  r.removed_ = std::move(removed);
  r.membership_ = std::move(membership);
  const auto has_zero = [](const std::set<PeerName>& s) { return s.count(PeerName()) > 0; };
  if (has_zero(r.seeds_)) return Error(Errc::parse_error, "ring names a zero seed");
  if (has_zero(r.removed_)) return Error(Errc::parse_error, "ring names a zero removed peer");
  const auto& members = r.membership_.members;
  if (!std::is_sorted(members.begin(), members.end()) ||
      std::adjacent_find(members.begin(), members.end()) != members.end()) {
    return Error(Errc::parse_error, "ring members not sorted and unique");
  }
  if (std::binary_search(members.begin(), members.end(), PeerName()) ||
      has_zero(r.membership_.settled)) {
    return Error(Errc::parse_error, "ring names a zero member");
  }
  for (const auto& [gone, by] : r.membership_.acks) {
    if (has_zero(by)) return Error(Errc::parse_error, "ring names a zero acknowledger");
  }
  if (auto ok_ = r.check_invariants(); !ok_) {
    return Error(Errc::parse_error, "ring breaks an invariant: " + ok_.error().message());
  }
  return r;
}

u128 Ring::token_end(std::map<u128, Token>::const_iterator it) const {
  auto next = std::next(it);
  return next == tokens_.end() ? size() : next->first;
}

Result<void> Ring::seed(const std::vector<PeerName>& seeds) {
  if (!tokens_.empty()) return Error(Errc::invalid_argument, "the ring is already initialised");
  std::vector<PeerName> sorted(seeds);
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  if (sorted.empty() || !sorted.front().is_valid()) {
    return Error(Errc::invalid_argument, "seed needs at least one valid peer name");
  }
  if (u128{sorted.size()} > size()) {
    return Error(Errc::invalid_argument, "range " + range_.to_string() + " is too small for " +
                                             std::to_string(sorted.size()) + " seeds");
  }
  // Recursive halving: the first half of the names gets the first half of the range. Each
  // share is a power-of-two block where the counts allow, so shares stay CIDR-aligned.
  struct Part {
    u128 start, end;
    std::size_t first, last;  // [first, last) into sorted
  };
  std::vector<Part> todo{{0, size(), 0, sorted.size()}};
  while (!todo.empty()) {
    const Part p = todo.back();
    todo.pop_back();
    if (p.last - p.first == 1) {
      tokens_[p.start] = Token{sorted[p.first], 1, p.end - p.start};
      note_change(p.start);
      continue;
    }
    const std::size_t mid = p.first + (p.last - p.first) / 2;
    const u128 half = p.start + (p.end - p.start) / 2;
    todo.push_back({p.start, half, p.first, mid});
    todo.push_back({half, p.end, mid, p.last});
  }
  seeds_.insert(sorted.begin(), sorted.end());
  names_changed_ = true;
  return ok();
}

std::optional<PeerName> Ring::effective_owner(u128 token) const {
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return std::nullopt;
  // Walk back (wrapping) to the nearest token whose owner was not removed. A removed owner
  // whose removal is not settled may have changed this space in ways not known here yet
  // (a grant heard only across a partition): then nobody owns it for now.
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    const PeerName owner = it->second.owner;
    if (!is_removed(owner)) return owner;
    if (!is_settled(owner)) return std::nullopt;
    it = it == tokens_.begin() ? std::prev(tokens_.end()) : std::prev(it);
  }
  return std::nullopt;
}

std::optional<PeerName> Ring::unsettled_removal(u128 token) const {
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return std::nullopt;
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    const PeerName owner = it->second.owner;
    if (!is_removed(owner)) return std::nullopt;
    if (!is_settled(owner)) return owner;
    it = it == tokens_.begin() ? std::prev(tokens_.end()) : std::prev(it);
  }
  return std::nullopt;
}

std::optional<PeerName> Ring::owner_of(u128 offset) const {
  if (tokens_.empty() || offset >= size()) return std::nullopt;
  auto it = tokens_.upper_bound(offset);
  return effective_owner(std::prev(it)->first);
}

std::vector<Span> Ring::spans_of(PeerName peer) const {
  std::vector<Span> out;
  for (auto it = tokens_.begin(); it != tokens_.end(); ++it) {
    if (effective_owner(it->first) != peer) continue;
    const Span s{it->first, token_end(it)};
    if (!out.empty() && out.back().end == s.start) {
      out.back().end = s.end;
    } else {
      out.push_back(s);
    }
  }
  return out;
}

u128 Ring::owned_by(PeerName peer) const {
  u128 n = 0;
  for (const auto& s : spans_of(peer)) n += s.size();
  return n;
}

void Ring::split_at(u128 offset) {
  if (offset >= size()) offset = 0;  // the end of the range is the start of the ring
  const auto owner = owner_of(offset);
  WEFT_ASSERT(owner.has_value(), "grant checked that the space at its ends has an owner");
  auto it = tokens_.find(offset);
  if (it == tokens_.end()) {
    it = tokens_.emplace(offset, Token{*owner, 1, 0}).first;
    note_change(offset);
    // The token now ending at `offset` is shorter: its free count cannot exceed that.
    auto left = std::prev(it);
    if (left->second.free > offset - left->first) {
      left->second.free = offset - left->first;
      ++left->second.version;
      note_change(left->first);
    }
  } else if (it->second.owner != *owner) {
    // The token's owner was removed and `owner` is its heir: write the heir down, so that
    // changes next to it cannot move the heir of this range.
    it->second.owner = *owner;
    ++it->second.version;
    note_change(offset);
  }
}

Result<void> Ring::grant(PeerName self, Span span, PeerName to) {
  if (span.start >= span.end || span.end > size()) {
    return Error(Errc::invalid_argument, "grant of an empty or out-of-range span");
  }
  if (!to.is_valid() || is_removed(to)) {
    return Error(Errc::invalid_argument,
                 "cannot grant space to " + to.to_string() + ": not a valid, present peer");
  }
  // The token the span ends at keeps its heir by having the heir written into it (split_at)
  // before the space before it changes hands. For a removal not settled yet the heir is not
  // known (the dead peer may have given that token away), so the span may not end there.
  if (const auto next = tokens_.find(span.end < size() ? span.end : 0);
      next != tokens_.end() && !effective_owner(next->first)) {
    const auto gone = unsettled_removal(next->first);
    return Error(Errc::unavailable, "cannot grant up to " + hex(span.end) +
                                        ": the space after it waits for the removal of " +
                                        (gone ? gone->to_string() : std::string("its owner")) +
                                        " to be acknowledged by every peer");
  }
  // Every address in the span must be ours: owners alone change their space.
  for (const auto& s : spans_of(self)) {
    if (s.start <= span.start && span.end <= s.end) {
      split_at(span.start);
      split_at(span.end);  // what follows the span keeps its owner
      for (auto it = tokens_.lower_bound(span.start); it != tokens_.end() && it->first < span.end;
           ++it) {
        it->second.owner = to;
        it->second.free = 0;  // unknown until the new owner reports it
        ++it->second.version;
        note_change(it->first);
      }
      return ok();
    }
  }
  return Error(Errc::invalid_argument, "peer " + self.to_string() + " does not own " +
                                           hex(span.start) + ".." + hex(span.end));
}

Result<void> Ring::report_free(PeerName self, u128 token, u128 free) {
  auto it = tokens_.find(token);
  if (it == tokens_.end() || effective_owner(token) != self) {
    return Error(Errc::invalid_argument, "no token of " + self.to_string() + " at " + hex(token));
  }
  if (free > token_end(it) - token) {
    return Error(Errc::invalid_argument, "free count larger than the token's range");
  }
  if (it->second.owner == self && it->second.free == free) return ok();
  it->second.owner = self;
  it->second.free = free;
  ++it->second.version;
  note_change(token);
  return ok();
}

void Ring::remove_peer(PeerName peer) {
  if (!removed_.insert(peer).second) return;
  removed_grew();
  names_changed_ = true;
  // No token changes, but receivers compute the heirs of these tokens: send them, with
  // what bounds them.
  for (const auto& [offset, t] : tokens_) {
    if (t.owner == peer) note_change(offset);
  }
}

void Ring::removed_grew() {
  // An ack vouches for what its sender knew under the removed set it saw. A peer removed
  // since may have told others of a dead peer's changes after they acknowledged (and will
  // never acknowledge itself), so every unsettled removal is acknowledged again.
  membership_.acks.clear();
}

bool Ring::join(PeerName peer) {
  auto& members = membership_.members;
  const auto at = std::lower_bound(members.begin(), members.end(), peer);
  if (at != members.end() && *at == peer) return false;
  members.insert(at, peer);
  return true;
}

bool Ring::acknowledge(PeerName self, PeerName peer) {
  if (!is_removed(peer) || is_settled(peer) || is_removed(self)) return false;
  if (!membership_.acks[peer].insert(self).second) return false;
  note_whole_ring();
  return true;
}

template <typename Visit>
void Ring::for_each_holder(Visit&& visit) const {
  // Whoever may hold the ring: members that joined, seeds, and owners as written (a peer
  // whose join has not arrived yet but whose tokens have). May repeat a peer; `visit`
  // returns false to stop.
  for (auto p : membership_.members) {
    if (!visit(p)) return;
  }
  for (auto p : seeds_) {
    if (!visit(p)) return;
  }
  for (const auto& [offset, t] : tokens_) {
    if (!visit(t.owner)) return;
  }
}

bool Ring::awaited_by(PeerName peer, PeerName holder) const {
  if (is_removed(holder)) return false;
  const auto acks = membership_.acks.find(peer);
  return acks == membership_.acks.end() || acks->second.count(holder) == 0;
}

std::vector<PeerName> Ring::awaiting(PeerName peer) const {
  if (!is_removed(peer) || is_settled(peer)) return {};
  std::set<PeerName> out;
  for_each_holder([&](PeerName p) {
    if (awaited_by(peer, p)) out.insert(p);
    return true;
  });
  return {out.begin(), out.end()};
}

bool Ring::settle() {
  bool any = false;
  for (auto p : removed_) {
    if (is_settled(p)) continue;
    bool awaited = false;  // stops at the first peer still awaited (during a partition: soon)
    for_each_holder([&](PeerName h) {
      awaited = awaited_by(p, h);
      return !awaited;
    });
    if (awaited) continue;
    membership_.settled.insert(p);
    membership_.acks.erase(p);
    any = true;
  }
  if (any) note_whole_ring();  // sent whole: the acks' tokens come with the settlement
  return any;
}

bool Ring::merge_membership(const Membership& other, bool take_acks) {
  // Usually nothing is new: a linear walk of the sorted sets says so before any insert.
  if (other == membership_) return false;
  bool changed = false;
  if (!std::includes(membership_.members.begin(), membership_.members.end(), other.members.begin(),
                     other.members.end())) {
    std::vector<PeerName> both;
    both.reserve(membership_.members.size() + other.members.size());
    std::set_union(membership_.members.begin(), membership_.members.end(), other.members.begin(),
                   other.members.end(), std::back_inserter(both));
    membership_.members = std::move(both);
    changed = true;
  }
  for (auto p : other.settled) {
    if (!removed_.count(p)) continue;  // a valid ring settles only removed peers
    changed |= membership_.settled.insert(p).second;
    membership_.acks.erase(p);  // settled: the acks did their work
  }
  for (const auto& [gone, by] : other.acks) {
    if (!take_acks || is_settled(gone) || !removed_.count(gone)) continue;
    auto& mine = membership_.acks[gone];
    for (auto p : by) changed |= mine.insert(p).second;
  }
  return changed;
}

void Ring::note_whole_ring() {
  if (tokens_.empty()) {
    names_changed_ = true;
    return;
  }
  note_change(tokens_.begin()->first);
  note_change(std::prev(tokens_.end())->first);
}

void Ring::note_change(u128 offset) {
  if (!changed_) {
    changed_.emplace(offset, offset);
  } else {
    changed_->first = std::min(changed_->first, offset);
    changed_->second = std::max(changed_->second, offset);
  }
}

std::optional<RingSlice> Ring::take_changes() {
  if (!changed_ && !names_changed_) return std::nullopt;
  RingSlice out{range_, seeds_, removed_, {}};
  if (changed_ && !tokens_.empty()) {
    auto from = tokens_.find(changed_->first);
    auto to = tokens_.find(changed_->second);
    WEFT_ASSERT(from != tokens_.end() && to != tokens_.end(), "tokens are never erased");
    // Back to the nearest token whose owner is not removed, the one receivers compute the
    // heir of the changed tokens from. On to the token after the last changed one, where
    // its range ends: receivers take that token only as a bound, since where its own range
    // ends is not in the slice. The ring's last token has no such bound (its range ends
    // with the range), so a change reaching it goes whole, as does one whose walk back wraps.
    while (from != tokens_.begin() && is_removed(from->second.owner)) --from;
    if (is_removed(from->second.owner) || std::next(to) == tokens_.end()) {
      from = tokens_.begin();
      to = std::prev(tokens_.end());
    } else {
      ++to;
    }
    out.tokens.insert(from, std::next(to));
  }
  changed_.reset();
  names_changed_ = false;
  return out;
}

Result<bool> Ring::merge(const Ring& other, bool* acks_only) {
  auto changed = merge_parts(other.range_, other.seeds_, other.removed_, other.tokens_);
  if (!changed) return changed;
  // After the tokens: the acks this ring takes come with every token their senders knew.
  // Acks made under fewer removed peers than the merged set do not count (removed_grew).
  const auto settled = membership_.settled.size();
  const bool membership =
      merge_membership(other.membership_, other.removed_.size() == removed_.size());
  if (acks_only != nullptr) {
    *acks_only = membership && !*changed && settled == membership_.settled.size();
  }
  return membership || *changed;
}

Result<bool> Ring::merge(const RingSlice& slice) {
  // A slice alone could leave this ring without token 0; the whole ring arrives by gossip.
  if (tokens_.empty()) return false;
  // A token's contents are taken only with the token where its range ends at the sender:
  // without it, a replica that missed a later split would give the token's owner the space
  // past that split. So the slice's tokens are taken up to the last of them this ring
  // already holds, which bounds them and is itself left as it is (the slice's last token
  // bounds the slice; should this ring lack it, the slice is taken up to an earlier one, and
  // the rest waits for the whole ring by gossip).
  auto bound = slice.tokens.begin();
  for (auto it = slice.tokens.begin(); it != slice.tokens.end(); ++it) {
    if (tokens_.count(it->first) > 0) bound = it;
  }
  const std::map<u128, Token> bounded(slice.tokens.begin(), bound);
  return merge_parts(slice.range, slice.seeds, slice.removed, bounded);
}

Result<bool> Ring::merge_parts(const Cidr& range, const std::set<PeerName>& seeds,
                               const std::set<PeerName>& removed,
                               const std::map<u128, Token>& tokens) {
  if (range != range_) {
    return Error(Errc::invalid_argument, "incompatible IP allocation ranges: this peer uses " +
                                             range_.to_string() + ", the other " +
                                             range.to_string() +
                                             "; every peer must run with the same --ipalloc-range");
  }
  if (!seeds_.empty() && !seeds.empty() && seeds_ != seeds) {
    auto list = [](const std::set<PeerName>& s) {
      std::string out;
      for (auto p : s) out += (out.empty() ? "" : ",") + p.to_string();
      return out;
    };
    return Error(Errc::invalid_argument,
                 "IP allocation was seeded by different peers: here " + list(seeds_) + ", there " +
                     list(seeds) +
                     "; the two groups formed separate rings. Keep one: on each peer of the "
                     "other group, free its addresses (`weft ps` lists them) and run `weft ipam "
                     "reset`; it then joins the kept ring (nothing else is wiped)");
  }
  bool changed = false;
  if (seeds_.empty() && !seeds.empty()) {
    seeds_ = seeds;
    changed = true;
  }
  bool grew = false;
  for (auto p : removed) grew |= removed_.insert(p).second;
  if (grew) removed_grew();
  changed |= grew;
  // A free count was written for the token's range at its writer. A replica that holds a
  // token inside that range (a split) without the version that clamped the count to it (a
  // slice of the split can arrive before, or without, the free report or clamp of the token
  // before it) clamps the count itself, as split_at does: no count exceeds its token's range
  // here. The clamp bumps no version (the writer's own clamp or next report supersedes it);
  // taking the higher version, then the larger count, then clamping to the merged ranges is
  // the same whichever order replicas merge in.
  const auto key = [](const Token& t) { return std::tuple(t.version, t.owner, t.free); };
  for (auto in = tokens.begin(); in != tokens.end(); ++in) {
    const u128 offset = in->first;
    // Where this token's range ends once merged: at the next token either side holds (those
    // this ring takes before `offset` were inserted already; none after it yet).
    const auto next_mine = tokens_.upper_bound(offset);
    u128 end = next_mine == tokens_.end() ? size() : next_mine->first;
    if (const auto next_theirs = std::next(in); next_theirs != tokens.end()) {
      end = std::min(end, next_theirs->first);
    }
    Token theirs = in->second;
    theirs.free = std::min(theirs.free, end - offset);
    auto [it, fresh] = tokens_.try_emplace(offset, theirs);
    if (fresh) {
      changed = true;
      // The token before now ends here. One taken from `tokens` was clamped to this offset
      // already; one of this ring's own is clamped now.
      if (it != tokens_.begin()) {
        Token& left = std::prev(it)->second;
        left.free = std::min(left.free, offset - std::prev(it)->first);
      }
      continue;
    }
    Token& mine = it->second;
    Token kept = mine;
    kept.free = std::min(kept.free, end - offset);
    // Equal versions with different owners mean two writers of one token, which the
    // ownership rule excludes; a deterministic pick still lets every replica converge.
    const Token& merged = key(theirs) > key(kept) ? theirs : kept;
    if (!(merged == mine)) {
      mine = merged;
      changed = true;
    }
  }
  return changed;
}

Result<void> Ring::check_invariants() const {
  for (const auto& [gone, by] : membership_.acks) {
    if (!is_removed(gone) || is_settled(gone) || by.empty()) {
      return Error(Errc::internal, "acks of the removal of " + gone.to_string() +
                                       ", which is not removed, already settled, or acked by none");
    }
  }
  for (auto p : membership_.settled) {
    if (!is_removed(p)) {
      return Error(Errc::internal, "removal of " + p.to_string() + " settled but not removed");
    }
  }
  if (tokens_.empty()) return ok();
  if (tokens_.begin()->first != 0) {
    return Error(Errc::internal, "ring has tokens but none at offset 0");
  }
  for (auto it = tokens_.begin(); it != tokens_.end(); ++it) {
    if (it->first >= size())
      return Error(Errc::internal, "token " + hex(it->first) + " outside range");
    if (it->second.version == 0)
      return Error(Errc::internal, "token " + hex(it->first) + " has version 0");
    if (!it->second.owner.is_valid())
      return Error(Errc::internal, "token " + hex(it->first) + " has no owner");
    if (it->second.free > token_end(it) - it->first) {
      return Error(Errc::internal, "token " + hex(it->first) + " reports more free than its size");
    }
  }
  return ok();
}

}  // namespace weft::ipam
