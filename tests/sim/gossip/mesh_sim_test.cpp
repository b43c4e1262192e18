// SPDX-License-Identifier: Apache-2.0
// The mesh at scale in virtual time: 1,000 peers each dialling 8 random others over links of
// 1-20 ms converge on one topology with consistent, loop-free routes; a new peer is known to
// all within 1 s; a 20% partition that heals reconverges within 2 s.
#include "mesh_sim.hpp"

#include "weft/base/log.hpp"
#include "weft/testing/seeds.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <set>

using namespace weft;
using namespace weft::testing;
using namespace std::chrono_literals;

#ifndef WEFT_SIM_DEFAULT_PEERS
#define WEFT_SIM_DEFAULT_PEERS 100
#endif

namespace {

gossip::MeshConfig sim_config() {
  gossip::MeshConfig c;
  c.maker.discovery = false;  // the scenario fixes who dials whom
  c.maker.conn_limit = 100;
  // Retries come quickly so the heal measurement is of gossip, not of dial backoff.
  c.maker.initial_backoff = 200ms;
  c.maker.max_backoff = 300ms;
  return c;
}

bool all_agree(MeshSim& sim, std::size_t expected_peers, std::vector<NodeId>* disagree = nullptr) {
  const auto& h0 = sim.mesh(0).topology().digest_hash();
  bool ok = true;
  for (NodeId n = 0; n < sim.size(); ++n) {
    const auto& t = sim.mesh(n).topology();
    if (t.size() != expected_peers || t.digest_hash() != h0) {
      ok = false;
      if (!disagree) return false;
      disagree->push_back(n);
    }
  }
  return ok;
}

// Follows next hops from every peer to every other: each hop is an established neighbour,
// and each path ends at its destination without revisiting a peer.
bool routes_consistent(MeshSim& sim, std::string& why) {
  std::vector<PeerName> names;
  for (NodeId n = 0; n < sim.size(); ++n) names.push_back(sim.mesh(n).config().name);
  std::unordered_map<PeerName, NodeId> node_of;
  for (NodeId n = 0; n < sim.size(); ++n) node_of[names[n]] = n;
  for (NodeId a = 0; a < sim.size(); ++a) {
    for (NodeId b = 0; b < sim.size(); ++b) {
      if (a == b) continue;
      NodeId at = a;
      std::size_t hops = 0;
      while (at != b) {
        auto hop = sim.mesh(at).topology().routes().next_hop(names[b]);
        if (!hop) {
          why = "no route from " + std::to_string(at) + " to " + std::to_string(b);
          return false;
        }
        const auto nb = sim.mesh(at).topology().routes().neighbours();
        if (std::find(nb.begin(), nb.end(), *hop) == nb.end()) {
          why = "next hop is not a neighbour";
          return false;
        }
        at = node_of.at(*hop);
        if (++hops > sim.size()) {
          why = "loop on the way from " + std::to_string(a) + " to " + std::to_string(b);
          return false;
        }
      }
    }
  }
  return true;
}

}  // namespace

