// SPDX-License-Identifier: Apache-2.0
// A peer's IPAM on the mesh: its ring replica and allocator, the `ipam` gossip channel
// (the ring as a CRDT: broadcast on change, full state as periodic gossip), and space
// requests: an allocation with no local space waits while peers that own space in the
// subnet are asked to donate some, and fails after a timeout with the reason.
#pragma once

#include "weft/base/rng.hpp"
#include "weft/base/time.hpp"
#include "weft/gossip/gossiper.hpp"
#include "weft/ipam/allocator.hpp"
#include "weft/ipam/ring.hpp"

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
  /// Whether the mesh can reach a peer now (the mesh's routes).
  std::function<bool(PeerName)> reachable = [](PeerName) { return true; };
};

struct IpamStats {
  std::uint64_t space_requests_sent = 0, space_requests_served = 0, grants = 0;
  std::uint64_t allocations_failed = 0, merge_errors = 0;
};

class Ipam : public gossip::Gossiper {
 public:
  using Done = std::function<void(Result<Allocation>)>;

  explicit Ipam(IpamConfig config);

  /// The channel to send on (from Mesh::register_channel).
  void attach(gossip::GossipChannel channel) { channel_.emplace(std::move(channel)); }
  /// Seed bootstrap: every peer given the same names computes the same ring.
  Result<void> seed(const std::vector<PeerName>& seeds);

  /// Answers at once when this peer has space, else later (on_tick, or when space arrives).
  void allocate(std::string key, Cidr subnet, TimePoint now, Done done);
  Result<Allocation> claim(const std::string& key, const IpAddress& address, const Cidr& subnet);
  std::vector<Allocation> free_key(const std::string& key);
  std::vector<Allocation> gc(const std::set<std::string>& live);
  /// rmpeer: `peer` is dead; its space passes to heirs everywhere (decision 0006).
  Result<void> rmpeer(PeerName peer);

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
  Result<bool> merge_bytes(std::span<const std::uint8_t> payload);
  void ring_changed();  ///< broadcast the ring
  void serve_pending(TimePoint now);
  void ask_for_space(Pending& p, TimePoint now);
  void donate(PeerName to, const Cidr& subnet);
  [[nodiscard]] std::string no_space_reason(const Pending& p) const;

  IpamConfig config_;
  Ring ring_;
  Allocator allocator_;
  std::optional<gossip::GossipChannel> channel_;
  std::deque<Pending> pending_;
  TimePoint now_{};
  IpamStats stats_;
};

}  // namespace weft::ipam
