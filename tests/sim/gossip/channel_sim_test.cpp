// SPDX-License-Identifier: Apache-2.0
// Gossip channels over a simulated mesh, with a grow-only set as the channel's state:
// a broadcast reaches every peer exactly once, a unicast crosses several hops to its
// destination only, periodic gossip repairs state nobody broadcast, and data a channel
// cannot merge is counted while every connection stays up.
#include "weft/base/bytes.hpp"
#include "weft/base/log.hpp"
#include "weft/testing/seeds.hpp"

#include "mesh_sim.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <set>

using namespace weft;
using namespace weft::testing;
using namespace std::chrono_literals;

namespace {

using gossip::Bytes;

Bytes encode(const std::set<std::uint64_t>& items) {
  ByteWriter w;
  for (auto v : items) w.write_u64(v);
  return w.take();
}

Result<std::set<std::uint64_t>> decode(std::span<const std::uint8_t> payload) {
  if (payload.size() % 8 != 0) {
    return Error(Errc::parse_error, "set payload of " + std::to_string(payload.size()) +
                                        " bytes is not a whole number of items");
  }
  ByteReader r(payload);
  std::set<std::uint64_t> out;
  while (!r.at_end()) out.insert(*r.read_u64());
  return out;
}

// A grow-only set: merge is union, the delta is what was new.
class SetGossiper : public gossip::Gossiper {
 public:
  std::set<std::uint64_t> items;
  std::map<PeerName, int> broadcasts_from;
  std::vector<std::pair<PeerName, Bytes>> unicasts;

  Result<void> on_unicast(PeerName src, std::span<const std::uint8_t> payload) override {
    unicasts.emplace_back(src, Bytes(payload.begin(), payload.end()));
    return ok();
  }
  Result<std::optional<Bytes>> on_broadcast(PeerName src,
                                            std::span<const std::uint8_t> payload) override {
    ++broadcasts_from[src];
    return merge(payload);
  }
  std::optional<Bytes> gossip() override {
    if (items.empty()) return std::nullopt;
    return encode(items);
  }
  Result<std::optional<Bytes>> on_gossip(PeerName, std::span<const std::uint8_t> payload) override {
    return merge(payload);
  }

 private:
  Result<std::optional<Bytes>> merge(std::span<const std::uint8_t> payload) {
    auto in = decode(payload);
    if (!in) return in.error();
    std::set<std::uint64_t> fresh;
    for (auto v : *in) {
      if (items.insert(v).second) fresh.insert(v);
    }
    if (fresh.empty()) return std::optional<Bytes>();
    return std::optional<Bytes>(encode(fresh));
  }
};

constexpr NodeId kPeers = 60;

}  // namespace

TEST_CASE(
    "channels: broadcast once to all, multi-hop unicast, anti-entropy, merge errors kept local",
    "[sim][gossip][channel]") {
  for (auto seed : sim_seeds(3)) {
    INFO("seed " << seed << ": " << replay_hint(seed));
    std::printf("channel sim: %u peers, seed %llu (%s)\n", kPeers,
                static_cast<unsigned long long>(seed), replay_hint(seed).c_str());
    log::set_level(log::Level::error);  // the merge failures below are expected
    gossip::MeshConfig cfg;
    cfg.maker.discovery = false;
    cfg.gossip_interval = 2s;
    MeshSim sim(seed, SimConfig{}, cfg);
    std::vector<SetGossiper> sets(kPeers);
    std::vector<gossip::GossipChannel> channels;
    for (NodeId i = 0; i < kPeers; ++i) {
      sim.add_peer();
      channels.push_back(sim.mesh(i).register_channel("set", sets[i]));
    }
    // A chain (so the mesh is connected and has long paths) plus one random shortcut each.
    Xoshiro256Rng pick(seed * 31);
    for (NodeId i = 1; i < kPeers; ++i) {
      REQUIRE(sim.mesh(i).connect(MeshSim::address_of(i - 1), sim.now()));
      const auto j = static_cast<NodeId>(pick.uniform(i));
      if (j != i - 1) REQUIRE(sim.mesh(i).connect(MeshSim::address_of(j), sim.now()));
    }
    sim.run_until(sim.now() + 3s);
    for (NodeId i = 0; i < kPeers; ++i) REQUIRE(sim.mesh(i).topology().size() == kPeers);
    std::vector<std::size_t> established(kPeers);
    std::uint64_t terminations = 0;
    for (NodeId i = 0; i < kPeers; ++i) {
      established[i] = sim.mesh(i).established_count();
      terminations += sim.mesh(i).stats().terminations;
    }
    const PeerName origin = sim.mesh(0).config().name;

    {  // BROADCAST
      sets[0].items.insert(1000);
      channels[0].broadcast(encode({1000}));
      sim.run_until(sim.now() + 1s);
      for (NodeId i = 1; i < kPeers; ++i) {
        INFO("peer " << i);
        CHECK(sets[i].items.count(1000) == 1);
        CHECK(sets[i].broadcasts_from[origin] == 1);  // along a tree: exactly once
      }
      CHECK(sets[0].broadcasts_from.count(origin) == 0);
    }

    {  // UNICAST
      // From the chain's far end to its start: several hops through peers that only relay.
      const NodeId from = kPeers - 1;
      const PeerName dst = sim.mesh(0).config().name;
      const auto hop = sim.mesh(from).topology().routes().next_hop(dst);
      REQUIRE(hop);
      CHECK(*hop != dst);  // not a neighbour: the message is relayed
      channels[from].unicast(dst, Bytes{1, 2, 3});
      sim.run_until(sim.now() + 1s);
      REQUIRE(sets[0].unicasts.size() == 1);
      CHECK(sets[0].unicasts[0].first == sim.mesh(from).config().name);
      CHECK(sets[0].unicasts[0].second == Bytes{1, 2, 3});
      for (NodeId i = 1; i < kPeers; ++i) CHECK(sets[i].unicasts.empty());
    }

    {  // ANTI_ENTROPY
      // Peer 7 learns a value and tells nobody: periodic gossip spreads it anyway.
      sets[7].items.insert(2000);
      sim.run_until(sim.now() + 2 * cfg.gossip_interval + 2s);
      for (NodeId i = 0; i < kPeers; ++i) {
        INFO("peer " << i);
        CHECK(sets[i].items.count(2000) == 1);
      }
    }

    {  // MERGE_FAILURE
      // Bytes the channel cannot merge (and a channel nobody registered) are counted where
      // they arrive; no connection ends because of them.
      channels[3].broadcast(Bytes{0xee, 0xee, 0xee});
      sim.mesh(4).channel_gossip("nobody-listens", Bytes{1});
      sim.run_until(sim.now() + 1s);
      std::uint64_t failures = 0;
      for (NodeId i = 0; i < kPeers; ++i) {
        for (const auto& [name, st] : sim.mesh(i).stats().channels) failures += st.merge_failures;
      }
      CHECK(failures >= 2);
      std::uint64_t after = 0;
      for (NodeId i = 0; i < kPeers; ++i) {
        INFO("peer " << i);
        CHECK(sim.mesh(i).established_count() == established[i]);
        after += sim.mesh(i).stats().terminations;
      }
      CHECK(after == terminations);
      // The channel still works afterwards.
      sets[9].items.insert(3000);
      channels[9].broadcast(encode({3000}));
      sim.run_until(sim.now() + 1s);
      for (NodeId i = 0; i < kPeers; ++i) CHECK(sets[i].items.count(3000) == 1);
    }
  }
}
