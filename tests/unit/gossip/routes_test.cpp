// SPDX-License-Identifier: Apache-2.0
// Routes against a naive reference: all-pairs shortest paths by Floyd-Warshall on small
// random graphs (fixed seeds).
#include "weft/gossip/routes.hpp"

#include "weft/base/rng.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace weft;
using namespace weft::gossip;

namespace {

struct Graph {
  std::vector<PeerName> names;
  EntryMap entries;
  std::vector<std::vector<int>> dist;
};

// n peers; each listed connection is established on one or both ends (one-sided ones must
// be ignored by routing).
Graph random_graph(std::uint64_t seed, int n, double p_edge, double p_one_sided) {
  Xoshiro256Rng rng(seed);
  Graph g;
  for (int i = 0; i < n; ++i) g.names.push_back(PeerName::from_random(rng.next()));
  std::vector<PeerEntry> es(n);
  constexpr int kInf = std::numeric_limits<int>::max() / 4;
  g.dist.assign(n, std::vector<int>(n, kInf));
  for (int i = 0; i < n; ++i) {
    es[i].name = g.names[i];
    es[i].version = 1;
    g.dist[i][i] = 0;
  }
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      if (!rng.chance(p_edge)) continue;
      const bool one_sided = rng.chance(p_one_sided);
      es[i].connections.push_back({g.names[j], "a", true, true});
      es[j].connections.push_back({g.names[i], "b", false, !one_sided});
      if (!one_sided) g.dist[i][j] = g.dist[j][i] = 1;
    }
  }
  for (int k = 0; k < n; ++k)
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        g.dist[i][j] = std::min(g.dist[i][j], g.dist[i][k] + g.dist[k][j]);
  for (auto& e : es) g.entries.emplace(e.name, std::make_shared<PeerEntry>(e));
  return g;
}

}  // namespace

TEST_CASE("unicast next hops follow shortest paths over mutual connections", "[gossip][routes]") {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    INFO("seed " << seed);
    const auto g = random_graph(seed, 25, 0.12, 0.2);
    const int n = static_cast<int>(g.names.size());
    std::vector<Routes> routes;
    for (int i = 0; i < n; ++i) routes.emplace_back(g.entries, g.names[i]);
    for (int a = 0; a < n; ++a) {
      for (int b = 0; b < n; ++b) {
        if (a == b) continue;
        const bool reachable = g.dist[a][b] < std::numeric_limits<int>::max() / 4;
        CHECK(routes[a].is_reachable(g.names[b]) == reachable);
        if (!reachable) continue;
        // Walking next hops takes exactly the shortest distance.
        int at = a, hops = 0;
        while (at != b && hops <= n) {
          auto hop = routes[at].next_hop(g.names[b]);
          REQUIRE(hop);
          at = static_cast<int>(std::find(g.names.begin(), g.names.end(), *hop) - g.names.begin());
          REQUIRE(g.dist[a][at] == hops + 1);
          ++hops;
        }
        CHECK(hops == g.dist[a][b]);
      }
    }
  }
}

TEST_CASE("a broadcast tree reaches every reachable peer exactly once", "[gossip][routes]") {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    INFO("seed " << seed);
    const auto g = random_graph(seed, 25, 0.15, 0.1);
    const int n = static_cast<int>(g.names.size());
    std::vector<Routes> routes;
    for (int i = 0; i < n; ++i) routes.emplace_back(g.entries, g.names[i]);
    for (int src = 0; src < n; ++src) {
      std::vector<int> received(n, 0);
      std::vector<int> frontier{src};
      received[src] = 1;
      while (!frontier.empty()) {
        std::vector<int> next;
        for (int at : frontier) {
          for (auto child : routes[at].broadcast_next(g.names[src])) {
            const int c = static_cast<int>(std::find(g.names.begin(), g.names.end(), child) -
                                           g.names.begin());
            ++received[c];
            next.push_back(c);
          }
        }
        frontier = next;
      }
      for (int v = 0; v < n; ++v) {
        const bool reachable = g.dist[src][v] < std::numeric_limits<int>::max() / 4;
        CHECK(received[v] == (reachable ? 1 : 0));
      }
    }
  }
}

TEST_CASE("a connection listed by one end only is not a route", "[gossip][routes]") {
  const PeerName a(1), b(2);
  EntryMap m;
  m.emplace(a, std::make_shared<PeerEntry>(PeerEntry{a, "a", 1, 1, {{b, "x", true, true}}}));
  m.emplace(b, std::make_shared<PeerEntry>(PeerEntry{b, "b", 1, 1, {}}));
  Routes r(m, a);
  CHECK_FALSE(r.next_hop(b));
  CHECK(r.neighbours().empty());
  m[b] = std::make_shared<PeerEntry>(PeerEntry{b, "b", 1, 2, {{a, "y", false, true}}});
  Routes r2(m, a);
  CHECK(r2.next_hop(b) == b);
}
