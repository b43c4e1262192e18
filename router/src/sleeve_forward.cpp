// SPDX-License-Identifier: Apache-2.0
// SleeveForwarder (sleeve_forward.hpp): MAC learning and the copies each frame turns into.
#include "weft/router/sleeve_forward.hpp"

#include <algorithm>

namespace weft::router {
namespace {

constexpr std::size_t kEthernetHeader = 14;

MacAddress mac_at(std::span<const std::uint8_t> frame, std::size_t offset) {
  std::array<std::uint8_t, MacAddress::kSize> b{};
  std::copy_n(frame.begin() + static_cast<std::ptrdiff_t>(offset), b.size(), b.begin());
  return MacAddress(b);
}

}  // namespace

void SleeveForwarder::set_paths(std::set<PeerName> sleeve_peers,
                                std::map<PeerName, PeerName> next_hops) {
  sleeve_ = std::move(sleeve_peers);
  next_hops_ = std::move(next_hops);
  sleeve_.erase(self_);
  next_hops_.erase(self_);
}

std::optional<PeerName> SleeveForwarder::next_hop(PeerName dst) const {
  const auto it = next_hops_.find(dst);
  if (it == next_hops_.end()) return std::nullopt;
  return it->second;
}

std::optional<PeerName> SleeveForwarder::owner_of(const MacAddress& mac, TimePoint now) const {
  const auto it = macs_.find(mac);
  if (it == macs_.end() || now - it->second.seen > kMacAgeing) return std::nullopt;
  return it->second.peer;
}

std::vector<MacAddress> SleeveForwarder::macs_of(PeerName peer) const {
  std::vector<MacAddress> out;
  for (const auto& [mac, l] : macs_) {
    if (l.peer == peer) out.push_back(mac);
  }
  return out;
}

void SleeveForwarder::expire(TimePoint now) {
  std::erase_if(macs_, [&](const auto& kv) {
    return now - kv.second.seen > kMacAgeing || !next_hops_.contains(kv.second.peer);
  });
}

std::vector<SleeveHop> SleeveForwarder::from_bridge(std::span<const std::uint8_t> frame,
                                                    TimePoint now) {
  std::vector<SleeveHop> hops;
  if (frame.size() < kEthernetHeader) return hops;
  const MacAddress dst = mac_at(frame, 0);
  auto copy_to = [&](PeerName peer) {
    if (auto next = next_hop(peer)) {
      hops.push_back({*next, SleeveRecord{self_, peer, kSleeveDefaultTtl, frame}});
    }
  };
  if (!dst.is_multicast()) {
    if (auto owner = owner_of(dst, now)) {
      // Behind a sleeve peer: one copy. Behind a fast-path peer (it moved back): the
      // bridge flooded it to both ports and VXLAN carries it, so none.
      if (sleeve_.contains(*owner)) copy_to(*owner);
      return hops;
    }
  }
  for (const PeerName p : sleeve_) copy_to(p);
  return hops;
}

SleeveDelivery SleeveForwarder::from_peer(const SleeveRecord& record, TimePoint now) {
  SleeveDelivery d;
  if (record.frame.size() < kEthernetHeader) {
    d.dropped = "runt";
    return d;
  }
  if (record.origin == self_) {
    d.dropped = "loop";  // our own frame came back: routes disagree while they converge
    return d;
  }
  if (record.destination == self_) {
    const MacAddress src = mac_at(record.frame, 6);
    if (!src.is_multicast() && !src.is_zero()) macs_[src] = Learned{record.origin, now};
    d.to_bridge = true;
    return d;
  }
  if (record.ttl <= 1) {
    d.dropped = "ttl";
    return d;
  }
  const auto next = next_hop(record.destination);
  if (!next) {
    d.dropped = "unreachable";
    return d;
  }
  SleeveRecord onward = record;
  onward.ttl = static_cast<std::uint8_t>(record.ttl - 1);
  d.relay = SleeveHop{*next, onward};
  return d;
}

}  // namespace weft::router
