// SPDX-License-Identifier: Apache-2.0
// GossipPaxos rules; the safety argument is in consensus.hpp.
#include "weft/ipam/consensus.hpp"

#include "weft/base/assert.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

namespace weft::ipam {

namespace {
// Counters never wrap: a peer's state stops changing at the largest (only a forged
// message can get a version or round there).
constexpr std::uint64_t kMaxCounter = std::numeric_limits<std::uint64_t>::max();
}  // namespace

Consensus::Consensus(PeerName self, std::size_t n) : self_(self), n_(n) {
  WEFT_ASSERT(self.is_valid(), "a participant has a name");
  WEFT_ASSERT(n >= 1 && n <= std::numeric_limits<std::uint32_t>::max(),
              "the flag parser bounds consensus=N");
}

void Consensus::start(TimePoint now, Rng& rng) {
  if (started_) return;
  started_ = true;
  if (!nodes_.contains(self_)) {
    nodes_.emplace(self_, NodeState{});
    self_changed_ = true;
  }
  backoff_ = kRetryBase;
  deadline_ = now + retry_delay(rng);
  think(now);
  update_decision();
}

Result<bool> Consensus::merge(std::span<const std::uint8_t> bytes, TimePoint now) {
  auto m = decode_consensus(bytes);
  if (!m) return m.error();
  if (m->n != n_) {
    return Error(Errc::invalid_argument, "a peer runs consensus=" + std::to_string(m->n) +
                                             ", this peer consensus=" + std::to_string(n_) +
                                             ": give every peer the same --ipalloc-init");
  }
  bool changed = false;
  for (auto& [name, s] : m->nodes) {
    if (name == self_) {
      changed = fold_self(s) || changed;
      continue;
    }
    auto it = nodes_.find(name);
    if (it == nodes_.end()) {
      nodes_.emplace(name, std::move(s));
      changed = true;
    } else if (it->second.version < s.version) {
      it->second = std::move(s);
      changed = true;
    }
  }
  if (changed) {
    if (started_) think(now);
    update_decision();
  }
  return changed;
}

void Consensus::on_tick(TimePoint now, Rng& rng) {
  if (!started_ || decided_) return;
  think(now);  // a restored entry may have something to catch up on
  update_decision();
  if (decided_ || now < deadline_) return;
  if (known() >= quorum()) {
    propose(now);
    backoff_ = std::min(backoff_ * 2, kRetryMax);
  }
  deadline_ = now + retry_delay(rng);
}

TimePoint Consensus::next_deadline() const {
  return started_ && !decided_ ? deadline_ : TimePoint::max();
}

std::vector<std::uint8_t> Consensus::encode() const {
  return encode_consensus(ConsensusMessage{static_cast<std::uint32_t>(n_), nodes_});
}

std::vector<std::uint8_t> Consensus::encode_self() const {
  ConsensusMessage m{static_cast<std::uint32_t>(n_), {}};
  if (auto it = nodes_.find(self_); it != nodes_.end()) m.nodes.insert(*it);
  return encode_consensus(m);
}

Result<void> Consensus::restore_self(std::span<const std::uint8_t> bytes) {
  auto m = decode_consensus(bytes);
  if (!m) return m.error().wrap("stored consensus state");
  if (m->n != n_) {
    return Error(Errc::invalid_argument, "stored consensus state is for consensus=" +
                                             std::to_string(m->n) + ", not " + std::to_string(n_));
  }
  if (m->nodes.size() > 1 || (m->nodes.size() == 1 && m->nodes.begin()->first != self_)) {
    return Error(Errc::corrupt, "stored consensus state is not this peer's own");
  }
  if (!m->nodes.empty()) fold_self(m->nodes.begin()->second);
  update_decision();
  return ok();
}

bool Consensus::take_self_changed() {
  return std::exchange(self_changed_, false);
}

// Only we write our entry, so a copy at least as new that differs means our stored state
// was lost (or another peer has our name): keep every promise and acceptance either made,
// since either may have been gossiped, and go past both versions.
bool Consensus::fold_self(const NodeState& other) {
  auto it = nodes_.find(self_);
  if (it == nodes_.end()) {
    nodes_.emplace(self_, other);
    self_changed_ = true;
    return true;
  }
  NodeState& me = it->second;
  if (other.version < me.version || other == me || other.version == kMaxCounter) return false;
  NodeState next = other;
  if (other.promised < me.promised) next.promised = me.promised;
  if (other.accepted < me.accepted) {
    next.accepted = me.accepted;
    next.value = me.value;
  }
  // Peers that hold either copy must see a newer version than both.
  if (next != other || other.version == me.version) next.version = other.version + 1;
  me = std::move(next);
  self_changed_ = true;
  return true;
}

void Consensus::propose(TimePoint now) {
  std::uint64_t round = 0;
  for (const auto& [_, s] : nodes_) round = std::max({round, s.promised.round, s.accepted.round});
  if (round == kMaxCounter) return;  // only forged counters get here
  NodeState next = nodes_.at(self_);
  next.promised = Ballot{round + 1, self_};
  set_self(std::move(next));
  think(now);  // with a quorum of 1 this peer alone is enough
  update_decision();
}

void Consensus::think(TimePoint now) {
  NodeState next = nodes_.at(self_);
  // Promise: adopt the highest ballot anyone promised.
  for (const auto& [_, s] : nodes_) next.promised = std::max(next.promised, s.promised);
  if (next.promised != nodes_.at(self_).promised && next.promised.proposer != self_) {
    // Someone else is proposing: give them a retry period before competing with them.
    deadline_ = std::max(deadline_, now + backoff_);
  }
  if (auto value = phase2_value(next)) {
    next.accepted = next.promised;  // our acceptance is the accept request
    next.value = std::move(*value);
  }
  // Accept: whoever accepted the ballot we promised carries its one value.
  if (next.promised.valid() && next.accepted != next.promised) {
    for (const auto& [_, s] : nodes_) {
      if (s.accepted == next.promised) {
        next.accepted = s.accepted;
        next.value = s.value;
        break;
      }
    }
  }
  set_self(std::move(next));
}

// As the proposer of our promised ballot, not yet accepted: once Q entries promised it,
// the value of the highest ballot any of them accepted, else every peer we know.
std::optional<std::vector<PeerName>> Consensus::phase2_value(const NodeState& me) const {
  if (me.promised.proposer != self_ || me.accepted == me.promised) return std::nullopt;
  std::size_t promisers = 0;
  const NodeState* best = nullptr;
  for (const auto& [name, stored] : nodes_) {
    const NodeState& s = name == self_ ? me : stored;
    if (s.promised != me.promised) continue;
    ++promisers;
    if (s.accepted.valid() && (best == nullptr || best->accepted < s.accepted)) best = &s;
  }
  if (promisers < quorum()) return std::nullopt;
  if (best != nullptr) return best->value;
  std::vector<PeerName> all;
  for (const auto& [name, _] : nodes_) all.push_back(name);
  return all;
}

void Consensus::set_self(NodeState next) {
  NodeState& me = nodes_.at(self_);
  next.version = me.version;
  if (next == me || me.version == kMaxCounter) return;
  next.version = me.version + 1;
  me = std::move(next);
  self_changed_ = true;
}

void Consensus::update_decision() {
  if (decided_) return;  // chosen once, chosen forever
  std::map<Ballot, std::size_t> votes;
  for (const auto& [_, s] : nodes_) {
    if (s.accepted.valid() && ++votes[s.accepted] >= quorum()) {
      decided_ = s.value;
      return;
    }
  }
}

// Uniform in [backoff/2, backoff], so proposers that time out together drift apart.
Duration Consensus::retry_delay(Rng& rng) const {
  const auto half = backoff_.count() / 2;
  const auto spread = static_cast<std::uint64_t>(backoff_.count() - half);
  return Duration(half + static_cast<Duration::rep>(rng.uniform(spread + 1)));
}

}  // namespace weft::ipam
