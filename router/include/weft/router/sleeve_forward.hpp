// SPDX-License-Identifier: Apache-2.0
// Where sleeve frames go (decision 0012). Each host splits the other peers into the fast-path
// set (its kernel VXLAN floods to them) and the sleeve set (everyone else it can reach,
// directly or through relays); the two never overlap, so every peer gets one copy of a
// broadcast. The bridge keeps the two apart too (nftables: nothing crosses between
// weft-vxlan and weft-tap), so a frame that arrived over one overlay never leaves by the other.
//
// A frame a local pod sends that reaches weft-tap goes to:
//   - the peer that owns its destination MAC (learned from frames received over the sleeve)
//     when that peer is in the sleeve set, and nowhere when it has moved to the fast path;
//   - otherwise (broadcast, multicast, unknown unicast) every peer of the sleeve set.
// Each copy is a record addressed to its destination peer and sent to the next hop the mesh's
// unicast routes give; a relay that is not the destination passes it on (TTL bounded). Records
// are sealed per hop, because keys exist only between directly connected peers.
#pragma once

#include "weft/base/mac_address.hpp"
#include "weft/base/peer_name.hpp"
#include "weft/base/time.hpp"
#include "weft/router/sleeve_wire.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <unordered_map>
#include <vector>

namespace weft::router {

/// One record to send, and the directly connected peer to send it to.
struct SleeveHop {
  PeerName next;
  SleeveRecord record;
};

/// What to do with a record that arrived over the sleeve.
struct SleeveDelivery {
  bool to_bridge = false;          // write the frame into weft-tap
  std::optional<SleeveHop> relay;  // pass it on towards its destination
  const char* dropped = nullptr;   // why it went nowhere (for the metric's label)
};

class SleeveForwarder {
 public:
  /// How long a learned MAC stays without frames from it (the Linux bridge's default).
  static constexpr Duration kMacAgeing = std::chrono::seconds(300);

  explicit SleeveForwarder(PeerName self) : self_(self) {}

  /// The sleeve set and each reachable peer's next hop (a directly connected peer with
  /// sleeve keys). Peers without a next hop are unreachable over the sleeve.
  void set_paths(std::set<PeerName> sleeve_peers, std::map<PeerName, PeerName> next_hops);

  /// A frame from a local pod (read from weft-tap): the copies to send. Spans point into
  /// `frame`.
  [[nodiscard]] std::vector<SleeveHop> from_bridge(std::span<const std::uint8_t> frame,
                                                   TimePoint now);
  /// A record opened from a datagram of `hop` (a direct peer): learns the source MAC's
  /// owner, and says whether to deliver it here, pass it on, or drop it.
  [[nodiscard]] SleeveDelivery from_peer(const SleeveRecord& record, TimePoint now);

  /// The MACs learned behind `peer` (to make the bridge forget them when it changes overlay).
  [[nodiscard]] std::vector<MacAddress> macs_of(PeerName peer) const;
  /// The peer a MAC was last seen behind, if still fresh.
  [[nodiscard]] std::optional<PeerName> owner_of(const MacAddress& mac, TimePoint now) const;
  /// Forgets MACs not refreshed within kMacAgeing, and those of peers no longer reachable.
  void expire(TimePoint now);

  [[nodiscard]] const std::set<PeerName>& sleeve_peers() const noexcept { return sleeve_; }
  [[nodiscard]] std::optional<PeerName> next_hop(PeerName dst) const;
  [[nodiscard]] std::size_t macs() const noexcept { return macs_.size(); }

 private:
  struct Learned {
    PeerName peer;
    TimePoint seen;
  };

  PeerName self_;
  std::set<PeerName> sleeve_;
  std::map<PeerName, PeerName> next_hops_;
  std::unordered_map<MacAddress, Learned> macs_;
};

}  // namespace weft::router
