// SPDX-License-Identifier: Apache-2.0
// The contract between the mesh and a subsystem that gossips mergeable state (ipam, dns),
// modelled on weaveworks/mesh's Gossiper and GossipData. All calls happen on the mesh's
// thread. A returned error is logged and counted by the mesh; it never closes a connection.
#pragma once

#include "weft/base/peer_name.hpp"
#include "weft/base/result.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace weft::gossip {

using Bytes = std::vector<std::uint8_t>;

class Gossiper {
 public:
  virtual ~Gossiper() = default;
  /// A message sent to this peer alone.
  virtual Result<void> on_unicast(PeerName src, std::span<const std::uint8_t> payload) = 0;
  /// A broadcast from `src`. Returns what was new here (the mesh forwards the broadcast
  /// only then, which also ends loops when views of the topology disagree), or nullopt.
  virtual Result<std::optional<Bytes>> on_broadcast(PeerName src,
                                                    std::span<const std::uint8_t> payload) = 0;
  /// The full state, sent to every neighbour periodically (anti-entropy); nullopt = nothing.
  virtual std::optional<Bytes> gossip() = 0;
  /// A neighbour's state. Returns the part that was new here (passed on to the other
  /// neighbours), or nullopt.
  virtual Result<std::optional<Bytes>> on_gossip(PeerName src,
                                                 std::span<const std::uint8_t> payload) = 0;
};

class Mesh;

/// A subsystem's handle for sending on its channel. Cheap to copy; valid while the mesh is.
class GossipChannel {
 public:
  GossipChannel(Mesh& mesh, std::string name) : mesh_(&mesh), name_(std::move(name)) {}
  /// To one peer, relayed along unicast routes. Dropped (and counted) if unreachable.
  void unicast(PeerName dst, Bytes payload);
  /// To every reachable peer, along this peer's broadcast tree.
  void broadcast(Bytes payload);
  /// To every neighbour.
  void gossip(Bytes payload);
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  Mesh* mesh_;
  std::string name_;
};

}  // namespace weft::gossip
