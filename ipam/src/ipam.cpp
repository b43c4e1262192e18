// SPDX-License-Identifier: Apache-2.0
#include "weft/ipam/ipam.hpp"

#include "weft/base/log.hpp"
#include "weft/base/uint128.hpp"
#include "weft/ipam/persist.hpp"
#include "weft/ipam/wire.hpp"

#include <algorithm>

namespace weft::ipam {

Ipam::Ipam(IpamConfig config, store::Store& store)
    : config_(std::move(config)),
      store_(store),
      ring_(config_.range),
      allocator_(config_.self, ring_) {}

Result<void> Ipam::load(TimePoint now) {
  now_ = now;
  auto p = load_persisted(store_, config_.range);
  if (!p) return p.error();
  if (auto r = take_persisted(*p); !r) return r.error().wrap("load the IPAM allocations");
  rejected_seeds_ = p->rejected;
  for (const auto& stored : p->pending) {
    // Nobody waits for these any more; served, they hold the address for the retry.
    const std::string& key = stored.first;
    if (std::none_of(pending_.begin(), pending_.end(),
                     [&key](const Pending& q) { return q.key == key; })) {
      pending_.push_back(
          Pending{key, stored.second, now_ + config_.request_timeout, now_, nullptr, {}});
    }
  }
  return ok();
}

Result<void> Ipam::take_persisted(Persisted& p) {
  ring_ = p.ring ? std::move(*p.ring) : Ring(config_.range);
  ring_dirty_ = false;
  settle_due_ = true;
  allocator_.clear();
  for (const auto& a : p.allocations) {
    if (auto r = allocator_.restore(a); !r) return r;
  }
  allocator_.set_cursor(p.cursor);
  stored_consensus_ = p.consensus;
  return ok();
}

Result<void> Ipam::reload() {
  auto p = load_persisted(store_, config_.range);
  if (!p) return p.error();
  return take_persisted(*p);
}

Result<void> Ipam::flush() {
  flush_requested_ = false;
  // The ring is written once per commit, however many merges changed it since the last:
  // the batch is one transaction, so where in it the ring goes does not matter.
  if (ring_dirty_) {
    put_ring(batch_, ring_);
    ring_dirty_ = false;
  }
  if (batch_.empty() && acks_.empty()) return ok();
  auto acks = std::move(acks_);
  acks_.clear();
  store::Batch batch = std::move(batch_);
  batch_ = {};
  if (auto w = store_.apply(batch); !w) {
    ++stats_.commit_failures;
    const Error e = w.error().wrap("commit the IPAM state");
    log::error("ipam: {}; the last changes are undone", e.message());
    if (auto r = reload(); !r) {
      log::error("ipam: reload after a failed commit: {}", r.error().message());
      ring_dirty_ = true;  // memory is ahead of the store: the next commit writes the ring
    }
    for (auto& [done, a] : acks) {
      if (done) done(e);
    }
    return e;
  }
  ++stats_.commits;
  for (auto& [done, a] : acks) {
    if (done) done(std::move(a));
  }
  return ok();
}

void Ipam::dirty() {
  if (flush_requested_) return;
  flush_requested_ = true;
  config_.wants_flush();
}

void Ipam::record(const Allocation& a) {
  free_dirty_ = true;
  const u128 off = to_u128(a.address) - to_u128(config_.range.first());
  put_allocation(batch_, off, a);
  put_cursor(batch_, allocator_.cursor());
  dirty();
}

void Ipam::record_freed(const std::vector<Allocation>& freed) {
  for (const auto& a : freed) {
    erase_allocation(batch_, to_u128(a.address) - to_u128(config_.range.first()));
  }
  if (!freed.empty()) {
    free_dirty_ = true;
    dirty();
  }
}

void Ipam::report_free_counts() {
  std::vector<std::pair<u128, u128>> reports;  // token -> free
  const auto& tokens = ring_.tokens();
  for (auto it = tokens.begin(); it != tokens.end(); ++it) {
    if (ring_.effective_owner(it->first) != config_.self) continue;
    const u128 end = ring_.token_end(it);
    const u128 free = allocator_.free_in({it->first, end});
    if (it->second.owner != config_.self || it->second.free != free) {
      reports.emplace_back(it->first, free);
    }
  }
  if (reports.empty()) return;
  for (const auto& [token, free] : reports) {
    if (auto r = ring_.report_free(config_.self, token, free); !r) {
      log::warn("ipam: free count of token {}: {}", u128_to_string(token), r.error().message());
    }
  }
  (void)commit_own_ring_change();
}

Result<void> Ipam::commit_own_ring_change() {
  ring_dirty_ = true;
  if (auto f = flush(); !f) return f;
  // A delta: the slice this change touched. One holding every token (seeding, or a change
  // that reached the ring's last token, which no token bounds) goes whole, since peers with
  // an empty ring take only whole rings and a slice's last token is only a bound.
  auto changes = ring_.take_changes();
  if (channel_ && changes) {
    channel_->broadcast(changes->tokens.size() == ring_.tokens().size()
                            ? encode_ring(ring_)
                            : encode_ring_slice(*changes));
  }
  return ok();
}

Result<void> Ipam::seed(const std::vector<PeerName>& seeds) {
  if (!ring_.empty()) {
    const std::set<PeerName> want(seeds.begin(), seeds.end());
    if (want == ring_.seeds()) return ok();  // restarted: the stored ring is this one
    std::string here, asked;
    for (auto p : ring_.seeds()) here += (here.empty() ? "" : ",") + p.to_string();
    for (auto p : want) asked += (asked.empty() ? "" : ",") + p.to_string();
    return Error(Errc::invalid_argument, "this peer's stored IP allocation ring was seeded by " +
                                             here + ", but --ipalloc-init asks for seed=" + asked +
                                             ": start weftd with --ipalloc-init seed=" + here +
                                             " (the stored ring wins)");
  }
  if (rejected_seeds_.count(std::set<PeerName>(seeds.begin(), seeds.end())) > 0) {
    return Error(Errc::invalid_argument,
                 "this peer left the ring with these seeds (`weft ipam reset`); it waits for "
                 "the ring it joins instead");
  }
  if (auto r = ring_.seed(seeds); !r) return r;
  return commit_own_ring_change();  // joined by keep_membership, like any peer
}

Result<void> Ipam::reset_ring() {
  if (!allocator_.allocations().empty()) {
    return Error(Errc::invalid_argument,
                 "this peer holds " + std::to_string(allocator_.allocations().size()) +
                     " addresses of its ring: free them first (`weft ps` lists them)");
  }
  if (ring_.empty()) return ok();
  // Hand this peer's space to a peer staying in that ring and remove itself there, so its
  // removals do not wait for this peer forever (it stays reachable, holding another ring).
  if (!ring_.is_removed(config_.self)) {
    if (auto l = leave(); !l) {
      log::info("ipam: left the ring without handing its space over: {}", l.error().message());
    }
  }
  rejected_seeds_.insert(ring_.seeds());
  const Ring before = ring_;
  ring_ = Ring(config_.range);
  ring_dirty_ = false;
  consensus_.reset();
  stored_consensus_.reset();
  conflict_.clear();
  erase_ring_and_consensus(batch_);
  put_rejected(batch_, rejected_seeds_);
  if (auto f = flush(); !f) {
    rejected_seeds_.erase(before.seeds());
    return f;
  }
  log::warn("ipam: left the ring seeded by {} peers; waiting for another ring",
            before.seeds().size());
  return ok();
}

Result<void> Ipam::start_consensus(std::size_t n, TimePoint now) {
  if (config_.rng == nullptr) return Error(Errc::internal, "consensus needs IpamConfig::rng");
  now_ = now;
  if (!ring_.empty()) return ok();  // restarted after the ring was made: nothing to agree on
  consensus_.emplace(config_.self, n);
  if (stored_consensus_) {
    auto r = consensus_->restore_self(
        std::span(reinterpret_cast<const std::uint8_t*>(stored_consensus_->data()),
                  stored_consensus_->size()));
    if (!r) {
      consensus_.reset();
      return r.error().wrap(
          "restore this peer's consensus state (was --ipalloc-init consensus=N changed? every "
          "peer must give the same N)");
    }
  }
  consensus_->start(now, *config_.rng);
  consensus_changed();
  return ok();
}

void Ipam::consensus_changed() {
  if (!consensus_) return;
  if (consensus_->take_self_changed()) {
    put_consensus(batch_, consensus_->encode_self());
    if (auto f = flush(); !f) {
      // What we promised is not stored, so nobody may see it: start over from the store on
      // the next tick (not here: with the disk still failing that would recurse).
      log::error("ipam: consensus state not stored, retrying: {}", f.error().message());
      consensus_restart_ = consensus_->n();
      consensus_.reset();
      return;
    }
    if (channel_) channel_->broadcast(consensus_->encode());
  }
  if (ring_.empty() && consensus_->decided()) {
    log::info("ipam: consensus reached: the ring is seeded by {} peers",
              consensus_->decided()->size());
    if (auto r = seed(*consensus_->decided()); !r) {
      log::error("ipam: seeding the agreed ring: {}", r.error().message());
    }
    serve_pending(now_);
  }
}

Result<std::optional<gossip::Bytes>> Ipam::on_consensus(std::span<const std::uint8_t> payload) {
  // A peer outside the round (an observer, a peer with a ring) passes messages on.
  if (!consensus_ || !ring_.empty()) {
    return std::optional<gossip::Bytes>(gossip::Bytes(payload.begin(), payload.end()));
  }
  auto changed = consensus_->merge(payload, now_);
  if (!changed) {
    ++stats_.merge_errors;
    return changed.error();
  }
  if (!*changed) return std::optional<gossip::Bytes>();
  consensus_changed();
  return std::optional<gossip::Bytes>(consensus_->encode());
}

void Ipam::allocate(std::string key, Cidr subnet, TimePoint now, Done done) {
  now_ = now;
  auto a = allocator_.allocate(key, subnet);
  if (a) {
    record(*a);
    acks_.emplace_back(std::move(done), std::move(*a));
    return;
  }
  if (!a.error().is(Errc::unavailable)) {
    done(std::move(a));
    return;
  }
  put_pending(batch_, key, subnet);
  dirty();
  Pending p{std::move(key), subnet, now + config_.request_timeout, now, std::move(done), {}};
  ask_for_space(p, now);
  pending_.push_back(std::move(p));
}

Result<Allocation> Ipam::claim(const std::string& key, const IpAddress& address,
                               const Cidr& subnet) {
  auto a = allocator_.claim(key, address, subnet);
  if (a) record(*a);
  return a;
}

std::vector<Allocation> Ipam::free_key(const std::string& key) {
  auto freed = allocator_.free_key(key);
  record_freed(freed);
  return freed;
}

std::optional<Allocation> Ipam::free_address(const IpAddress& address) {
  if (address.family() != config_.range.family() || !config_.range.contains(address)) {
    return std::nullopt;
  }
  const auto it = allocator_.allocations().find(to_u128(address) - to_u128(config_.range.first()));
  if (it == allocator_.allocations().end()) return std::nullopt;
  const Allocation a = it->second;
  allocator_.free_address(address);
  record_freed({a});
  return a;
}

std::vector<Allocation> Ipam::gc(const std::set<std::string>& live) {
  auto freed = allocator_.gc(live);
  record_freed(freed);
  return freed;
}

Result<void> Ipam::rmpeer(PeerName peer) {
  if (peer == config_.self) {
    return Error(Errc::invalid_argument, "a peer cannot remove itself; run rmpeer on another host");
  }
  if (config_.reachable(peer)) {
    return Error(Errc::invalid_argument,
                 "peer " + peer.to_string() +
                     " is reachable: rmpeer is for peers that are gone for good (stop it first)");
  }
  ring_.remove_peer(peer);
  ring_.acknowledge(config_.self, peer);  // unreachable: checked above
  ring_.settle();
  if (auto c = commit_own_ring_change(); !c) return c;
  serve_pending(now_);
  return ok();
}

Result<PeerName> Ipam::leave() {
  if (ring_.empty()) return Error(Errc::invalid_argument, "this peer holds no ring to leave");
  if (ring_.is_removed(config_.self)) {
    return Error(Errc::invalid_argument, "this peer has left the ring already");
  }
  if (!allocator_.allocations().empty()) {
    return Error(Errc::invalid_argument,
                 "this peer holds " + std::to_string(allocator_.allocations().size()) +
                     " addresses: stop their containers or free them first (`weft ps` lists "
                     "them)");
  }
  // The heir of everything: the reachable peer that owns most (ties: the lowest name).
  std::optional<PeerName> to;
  u128 most = 0;
  std::set<PeerName> seen;
  for (const auto& [offset, t] : ring_.tokens()) {
    const auto owner = ring_.effective_owner(offset);
    if (!owner || *owner == config_.self || !seen.insert(*owner).second) continue;
    if (!config_.reachable(*owner)) continue;
    const u128 n = ring_.owned_by(*owner);
    if (!to || n > most) {
      to = *owner;
      most = n;
    }
  }
  if (!to) {
    return Error(Errc::unavailable,
                 "no peer that owns space is reachable to take this peer's space: connect "
                 "this peer to the mesh first (`weft status` lists its connections)");
  }
  const Ring before = ring_;
  for (const auto& span : ring_.spans_of(config_.self)) {
    if (auto g = ring_.grant(config_.self, span, *to); !g) {
      ring_ = before;
      return g.error().wrap("hand this peer's space to " + to->to_string());
    }
  }
  ring_.remove_peer(config_.self);
  if (auto c = commit_own_ring_change(); !c) return c.error();
  log::info("ipam: left the ring; its space went to {}", to->to_string());
  return *to;
}

void Ipam::keep_membership() {
  if (ring_.empty() || ring_.is_removed(config_.self)) return;
  const bool joined = ring_.join(config_.self);
  std::set<PeerName> acked;
  for (auto gone : ring_.removed()) {
    // A removed peer this peer still reaches is not acknowledged: it is alive, and may
    // still be changing its tokens (weftd refuses rmpeer of such a peer; one run elsewhere
    // waits here until the peer is really gone).
    if (!ring_.is_settled(gone) && ring_.awaited_by(gone, config_.self) &&
        !config_.reachable(gone) && ring_.acknowledge(config_.self, gone)) {
      acked.insert(gone);
    }
  }
  // Settling needs a walk over who holds the ring: only after something arrived or changed.
  const bool settled = (settle_due_ || !acked.empty()) && ring_.settle();
  settle_due_ = false;
  if (!joined && acked.empty() && !settled) return;
  if (settled) {
    // The first to see every ack tells everyone (a whole ring: the acks' tokens with it).
    if (auto c = commit_own_ring_change(); !c) {
      log::error("ipam: settling removals: {}", c.error().message());
      return;
    }
  } else if (!acked.empty()) {
    // An ack goes, with the whole ring it vouches for, to a peer that acknowledged before
    // (the one that ran rmpeer, usually): it collects them and tells everyone once it
    // settles. One message per ack instead of a broadcast each; with nobody to send to, a
    // broadcast. Periodic gossip carries acks too, so a lost one only delays the settling.
    ring_dirty_ = true;
    if (auto f = flush(); !f) {
      log::error("ipam: acknowledging removals: {}", f.error().message());
      return;
    }
    (void)ring_.take_changes();  // sent below, as a whole ring
    std::set<PeerName> collectors;
    bool broadcast = false;
    for (auto gone : acked) {
      std::optional<PeerName> to;
      const auto acks = ring_.membership().acks.find(gone);
      for (auto p : acks == ring_.membership().acks.end() ? std::set<PeerName>{} : acks->second) {
        if (p != config_.self && config_.reachable(p)) {
          to = p;
          break;
        }
      }
      if (to) {
        collectors.insert(*to);
      } else {
        broadcast = true;
      }
    }
    if (channel_) {
      const auto whole = encode_ring(ring_);
      if (broadcast) {
        channel_->broadcast(whole);
      } else {
        for (auto c : collectors) channel_->unicast(c, whole);
      }
    }
  } else {
    ring_dirty_ = true;
    dirty();
  }
  // A join carries no tokens: a small message, not a whole ring.
  if (joined && channel_) channel_->broadcast(encode_join(config_.self));
  serve_pending(now_);
}

void Ipam::ask_for_space(Pending& p, TimePoint now) {
  // Ask the reachable owner with the most space in the subnet that was not asked yet
  // (then start over): free counts are hints, owned size breaks ties.
  const Cidr& range = ring_.range();
  const u128 s0 = to_u128(p.subnet.first()) - to_u128(range.first());
  const Span sub{s0, s0 + p.subnet.size()};
  std::map<PeerName, u128> space;
  for (auto it = ring_.tokens().begin(); it != ring_.tokens().end(); ++it) {
    const auto owner = ring_.effective_owner(it->first);
    if (!owner || *owner == config_.self || !config_.reachable(*owner)) continue;
    const u128 end = ring_.token_end(it);
    const u128 a = std::max(it->first, sub.start), b = std::min(end, sub.end);
    if (a < b) space[*owner] += b - a;
  }
  std::optional<PeerName> best;
  for (int round = 0; round < 2 && !best; ++round) {
    u128 most = 0;
    for (const auto& [peer, n] : space) {
      if (round == 0 && std::find(p.asked.begin(), p.asked.end(), peer) != p.asked.end()) continue;
      if (n > most) {
        most = n;
        best = peer;
      }
    }
    if (!best) p.asked.clear();
  }
  p.next_ask = now + config_.retry_interval;
  if (!best || !channel_) return;
  p.asked.push_back(*best);
  ++stats_.space_requests_sent;
  channel_->unicast(*best, encode_space_request(p.subnet));
}

std::string Ipam::no_space_reason(const Pending& p) const {
  if (ring_.empty()) {
    return "the IP allocation ring is not initialised yet (no seed or consensus); check "
           "--ipalloc-init on every peer";
  }
  if (ring_.is_removed(config_.self)) {
    return "this peer was removed from the IP allocation ring (`weft rmpeer` elsewhere, or "
           "`weft ipam leave` here) and allocates nothing; to take part again, start it "
           "with a new identity (a fresh --data-dir)";
  }
  const Cidr& range = ring_.range();
  const u128 s0 = to_u128(p.subnet.first()) - to_u128(range.first());
  std::set<PeerName> unreachable, reachable, unsettled;
  for (u128 off = s0; off < s0 + p.subnet.size();) {
    auto it = std::prev(ring_.tokens().upper_bound(off));
    const u128 end = ring_.token_end(it);
    if (const auto o = ring_.effective_owner(it->first); o && *o != config_.self) {
      (config_.reachable(*o) ? reachable : unreachable).insert(*o);
    } else if (!o) {
      if (const auto gone = ring_.unsettled_removal(it->first)) unsettled.insert(*gone);
    }
    off = end;
  }
  std::string why = "no free address in " + p.subnet.to_string() + " after " +
                    std::to_string(to_millis(config_.request_timeout) / 1000) + " s";
  if (!unsettled.empty()) {
    // Space of a removed peer waits until every peer holding the ring has acknowledged the
    // removal (decision 0006): name who is awaited, and whether they can hear of it now.
    for (auto gone : unsettled) {
      why += "; space of removed peer " + gone.to_string() +
             " is unused until every peer holding the ring acknowledges its removal, awaiting";
      for (auto w : ring_.awaiting(gone)) {
        why += " " + w.to_string() + (config_.reachable(w) ? "" : " (unreachable)");
      }
    }
    why += ": a partition must heal first; a peer that is gone for good needs `weft rmpeer` too";
  } else if (!unreachable.empty()) {
    why += "; space is owned by unreachable peer";
    for (auto u : unreachable) why += " " + u.to_string();
    why += ": run `weft rmpeer NAME` if it is gone for good";
  } else if (!reachable.empty()) {
    why += "; the peers that own space there gave none (the subnet is full)";
  } else {
    why += "; this peer owns the whole subnet and it is full";
  }
  return why;
}

void Ipam::serve_pending(TimePoint now) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto a = allocator_.allocate(it->key, it->subnet);
    if (a) {
      record(*a);
      erase_pending(batch_, it->key);
      acks_.emplace_back(std::move(it->done), std::move(*a));
      it = pending_.erase(it);
      continue;
    }
    if (now >= it->deadline) {
      ++stats_.allocations_failed;
      auto done = std::move(it->done);
      const std::string why = no_space_reason(*it);
      erase_pending(batch_, it->key);
      dirty();
      it = pending_.erase(it);
      if (done) done(Error(Errc::timed_out, why));
      continue;
    }
    if (now >= it->next_ask) ask_for_space(*it, now);
    ++it;
  }
}

