// SPDX-License-Identifier: Apache-2.0
// The simulated network every sim test stands on: it must be deterministic per seed, keep
// links in order, respect latency bounds, and drop what partitions and crashes cut off.
#include "weft/testing/seeds.hpp"
#include "weft/testing/sim_network.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

using namespace weft;
using namespace weft::testing;
using namespace std::chrono_literals;

namespace {

struct Msg {
  std::uint64_t id = 0;
  TimePoint sent{};
};

using Trace = std::vector<std::tuple<NodeId, NodeId, std::uint64_t, std::int64_t>>;

// 20 nodes each send 50 messages to random peers; returns what arrived when.
Trace run(std::uint64_t seed, SimConfig config) {
  SimNetwork<Msg> net(seed, config);
  for (int i = 0; i < 20; ++i) net.add_node();
  SplitMix64Rng pick(seed ^ 0x9e3779b97f4a7c15ULL);
  std::uint64_t id = 0;
  for (int round = 0; round < 50; ++round) {
    for (NodeId n = 0; n < 20; ++n) {
      NodeId to = static_cast<NodeId>(pick.uniform(20));
      net.send(n, to, Msg{id++, net.now()});
    }
    net.run_until(net.now() + 1ms, [](NodeId, NodeId, Msg&) {});
  }
  Trace trace;
  while (net.step([&](NodeId from, NodeId to, Msg& m) {
    trace.emplace_back(from, to, m.id, net.now().time_since_epoch().count());
  })) {
  }
  return trace;
}

}  // namespace

TEST_CASE("same seed, same run; another seed, another run", "[sim][network]") {
  for (auto seed : sim_seeds(10)) {
    INFO("seed " << seed << ": " << replay_hint(seed));
    SimConfig cfg;
    cfg.loss = 0.1;
    cfg.ordered = false;
    const auto a = run(seed, cfg);
    const auto b = run(seed, cfg);
    CHECK(a == b);
    CHECK(a != run(seed + 1000, cfg));
  }
}

TEST_CASE("ordered links deliver in send order within the latency bounds", "[sim][network]") {
  for (auto seed : sim_seeds(10)) {
    INFO("seed " << seed << ": " << replay_hint(seed));
    SimConfig cfg;  // 1-20 ms, ordered, lossless
    SimNetwork<Msg> net(seed, cfg);
    for (int i = 0; i < 10; ++i) net.add_node();
    std::map<std::pair<NodeId, NodeId>, std::uint64_t> last_id;
    std::uint64_t got = 0;
    bool in_order = true, in_bounds = true;
    const auto deliver = [&](NodeId from, NodeId to, Msg& m) {
      ++got;
      auto [it, fresh] = last_id.try_emplace({from, to}, m.id);
      if (!fresh) {
        in_order = in_order && m.id > it->second;
        it->second = m.id;
      }
      // Queueing behind an earlier message may add delay; never less than the minimum.
      in_bounds = in_bounds && net.now() - m.sent >= cfg.min_latency;
    };
    std::uint64_t id = 0;
    for (int k = 0; k < 200; ++k) {
      for (NodeId a = 0; a < 10; ++a) net.send(a, (a + 1 + k) % 10, Msg{id++, net.now()});
      net.run_until(net.now() + 100us, deliver);
    }
    while (net.step(deliver)) {
    }
    CHECK(got == id);  // lossless: everything arrives
    CHECK(in_order);
    CHECK(in_bounds);
    for (NodeId a = 0; a < 10; ++a) {
      for (NodeId b = 0; b < 10; ++b) {
        const auto l = net.link_latency(a, b);
        CHECK(l >= cfg.min_latency);
        CHECK(l <= cfg.max_latency);
        CHECK(l == net.link_latency(b, a));
      }
    }
  }
}

TEST_CASE("loss drops about the configured share", "[sim][network]") {
  for (auto seed : sim_seeds(5)) {
    INFO("seed " << seed << ": " << replay_hint(seed));
    SimConfig cfg;
    cfg.loss = 0.2;
    SimNetwork<Msg> net(seed, cfg);
    net.add_node();
    net.add_node();
    for (int i = 0; i < 10000; ++i) net.send(0, 1, Msg{});
    while (net.step([](NodeId, NodeId, Msg&) {})) {
    }
    CHECK(net.dropped() > 1700);
    CHECK(net.dropped() < 2300);
    CHECK(net.delivered() + net.dropped() == 10000);
  }
}

TEST_CASE("partitions and crashes cut messages, heal and restart restore them", "[sim][network]") {
  SimNetwork<Msg> net(7, SimConfig{});
  for (int i = 0; i < 4; ++i) net.add_node();
  std::vector<std::pair<NodeId, NodeId>> got;
  const auto record = [&](NodeId f, NodeId t, Msg&) { got.emplace_back(f, t); };

  net.partition({0, 1});
  CHECK(net.linked(0, 1));
  CHECK_FALSE(net.linked(1, 2));
  net.send(0, 1, Msg{});
  net.send(0, 2, Msg{});
  net.send(3, 1, Msg{});
  net.send(2, 3, Msg{});
  net.run_until(net.now() + 1s, record);
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<std::pair<NodeId, NodeId>>{{0, 1}, {2, 3}});

  // A message in flight when the partition starts is lost too.
  got.clear();
  net.heal();
  net.send(0, 2, Msg{});
  net.partition({0});
  net.run_until(net.now() + 1s, record);
  CHECK(got.empty());

  net.heal();
  net.crash(2);
  net.send(0, 2, Msg{});
  net.send(2, 0, Msg{});
  net.run_until(net.now() + 1s, record);
  CHECK(got.empty());
  net.restart(2);
  net.send(0, 2, Msg{});
  net.run_until(net.now() + 1s, record);
  CHECK(got == std::vector<std::pair<NodeId, NodeId>>{{0, 2}});
}

TEST_CASE("timers fire at their virtual time, in order", "[sim][network]") {
  SimNetwork<Msg> net(1, SimConfig{});
  std::vector<int> fired;
  net.schedule(kEpoch + 30ms, [&] { fired.push_back(3); });
  net.schedule(kEpoch + 10ms, [&] { fired.push_back(1); });
  net.schedule(kEpoch + 10ms, [&] { fired.push_back(2); });  // same time: insertion order
  net.run_until(kEpoch + 20ms, [](NodeId, NodeId, Msg&) {});
  CHECK(fired == std::vector<int>{1, 2});
  CHECK(net.now() == kEpoch + 20ms);
  net.run_until(kEpoch + 1s, [](NodeId, NodeId, Msg&) {});
  CHECK(fired == std::vector<int>{1, 2, 3});
}
