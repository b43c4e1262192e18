// SPDX-License-Identifier: Apache-2.0
// Gossip at scale, in virtual time (the tests/sim harness, one process, optimised build).
// For each N: N peers each dial 8 random others over 1-20 ms links; the bench prints
//   - convergence: when every connection is up, and how long until all topologies agree;
//   - one join: time until all N peers know the new peer, and bytes sent per peer for it;
//   - steady state: bytes/s per peer with nothing changing (heartbeats, digest checks);
//   - memory per peer: bytes of topology each peer holds (entries counted in full for each
//     peer, as in a real weftd, although the simulation shares them; see Interner).
// Baseline, measured in the same run: what Weave's model would send for the same join.
// Weave gossips the whole topology on every change, so each peer sends at least one full
// copy to each neighbour per join; the size of a full copy is encoded from this run's
// topology. The figures that matter are ours/weave-style and how bytes per join grow with N.
//
// usage: gossip_scale [N ...]   (default 100 1000 5000; WEFT_SIM_SEED picks the seed)
#include "weft/base/log.hpp"

#include "mesh_sim.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <malloc.h>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

using namespace weft;
using namespace weft::testing;
using namespace std::chrono_literals;

namespace {

constexpr int kDegree = 8;

struct Figures {
  std::size_t peers = 0;
  double up_ms = 0, agree_ms = 0, join_ms = 0, join_agree_ms = 0;
  double join_bytes_per_peer = 0, weave_join_bytes_per_peer = 0;
  double steady_bytes_per_s_per_peer = 0;
  double topology_bytes_per_peer = 0, full_copy_bytes = 0;
  double wall_s = 0;
};

double rss_mib() {
  malloc_trim(0);  // report what is held, not what glibc kept from the formation's peak
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      double kib = 0;
      in >> kib;
      return kib / 1024;
    }
    in.ignore(1 << 10, '\n');
  }
  return 0;
}

std::uint64_t total_bytes(MeshSim& sim) {
  std::uint64_t b = 0;
  for (NodeId n = 0; n < sim.size(); ++n) b += sim.bytes_sent(n);
  return b;
}

bool all_agree(MeshSim& sim, std::size_t expected) {
  const auto& h0 = sim.mesh(0).topology().digest_hash();
  for (NodeId n = 0; n < sim.size(); ++n) {
    const auto& t = sim.mesh(n).topology();
    if (t.size() != expected || t.digest_hash() != h0) return false;
  }
  return true;
}

// Entries are immutable and (name, incarnation, version) names exactly one content, so the
// N meshes of one process can share them: N = 5,000 would otherwise hold 25 million copies.
// Each mesh still keeps its own maps, versions and routes, as a real weftd does.
class Interner {
 public:
  std::shared_ptr<const gossip::PeerEntry> intern(gossip::PeerEntry&& e) {
    const Key k{e.name.value(), e.incarnation, e.version};
    auto [it, fresh] = entries_.try_emplace(k);
    if (fresh) it->second = std::make_shared<const gossip::PeerEntry>(std::move(e));
    return it->second;
  }
  void clear() { entries_.clear(); }

 private:
  using Key = std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>;
  struct Hash {
    std::size_t operator()(const Key& k) const {
      return std::hash<std::uint64_t>{}(std::get<0>(k) * 0x9e3779b97f4a7c15ULL ^ std::get<1>(k) ^
                                        (std::get<2>(k) << 17));
    }
  };
  std::unordered_map<Key, std::shared_ptr<const gossip::PeerEntry>, Hash> entries_;
};

double ms(Duration d) {
  return static_cast<double>(to_millis(d));
}

