// SPDX-License-Identifier: Apache-2.0
// The registry on the mesh: the `dns` gossip channel. This peer's own changes go out at
// once as deltas (broadcast), the whole state goes to every neighbour periodically
// (anti-entropy, which also completes records that missed a delta), and what arrives is
// merged, passing on only what was new here. Time reaches the registry through the calls
// that take `now` and on_tick (the mesh's callbacks carry none).
#pragma once

#include "weft/dns/registry.hpp"
#include "weft/gossip/gossiper.hpp"

#include <chrono>
#include <optional>

namespace weft::dns {

using namespace std::chrono_literals;

inline constexpr std::string_view kDnsChannel = "dns";

struct RegistryStats {
  std::uint64_t merges = 0, merges_with_news = 0, merge_errors = 0, corrections = 0;
};

class RegistryGossiper : public gossip::Gossiper {
 public:
  /// `tombstone_lifetime`: how long a removal is remembered entry by entry (it is remembered
  /// by the record's floor after that); longer than a partition is expected to last is not
  /// required for correctness, only to keep incomplete records from holding tombstones.
  RegistryGossiper(PeerName self, Duration tombstone_lifetime, TimePoint now);

  /// The channel to send on (Mesh::register_channel(kDnsChannel, ...)).
  void attach(gossip::GossipChannel channel) { channel_.emplace(std::move(channel)); }

  // This peer's changes (registry.hpp), broadcast when they change anything.
  Result<void> add(const Name& name, const IpAddress& address, std::string_view container,
                   TimePoint now);
  /// How many entries went.
  std::size_t remove(const Name& name, const std::optional<IpAddress>& address, TimePoint now);
  std::size_t remove_container(std::string_view container, TimePoint now);
  Result<void> forget_origin(PeerName peer, TimePoint now);

  /// Garbage-collects tombstones; call at next_deadline() or more often.
  void on_tick(TimePoint now);
  [[nodiscard]] TimePoint next_deadline() const { return registry_.next_gc(); }

  [[nodiscard]] const Registry& registry() const { return registry_; }
  [[nodiscard]] const RegistryStats& stats() const { return stats_; }

  // gossip::Gossiper
  Result<void> on_unicast(PeerName src, std::span<const std::uint8_t> payload) override;
  Result<std::optional<gossip::Bytes>> on_broadcast(PeerName src,
                                                    std::span<const std::uint8_t> payload) override;
  std::optional<gossip::Bytes> gossip() override;
  Result<std::optional<gossip::Bytes>> on_gossip(PeerName src,
                                                 std::span<const std::uint8_t> payload) override;

 private:
  /// Decodes and merges; the news (nullopt when none). Broadcasts a self-correction.
  Result<std::optional<RegistryState>> merge(std::span<const std::uint8_t> payload);
  void broadcast(const RegistryState& delta);

  Registry registry_;
  TimePoint now_;
  std::optional<gossip::GossipChannel> channel_;
  RegistryStats stats_;
};

}  // namespace weft::dns