void Ipam::on_tick(TimePoint now) {
  now_ = now;
  if (consensus_restart_ && ring_.empty()) {
    const auto n = *consensus_restart_;
    consensus_restart_.reset();
    if (auto r = start_consensus(n, now); !r)
      log::error("ipam: consensus: {}", r.error().message());
  }
  if (consensus_ && ring_.empty() && config_.rng) {
    consensus_->on_tick(now, *config_.rng);
    consensus_changed();
  }
  keep_membership();
  serve_pending(now);
  if (free_dirty_ && now >= next_free_report_ && !ring_.empty()) {
    free_dirty_ = false;
    next_free_report_ = now + config_.free_report_interval;
    report_free_counts();
  }
}

TimePoint Ipam::next_deadline() const {
  TimePoint next = free_dirty_ && !ring_.empty() ? next_free_report_ : TimePoint::max();
  if (consensus_ && ring_.empty()) next = std::min(next, consensus_->next_deadline());
  if (consensus_restart_ && ring_.empty()) next = std::min(next, now_ + config_.retry_interval);
  for (const auto& p : pending_) next = std::min({next, p.deadline, p.next_ask});
  return next;
}

void Ipam::donate(PeerName to, const Cidr& subnet) {
  // The largest run of free addresses this peer owns inside the subnet; give its upper
  // half (all of it when it is a single address), so the donor keeps room to grow.
  const Cidr& range = ring_.range();
  const u128 s0 = to_u128(subnet.first()) - to_u128(range.first());
  const Span sub{s0, s0 + subnet.size()};
  Span best{};
  for (const auto& s : ring_.spans_of(config_.self)) {
    const u128 a = std::max(s.start, sub.start), b = std::min(s.end, sub.end);
    u128 run = a;
    const auto& used = allocator_.allocations();
    for (auto it = used.lower_bound(a); run < b; ++it) {
      const u128 stop = (it == used.end() || it->first >= b) ? b : it->first;
      if (stop > run && stop - run > best.size()) best = {run, stop};
      if (it == used.end() || it->first >= b) break;
      run = it->first + 1;
    }
  }
  // A run that ends where a removal not yet settled begins keeps its last address: the token
  // there has no known heir to write down, and space before it may not change hands
  // (Ring::grant).
  if (const auto next = ring_.tokens().find(best.end < ring_.size() ? best.end : 0);
      best.size() > 1 && next != ring_.tokens().end() && !ring_.effective_owner(next->first)) {
    --best.end;
  }
  if (best.size() == 0) return;
  const Span give{best.size() == 1 ? best.start : best.start + best.size() / 2, best.end};
  if (auto r = ring_.grant(config_.self, give, to); !r) {
    log::warn("ipam: could not grant space to {}: {}", to.to_string(), r.error().message());
    return;
  }
  if (auto c = commit_own_ring_change(); !c) return;
  ++stats_.grants;
}