TEST_CASE("peers converge, a join spreads in 1 s, a 20% partition heals in 2 s", "[sim][gossip]") {
  // 1,000 in the unsanitised scale binary, 100 under the sanitizers (CMakeLists.txt says
  // why); WEFT_SIM_PEERS overrides either.
  const NodeId kPeers = std::getenv("WEFT_SIM_PEERS")
                            ? static_cast<NodeId>(std::stoul(std::getenv("WEFT_SIM_PEERS")))
                            : WEFT_SIM_DEFAULT_PEERS;
  for (auto seed : sim_seeds(3)) {
    INFO("seed " << seed << ": " << replay_hint(seed));
    std::printf("gossip sim: %u peers, seed %llu (%s)\n", kPeers,
                static_cast<unsigned long long>(seed), replay_hint(seed).c_str());
    SimConfig net;  // 1-20 ms per link, in order, lossless
    const auto wall_start = std::chrono::steady_clock::now();  // progress report only
    const auto wall = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    };
    log::set_level(log::Level::warn);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // 16,000 connection lines would drown the output
    MeshSim sim(seed, net, sim_config());
    const auto counts = [&] {
      std::uint64_t e = 0, d = 0, b = 0;
      for (NodeId n = 0; n < sim.size(); ++n) {
        e += sim.mesh(n).stats().entries_received;
        d += sim.mesh(n).stats().digest_items_received;
        b += sim.mesh(n).stats().bytes_sent;
      }
      std::printf("gossip sim:   so far: %llu entries, %llu digest items, %llu bytes\n",
                  static_cast<unsigned long long>(e), static_cast<unsigned long long>(d),
                  static_cast<unsigned long long>(b));
    };
    for (NodeId i = 0; i < kPeers; ++i) sim.add_peer();
    Xoshiro256Rng pick(seed * 7919);
    std::vector<std::set<NodeId>> neighbours(kPeers);
    for (NodeId i = 0; i < kPeers; ++i) {
      std::set<NodeId> chosen;
      while (chosen.size() < 8) {
        const auto j = static_cast<NodeId>(pick.uniform(kPeers));
        if (j != i) chosen.insert(j);
      }
      for (auto j : chosen) {
        REQUIRE(sim.mesh(i).connect(MeshSim::address_of(j), sim.now()));
        neighbours[i].insert(j);
        neighbours[j].insert(i);
      }
    }

    // Run until every connection is up.
    TimePoint all_up{};
    for (int step = 0; step < 600; ++step) {
      sim.run_until(sim.now() + 50ms);
      bool up = true;
      for (NodeId i = 0; i < kPeers && up; ++i) {
        up = sim.mesh(i).established_count() == neighbours[i].size();
      }
      if (up) {
        all_up = sim.now();
        break;
      }
    }
    REQUIRE(all_up != TimePoint{});
    TimePoint converged{};
    for (int step = 0; step < 200; ++step) {
      if (all_agree(sim, kPeers)) {
        converged = sim.now();
        break;
      }
      sim.run_until(sim.now() + 10ms);
    }
    REQUIRE(converged != TimePoint{});
    std::printf(
        "gossip sim: [wall %.1f s] all connections up at %lld ms, topology agreed %lld ms later\n",
        wall(), static_cast<long long>(to_millis(all_up - kEpoch)),
        static_cast<long long>(to_millis(converged - all_up)));
    counts();
    std::string why;
    CHECK(routes_consistent(sim, why));
    INFO(why);

    // A new peer joins.
    const NodeId joiner = sim.add_peer();
    for (int k = 0; k < 8; ++k) {
      REQUIRE(sim.mesh(joiner).connect(
          MeshSim::address_of(static_cast<NodeId>(pick.uniform(kPeers))), sim.now()));
    }
    const auto join_start = sim.now();
    const PeerName joiner_name = sim.mesh(joiner).config().name;
    TimePoint known_by_all{};
    while (sim.now() - join_start <= 2s) {
      sim.run_until(sim.now() + 10ms);
      bool all = true;
      for (NodeId n = 0; n < kPeers && all; ++n) {
        all = sim.mesh(n).topology().find(joiner_name) != nullptr;
      }
      if (all) {
        known_by_all = sim.now();
        break;
      }
    }
    REQUIRE(known_by_all != TimePoint{});
    std::printf("gossip sim: [wall %.1f s] new peer known to all %u peers after %lld ms\n", wall(),
                kPeers, static_cast<long long>(to_millis(known_by_all - join_start)));
    CHECK(known_by_all - join_start <= 1s);
    counts();

    // 20% of the peers are cut off, long enough for both sides to notice and forget the other.
    std::vector<NodeId> side;
    for (NodeId n = 0; n < kPeers / 5; ++n) side.push_back(n * 5 % kPeers);
    sim.partition(side);
    sim.run_until(sim.now() + 5s);
    counts();
    CHECK(sim.mesh(side[0]).topology().size() < kPeers / 2);  // forgot the other side
    sim.heal();
    const auto heal = sim.now();
    TimePoint reconverged{};
    while (sim.now() - heal <= 5s) {
      sim.run_until(sim.now() + 10ms);
      if (all_agree(sim, kPeers + 1)) {
        reconverged = sim.now();
        break;
      }
    }
    REQUIRE(reconverged != TimePoint{});
    std::printf("gossip sim: [wall %.1f s] reconverged %lld ms after the partition healed\n",
                wall(), static_cast<long long>(to_millis(reconverged - heal)));
    CHECK(reconverged - heal <= 2s);
    counts();
    CHECK(routes_consistent(sim, why));
  }
}