Figures run(NodeId peers, std::uint64_t seed, Interner& interner) {
  const auto wall0 = std::chrono::steady_clock::now();
  Figures f;
  f.peers = peers;
  gossip::MeshConfig cfg;
  cfg.maker.discovery = false;  // the scenario fixes who dials whom
  cfg.maker.conn_limit = 100;
  cfg.interner = [&interner](gossip::PeerEntry&& e) { return interner.intern(std::move(e)); };
  MeshSim sim(seed, SimConfig{}, cfg);
  for (NodeId i = 0; i < peers; ++i) sim.add_peer();
  Xoshiro256Rng pick(seed * 7919);
  std::vector<std::size_t> expected(peers);
  std::vector<std::set<NodeId>> nb(peers);
  for (NodeId i = 0; i < peers; ++i) {
    std::set<NodeId> chosen;
    while (chosen.size() < kDegree) {
      const auto j = static_cast<NodeId>(pick.uniform(peers));
      if (j != i) chosen.insert(j);
    }
    for (auto j : chosen) {
      if (!sim.mesh(i).connect(MeshSim::address_of(j), sim.now())) std::abort();
      nb[i].insert(j);
      nb[j].insert(i);
    }
  }

  TimePoint up{};
  while (up == TimePoint{} && sim.now() - kEpoch < 120s) {
    sim.run_until(sim.now() + 50ms);
    bool all = true;
    for (NodeId i = 0; i < peers && all; ++i) all = sim.mesh(i).established_count() == nb[i].size();
    if (all) up = sim.now();
  }
  if (up == TimePoint{}) {
    std::fprintf(stderr, "gossip_scale: N=%u: connections not all up after 120 s\n", peers);
    std::exit(1);
  }
  TimePoint agreed{};
  while (agreed == TimePoint{} && sim.now() - up < 60s) {
    if (all_agree(sim, peers))
      agreed = sim.now();
    else
      sim.run_until(sim.now() + 10ms);
  }
  if (agreed == TimePoint{}) {
    std::fprintf(stderr, "gossip_scale: N=%u: topologies disagree 60 s after all up\n", peers);
    std::exit(1);
  }
  f.up_ms = ms(up - kEpoch);
  f.agree_ms = ms(agreed - up);

  // Steady state: let pending announcements drain, then count 120 s of nothing happening.
  sim.run_until(sim.now() + 5s);
  const auto steady0 = total_bytes(sim);
  sim.run_until(sim.now() + 120s);
  f.steady_bytes_per_s_per_peer = static_cast<double>(total_bytes(sim) - steady0) / peers / 120.0;

  // One join: a new peer dials 8 random peers.
  const auto join0 = total_bytes(sim);
  const NodeId joiner = sim.add_peer();
  for (int k = 0; k < kDegree; ++k) {
    const auto target = MeshSim::address_of(static_cast<NodeId>(pick.uniform(peers)));
    if (!sim.mesh(joiner).connect(target, sim.now())) std::abort();
  }
  const auto start = sim.now();
  const PeerName name = sim.mesh(joiner).config().name;
  TimePoint known{}, rejoined{};
  while (rejoined == TimePoint{} && sim.now() - start < 30s) {
    sim.run_until(sim.now() + 10ms);
    if (known == TimePoint{}) {
      bool all = true;
      for (NodeId n = 0; n < peers && all; ++n) all = sim.mesh(n).topology().find(name) != nullptr;
      if (all) known = sim.now();
    }
    if (known != TimePoint{} && all_agree(sim, peers + 1)) rejoined = sim.now();
  }
  if (rejoined == TimePoint{}) {
    std::fprintf(stderr, "gossip_scale: N=%u: the join did not converge within 30 s\n", peers);
    std::exit(1);
  }
  sim.run_until(sim.now() + 2s);  // every announcement of the join has been answered
  f.join_ms = ms(known - start);
  f.join_agree_ms = ms(rejoined - start);
  // Digest checks and heartbeats of those seconds are steady traffic, not the join's.
  const double join_secs = std::chrono::duration<double>(sim.now() - start).count();
  const double steady = f.steady_bytes_per_s_per_peer * join_secs * (peers + 1);
  f.join_bytes_per_peer =
      (static_cast<double>(total_bytes(sim) - join0) - steady) / static_cast<double>(peers + 1);

  // Weave-style baseline: one full topology copy per neighbour per peer for this join.
  std::vector<gossip::PeerEntry> all;
  for (const auto& [n, e] : sim.mesh(0).topology().entries()) all.push_back(*e);
  f.full_copy_bytes = static_cast<double>(
      gossip::encode_message(gossip::Message{gossip::TopologyUpdate{std::move(all)}}).size());
  double links = 0;
  for (NodeId n = 0; n < sim.size(); ++n)
    links += static_cast<double>(sim.mesh(n).established_count());
  f.weave_join_bytes_per_peer = f.full_copy_bytes * links / static_cast<double>(sim.size());

  double topo = 0;
  for (NodeId n = 0; n < sim.size(); ++n)
    topo += static_cast<double>(sim.mesh(n).topology().memory_bytes());
  f.topology_bytes_per_peer = topo / static_cast<double>(sim.size());
  f.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  std::printf(
      "gossip_scale: N=%-5u up %6.0f ms, agreed +%4.0f ms | join known by all %4.0f ms (agreed "
      "%4.0f ms), %8.0f B/peer (weave-style %10.0f B/peer, ratio %.4f) | steady %6.1f B/s/peer | "
      "topology %6.0f KiB/peer | sim RSS %.0f MiB, wall %.0f s\n",
      peers, f.up_ms, f.agree_ms, f.join_ms, f.join_agree_ms, f.join_bytes_per_peer,
      f.weave_join_bytes_per_peer, f.join_bytes_per_peer / f.weave_join_bytes_per_peer,
      f.steady_bytes_per_s_per_peer, f.topology_bytes_per_peer / 1024, rss_mib(), f.wall_s);
  std::fflush(stdout);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  log::set_level(log::Level::warn);
  std::vector<NodeId> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(static_cast<NodeId>(std::stoul(argv[i])));
  if (sizes.empty()) sizes = {100, 1000, 5000};
  const std::uint64_t seed =
      std::getenv("WEFT_SIM_SEED") ? std::stoull(std::getenv("WEFT_SIM_SEED")) : 1;
  std::printf(
      "gossip_scale: seed %llu (replay with WEFT_SIM_SEED=%llu), %d dials per peer, "
      "links 1-20 ms, plaintext\n",
      static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed), kDegree);
  std::vector<Figures> figs;
  for (auto n : sizes) {
    Interner interner;
    figs.push_back(run(n, seed, interner));
  }
  for (std::size_t i = 1; i < figs.size(); ++i) {
    const auto& a = figs[i - 1];
    const auto& b = figs[i];
    std::printf(
        "gossip_scale: N %zu -> %zu (x%.1f): bytes per peer for one join grow x%.2f (goal <= 1.5 "
        "from 1000 to 5000; weave-style grows x%.2f); join known by all in %.0f ms (goal <= "
        "1000)\n",
        a.peers, b.peers, static_cast<double>(b.peers) / static_cast<double>(a.peers),
        b.join_bytes_per_peer / a.join_bytes_per_peer,
        b.weave_join_bytes_per_peer / a.weave_join_bytes_per_peer, b.join_ms);
  }
  return 0;
}
