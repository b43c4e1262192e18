// SPDX-License-Identifier: Apache-2.0
// The DNS name registry over a simulated mesh: peers add and remove entries at random while
// partitions come and go, weftd's restart without memory (its containers still run; it
// registers some of them again) and die for good (then rmpeer'd). Every host's monotonic
// clock is hours away from the others' (and starts over on restart): nothing may depend on
// it but the local tombstone lifetime. After the last heal every live peer holds the same
// registry, and its live entries are exactly what each live peer registered last.
#include "weft/base/log.hpp"
#include "weft/dns/registry_gossiper.hpp"
#include "weft/testing/seeds.hpp"

#include "mesh_sim.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <tuple>

using namespace weft;
using namespace weft::testing;
using namespace std::chrono_literals;

namespace {

constexpr NodeId kPeers = 12;
constexpr Duration kTombstoneLifetime = 20s;

using Key = std::tuple<PeerName, std::string, IpAddress, std::string>;  // origin, name, addr, id

struct Cluster {
  MeshSim sim;
  Xoshiro256Rng& rng;
  std::vector<std::unique_ptr<dns::RegistryGossiper>> regs;
  std::vector<std::unique_ptr<dns::RegistryGossiper>> crashed;  // the old mesh may call them
  std::vector<Duration> skew;  // each host's monotonic clock minus virtual time
  std::vector<std::vector<NodeId>> targets;
  std::set<NodeId> down, dead;
  // What each peer registered and did not remove (its containers): the expected registry.
  std::vector<std::set<std::tuple<std::string, IpAddress, std::string>>> intent;

  Cluster(std::uint64_t seed, Xoshiro256Rng& r)
      : sim(seed, SimConfig{}, MeshSim::channel_sim_config(kPeers)),
        rng(r),
        targets(kPeers),
        intent(kPeers) {
    for (NodeId i = 0; i < kPeers; ++i) sim.add_peer();
    for (NodeId i = 0; i < kPeers; ++i) {
      skew.push_back(random_skew());
      regs.emplace_back();
      start(i);
    }
    for (NodeId i = 1; i < kPeers; ++i) {
      for (int k = 0; k < 3; ++k) {
        const auto t = static_cast<NodeId>(rng.uniform(i));
        targets[i].push_back(t);
        REQUIRE(sim.mesh(i).connect(MeshSim::address_of(t), sim.now()));
      }
    }
  }

  // Up to two days either way: steady clocks count from boot, so hosts disagree by that much.
  Duration random_skew() { return std::chrono::minutes(rng.uniform(96 * 60)) - 48h + 100h; }
  TimePoint local(NodeId i) const { return sim.now() + skew[i]; }
  PeerName name(NodeId i) { return sim.mesh(i).config().name; }
  [[nodiscard]] bool up(NodeId i) const { return !down.count(i) && !dead.count(i); }

  void start(NodeId i) {
    regs[i] = std::make_unique<dns::RegistryGossiper>(name(i), kTombstoneLifetime, local(i));
    regs[i]->attach(sim.mesh(i).register_channel(std::string(dns::kDnsChannel), *regs[i]));
  }
  void crash(NodeId i) {
    sim.crash(i);
    crashed.push_back(std::move(regs[i]));
  }
  // weftd comes back with no memory and a new boot clock, and registers again a random half of
  // the containers that still run (the others were deleted meanwhile).
  void restart(NodeId i) {
    sim.restart(i);
    skew[i] = random_skew();
    start(i);
    for (auto t : targets[i]) REQUIRE(sim.mesh(i).connect(MeshSim::address_of(t), sim.now()));
    auto old = std::move(intent[i]);
    intent[i].clear();
    for (const auto& [n, a, c] : old) {
      if (rng.uniform(2) != 0) continue;
      REQUIRE(regs[i]->add(*dns::Name::parse(n), a, c, local(i)));
      intent[i].emplace(n, a, c);
    }
  }

  void run(Duration d) {
    const TimePoint until = sim.now() + d;
    while (sim.now() < until) {
      sim.run_until(std::min(until, sim.now() + 100ms));
      for (NodeId i = 0; i < kPeers; ++i) {
        if (up(i)) regs[i]->on_tick(local(i));
      }
    }
  }

  std::set<Key> expected() const {
    std::set<Key> out;
    for (NodeId i = 0; i < kPeers; ++i) {
      if (dead.count(i)) continue;
      for (const auto& [n, a, c] : intent[i]) {
        out.emplace(const_cast<MeshSim&>(sim).mesh(i).config().name, n, a, c);
      }
    }
    return out;
  }
  static std::set<Key> live_view(const dns::Registry& r) {
    std::set<Key> out;
    for (const auto& e : r.entries())
      out.emplace(e.origin, e.name.canonical(), e.address, e.container);
    return out;
  }
};

}  // namespace

