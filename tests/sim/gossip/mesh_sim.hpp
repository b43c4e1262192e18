// SPDX-License-Identifier: Apache-2.0
// A simulated cluster of mesh cores on SimNetwork with TCP-like connections: dials become
// SYN/SYN-ACK exchanges, sends arrive in order, closes reach the other end, partitions reset
// the connections they cut and make dials across them time out. One thread, virtual time.
#pragma once

#include "weft/gossip/mesh.hpp"
#include "weft/testing/sim_network.hpp"

#include <memory>
#include <string>
#include <vector>

namespace weft::testing {

struct SimPacket {
  enum class Kind { syn, syn_ack, data, fin } kind = Kind::data;
  gossip::ConnId from_conn = 0;  ///< the sender's connection id
  gossip::ConnId to_conn = 0;    ///< the receiver's id (0 for syn)
  gossip::Bytes bytes;
};

class MeshSim {
 public:
  MeshSim(std::uint64_t seed, SimConfig net, gossip::MeshConfig base);

  /// Adds a peer (up at once) with its own name and rng; returns its node id.
  NodeId add_peer();
  static std::string address_of(NodeId n) { return "p" + std::to_string(n) + ":6783"; }
  /// The mesh settings channel simulations run with: gossip every 2 s, quick reconnects,
  /// room for `peers` connections. Without discovery each peer keeps to its --peer targets
  /// and those who dial it, so gossip crosses several hops and a partition can split the
  /// mesh into many pieces (a full mesh of 100 also costs ~70x more to simulate: every
  /// topology change is O(edges)).
  static gossip::MeshConfig channel_sim_config(std::size_t peers, bool discovery = false) {
    gossip::MeshConfig c;
    c.gossip_interval = std::chrono::seconds(2);
    c.maker.initial_backoff = std::chrono::milliseconds(200);
    c.maker.max_backoff = std::chrono::seconds(1);
    c.maker.discovery = discovery;
    c.maker.conn_limit = peers;
    return c;
  }

  gossip::Mesh& mesh(NodeId n) { return *peers_.at(n).mesh; }
  [[nodiscard]] std::size_t size() const { return peers_.size(); }
  SimNetwork<SimPacket>& net() { return net_; }
  [[nodiscard]] TimePoint now() const { return net_.now(); }

  void run_until(TimePoint t);
  /// Cuts `side` off from the rest: open connections across the cut are reset at once.
  void partition(const std::vector<NodeId>& side);
  void heal() { net_.heal(); }
  /// kill -9: the node stops, and the other ends of its connections see them reset.
  void crash(NodeId n);
  /// Starts a crashed node again: same name and keys, a new incarnation, no connections.
  /// Callers register channels on the new mesh(n).
  void restart(NodeId n);

  /// Bytes every peer has sent so far (for bench figures).
  [[nodiscard]] std::uint64_t bytes_sent(NodeId n) const;

 private:
  struct Peer {
    std::unique_ptr<Xoshiro256Rng> rng;
    std::unique_ptr<gossip::Mesh> mesh;
    gossip::MeshConfig config;
    std::map<gossip::ConnId, std::pair<NodeId, gossip::ConnId>> remote;  // our conn -> their end
    std::map<gossip::ConnId, NodeId> dialing;
    TimePoint tick_at = TimePoint::max();
  };
  void deliver(NodeId from, NodeId to, SimPacket& p);
  void after_event(NodeId n);
  void schedule_tick(NodeId n);
  std::optional<NodeId> resolve(const std::string& address) const;

  SimNetwork<SimPacket> net_;
  gossip::MeshConfig base_;
  Xoshiro256Rng names_;
  std::vector<Peer> peers_;
};

}  // namespace weft::testing
