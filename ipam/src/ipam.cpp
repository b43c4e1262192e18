// SPDX-License-Identifier: Apache-2.0
#include "weft/ipam/ipam.hpp"

#include "weft/base/log.hpp"
#include "weft/base/uint128.hpp"
#include "weft/ipam/wire.hpp"

#include <algorithm>

namespace weft::ipam {

Ipam::Ipam(IpamConfig config)
    : config_(std::move(config)), ring_(config_.range), allocator_(config_.self, ring_) {}

Result<void> Ipam::seed(const std::vector<PeerName>& seeds) {
  if (auto r = ring_.seed(seeds); !r) return r;
  ring_changed();
  return ok();
}

void Ipam::ring_changed() {
  if (channel_) channel_->broadcast(encode_ring(ring_));
}

void Ipam::allocate(std::string key, Cidr subnet, TimePoint now, Done done) {
  now_ = now;
  auto a = allocator_.allocate(key, subnet);
  if (a || !a.error().is(Errc::unavailable)) {
    done(std::move(a));
    return;
  }
  Pending p{std::move(key), subnet, now + config_.request_timeout, now, std::move(done), {}};
  ask_for_space(p, now);
  pending_.push_back(std::move(p));
}

Result<Allocation> Ipam::claim(const std::string& key, const IpAddress& address,
                               const Cidr& subnet) {
  return allocator_.claim(key, address, subnet);
}

std::vector<Allocation> Ipam::free_key(const std::string& key) {
  return allocator_.free_key(key);
}

std::vector<Allocation> Ipam::gc(const std::set<std::string>& live) {
  return allocator_.gc(live);
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
  ring_changed();
  serve_pending(now_);
  return ok();
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
    const u128 end = std::next(it) == ring_.tokens().end() ? ring_.size() : std::next(it)->first;
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
  const Cidr& range = ring_.range();
  const u128 s0 = to_u128(p.subnet.first()) - to_u128(range.first());
  std::set<PeerName> unreachable, reachable;
  for (u128 off = s0; off < s0 + p.subnet.size();) {
    auto it = std::prev(ring_.tokens().upper_bound(off));
    const u128 end = std::next(it) == ring_.tokens().end() ? ring_.size() : std::next(it)->first;
    if (const auto o = ring_.effective_owner(it->first); o && *o != config_.self) {
      (config_.reachable(*o) ? reachable : unreachable).insert(*o);
    }
    off = end;
  }
  std::string why = "no free address in " + p.subnet.to_string() + " after " +
                    std::to_string(to_millis(config_.request_timeout) / 1000) + " s";
  if (!unreachable.empty()) {
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
      auto done = std::move(it->done);
      it = pending_.erase(it);
      done(std::move(a));
      continue;
    }
    if (now >= it->deadline) {
      ++stats_.allocations_failed;
      auto done = std::move(it->done);
      const std::string why = no_space_reason(*it);
      it = pending_.erase(it);
      done(Error(Errc::timed_out, why));
      continue;
    }
    if (now >= it->next_ask) ask_for_space(*it, now);
    ++it;
  }
}

void Ipam::on_tick(TimePoint now) {
  now_ = now;
  serve_pending(now);
}

TimePoint Ipam::next_deadline() const {
  TimePoint next = TimePoint::max();
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
  if (best.size() == 0) return;
  const Span give{best.size() == 1 ? best.start : best.start + best.size() / 2, best.end};
  if (auto r = ring_.grant(config_.self, give, to); !r) {
    log::warn("ipam: could not grant space to {}: {}", to.to_string(), r.error().message());
    return;
  }
  ++stats_.grants;
  ring_changed();
}

Result<void> Ipam::on_unicast(PeerName src, std::span<const std::uint8_t> payload) {
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

Result<bool> Ipam::merge_bytes(std::span<const std::uint8_t> payload) {
  auto theirs = decode_ring(payload);
  if (!theirs) return theirs.error();
  auto changed = ring_.merge(*theirs);
  if (!changed) {
    ++stats_.merge_errors;
    return changed.error();
  }
  if (*changed) serve_pending(now_);
  return *changed;
}

Result<std::optional<gossip::Bytes>> Ipam::on_broadcast(PeerName,
                                                        std::span<const std::uint8_t> payload) {
  auto changed = merge_bytes(payload);
  if (!changed) return changed.error();
  if (!*changed) return std::optional<gossip::Bytes>();
  return std::optional<gossip::Bytes>(gossip::Bytes(payload.begin(), payload.end()));
}

std::optional<gossip::Bytes> Ipam::gossip() {
  if (ring_.empty()) return std::nullopt;
  return encode_ring(ring_);
}

Result<std::optional<gossip::Bytes>> Ipam::on_gossip(PeerName,
                                                     std::span<const std::uint8_t> payload) {
  auto changed = merge_bytes(payload);
  if (!changed) return changed.error();
  if (!*changed) return std::optional<gossip::Bytes>();
  return std::optional<gossip::Bytes>(encode_ring(ring_));
}

}  // namespace weft::ipam