TEST_CASE("dns registry: every live peer converges on what each live peer registered",
          "[sim][dns]") {
  for (auto seed : sim_seeds(6)) {  // WEFT_SIM_SEEDS=N for more
    INFO("seed " << seed << ": " << replay_hint(seed));
    std::printf("dns registry sim: %u peers, seed %llu (%s)\n", kPeers,
                static_cast<unsigned long long>(seed), replay_hint(seed).c_str());
    log::set_level(log::Level::error);
    Xoshiro256Rng rng(seed * 15485863);
    Cluster cl(seed, rng);
    cl.run(2s);
    int adds = 0, removes = 0, restarts = 0, partitions = 0;
    bool partitioned = false;
    for (int step = 0; step < 120; ++step) {
      INFO("step " << step);
      const auto live = [&] {
        NodeId n;
        do n = static_cast<NodeId>(rng.uniform(kPeers));
        while (!cl.up(n));
        return n;
      };
      const NodeId p = live();
      const std::string n = "pod" + std::to_string(rng.uniform(10)) + ".weft.local.";
      std::string c = "c" + std::to_string(rng.uniform(20));
      if (!cl.intent[p].empty() && rng.uniform(2) == 0) {  // mostly one of its own, for DEL
        c = std::get<2>(
            *std::next(cl.intent[p].begin(), static_cast<long>(rng.uniform(cl.intent[p].size()))));
      }
      const auto op = rng.uniform(40);
      if (op < 20) {
        const IpAddress a = rng.uniform(4) == 0
                                ? *IpAddress::parse("fd00::" + std::to_string(1 + rng.uniform(200)))
                                : IpAddress::v4(10, 32, static_cast<std::uint8_t>(rng.uniform(4)),
                                                static_cast<std::uint8_t>(1 + rng.uniform(200)));
        REQUIRE(cl.regs[p]->add(*dns::Name::parse(n), a, c, cl.local(p)));
        cl.intent[p].emplace(n, a, c);
        ++adds;
      } else if (op < 26) {
        removes += static_cast<int>(cl.regs[p]->remove_container(c, cl.local(p)));
        std::erase_if(cl.intent[p], [&](const auto& k) { return std::get<2>(k) == c; });
      } else if (op < 30) {
        removes +=
            static_cast<int>(cl.regs[p]->remove(*dns::Name::parse(n), std::nullopt, cl.local(p)));
        std::erase_if(cl.intent[p], [&](const auto& k) { return std::get<0>(k) == n; });
      } else if (op < 33) {
        if (partitioned) {
          cl.sim.heal();
        } else {
          std::vector<NodeId> side;
          for (NodeId k = 0; k < kPeers; ++k) {
            if (rng.uniform(3) == 0) side.push_back(k);
          }
          cl.sim.partition(side);
          ++partitions;
        }
        partitioned = !partitioned;
      } else if (op < 35 && cl.down.size() < 2) {
        cl.crash(p);  // kill -9; comes back without memory a few steps later
        cl.down.insert(p);
      } else if (op < 37 && !cl.down.empty()) {
        const NodeId v = *cl.down.begin();
        cl.down.erase(v);
        cl.restart(v);
        ++restarts;
      } else if (op == 37 && cl.dead.size() < 2 && cl.down.empty()) {
        // Gone for good, and rmpeer'd at once by someone (who may not have all it did).
        cl.crash(p);
        cl.dead.insert(p);
        const NodeId q = live();
        REQUIRE(cl.regs[q]->forget_origin(cl.name(p), cl.local(q)));
      }
      cl.run(300ms);
    }
    // Everyone down comes back, the network heals, rmpeer again from a live peer now that it
    // holds all the dead peers did, and gossip settles.
    for (auto d : std::set<NodeId>(cl.down)) {
      cl.down.erase(d);
      cl.restart(d);
      ++restarts;
    }
    cl.sim.heal();
    const TimePoint healed = cl.sim.now();
    cl.run(3s);
    NodeId first = 0;
    while (!cl.up(first)) ++first;
    for (auto d : cl.dead) REQUIRE(cl.regs[first]->forget_origin(cl.name(d), cl.local(first)));
    const auto want = cl.expected();
    const auto agreed = [&] {
      for (NodeId i = 0; i < kPeers; ++i) {
        if (cl.up(i) && !(cl.regs[i]->registry().state() == cl.regs[first]->registry().state()))
          return false;
      }
      return Cluster::live_view(cl.regs[first]->registry()) == want;
    };
    // Floors rise as tombstones expire (on each host's own clock), so wait for the lifetime.
    const TimePoint settle_by = cl.sim.now() + kTombstoneLifetime + 20s;
    while (cl.sim.now() < settle_by && !agreed()) cl.run(1s);
    std::printf("dns registry sim:   the same registry everywhere %.0f s after the heal\n",
                std::chrono::duration<double>(cl.sim.now() - healed).count());
    for (NodeId i = 0; i < kPeers; ++i) {
      if (!cl.up(i)) continue;
      INFO("peer " << i);
      const auto& r = cl.regs[i]->registry();
      CHECK(r.state() == cl.regs[first]->registry().state());
      CHECK(Cluster::live_view(r) == want);
      CHECK(cl.regs[i]->stats().merge_errors == 0);
    }
    // DNS answers agree with the model, name by name.
    for (int k = 0; k < 10; ++k) {
      const auto qname = *dns::Name::parse("POD" + std::to_string(k) + ".weft.local.");
      std::set<IpAddress> addrs;
      for (const auto& [o, nm, a, c] : want) {
        if (nm == qname.canonical()) addrs.insert(a);
      }
      const auto got = cl.regs[first]->registry().lookup(qname);
      CHECK(std::set<IpAddress>(got.begin(), got.end()) == addrs);
    }
    std::size_t corrections = 0;
    for (NodeId i = 0; i < kPeers; ++i) {
      if (cl.up(i)) corrections += cl.regs[i]->stats().corrections;
    }
    std::printf(
        "dns registry sim:   %d adds, %d removals, %d partitions, %d restarts, %zu dead, "
        "%zu live entries, %zu self-corrections\n",
        adds, removes, partitions, restarts, cl.dead.size(), want.size(), corrections);
  }
}