Result<void> Ipam::on_unicast(PeerName src, std::span<const std::uint8_t> payload) {
  if (!payload.empty() && payload[0] == kConsensusMessage) {
    auto r = on_consensus(payload);
    if (!r) return r.error();
    return ok();
  }
  if (!payload.empty() && payload[0] == kRingMessage) {
    auto merged = merge_bytes(payload);
    if (!merged) return merged.error();
    return ok();
  }
  auto subnet = decode_space_request(payload);
  if (!subnet) return subnet.error();
  ++stats_.space_requests_served;
  donate(src, *subnet);
  return ok();
}

Result<bool> Ipam::merge_bytes(std::span<const std::uint8_t> payload, bool* acks_only) {
  Result<bool> changed = false;
  if (acks_only != nullptr) *acks_only = false;
  if (!payload.empty() && payload[0] == kJoinMessage) {
    auto peer = decode_join(payload);
    if (!peer) return peer.error();
    // Before this peer holds a ring, the whole ring it gets will carry the member.
    changed = !ring_.empty() && ring_.join(*peer);
  } else if (!payload.empty() && payload[0] == kRingSliceMessage) {
    auto slice = decode_ring_slice(payload);
    if (!slice) return slice.error();
    changed = ring_.merge(*slice);
  } else {
    auto theirs = decode_ring(payload);
    if (!theirs) return theirs.error();
    // A ring this peer left by `weft ipam reset` is not taken back.
    if (ring_.empty() && rejected_seeds_.count(theirs->seeds()) > 0) return false;
    changed = ring_.merge(*theirs, acks_only);
  }
  if (!changed) {
    ++stats_.merge_errors;
    if (changed.error().is(Errc::invalid_argument)) conflict_ = changed.error().message();
    return changed.error();
  }
  if (*changed) {
    ring_dirty_ = true;
    free_dirty_ = true;  // space may have arrived: its free count is ours to report
    dirty();
    settle_due_ = true;
    keep_membership();  // a first ring to join, a removal to acknowledge or settle
    serve_pending(now_);
  }
  return *changed;
}

Result<std::optional<gossip::Bytes>> Ipam::on_broadcast(PeerName,
                                                        std::span<const std::uint8_t> payload) {
  if (!payload.empty() && payload[0] == kConsensusMessage) return on_consensus(payload);
  auto changed = merge_bytes(payload);
  if (!changed) return changed.error();
  if (!*changed) return std::optional<gossip::Bytes>();
  return std::optional<gossip::Bytes>(gossip::Bytes(payload.begin(), payload.end()));
}

std::optional<gossip::Bytes> Ipam::gossip() {
  if (ring_.empty() && consensus_) return consensus_->encode();
  if (ring_.empty()) return std::nullopt;
  return encode_ring(ring_);
}

Result<std::optional<gossip::Bytes>> Ipam::on_gossip(PeerName,
                                                     std::span<const std::uint8_t> payload) {
  if (!payload.empty() && payload[0] == kConsensusMessage) {
    if (!consensus_ || !ring_.empty()) return std::optional<gossip::Bytes>();
    return on_consensus(payload);
  }
  bool acks_only = false;
  auto changed = merge_bytes(payload, &acks_only);
  if (!changed) return changed.error();
  // New members or acks alone are not passed on to every neighbour at once: joins have their
  // own broadcast, acks go to a collector whose settlement is broadcast, and this peer's next
  // periodic gossip carries them anyway. (Passing on every partial set flooded the mesh with
  // whole rings: at startup every peer joins, and after an rmpeer every peer acknowledges.)
  if (!*changed || acks_only) return std::optional<gossip::Bytes>();
  return std::optional<gossip::Bytes>(encode_ring(ring_));
}

}  // namespace weft::ipam
