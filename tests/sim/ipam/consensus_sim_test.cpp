// SPDX-License-Identifier: Apache-2.0
// Consensus under a hostile network, in virtual time: 3..9 participants (and up to two
// observers) gossip encode() snapshots that are lost, duplicated, delayed and reordered,
// through partitions that come and go, while peers crash and restart with nothing but the
// state they stored. Safety after every event: every ballot carries one value, no two
// values are ever chosen (Q durable acceptances of one ballot), and every decision a peer
// acted on is the chosen value. Liveness: once the network heals, every peer decides.
//
// n is any value for which the participants can decide (Q <= K) and two quorums of them
// always share a peer (K < 2Q): with more participants than that, two partitions could
// decide different sets by design.
#include "weft/ipam/consensus.hpp"
#include "weft/testing/seeds.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <tuple>

using namespace weft;
using namespace weft::ipam;
using namespace weft::testing;
using namespace std::chrono_literals;

namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr Duration kStep = 10ms;
constexpr Duration kChaos = 60s;
constexpr Duration kBootSpread = 30s;  // at most
constexpr Duration kHealed = 120s;     // to decide once the network is whole

struct Peer {
  PeerName name;
  bool participant = true;
  std::unique_ptr<Consensus> c;  // null while crashed
  std::optional<Bytes> stored;   // what survives a crash
  TimePoint next_gossip{};
  TimePoint restart_at{};
  int side = 0;  // partition
};

struct Message {
  TimePoint at;
  std::uint64_t seq;
  std::size_t from;
  std::size_t to;
  Bytes bytes;
  bool operator>(const Message& o) const { return std::tie(at, seq) > std::tie(o.at, o.seq); }
};

class World {
 public:
  explicit World(std::uint64_t seed) : rng_(seed) {
    const auto k = rng_.between(3, 9);
    std::vector<std::size_t> ns;
    for (std::size_t n = 1; n <= 2 * k; ++n) {
      if (n / 2 + 1 <= k && k < 2 * (n / 2 + 1)) ns.push_back(n);
    }
    n_ = ns[rng_.uniform(ns.size())];
    const auto observers = rng_.uniform(3);
    const auto boot_ms = rng_.between(1, static_cast<std::uint64_t>(to_millis(kBootSpread)));
    const auto sides = rng_.between(1, 3);  // peers may come up partitioned
    for (std::uint64_t i = 0; i < k + observers; ++i) {
      Peer& p = peers_.emplace_back();
      p.name = PeerName::from_random(rng_.next());
      p.participant = i < k;
      // Peers come up over the first seconds, so early proposers know only some of them.
      p.restart_at = kEpoch + std::chrono::milliseconds(rng_.uniform(boot_ms));
      p.side = static_cast<int>(rng_.uniform(sides));
    }
    loss_ = rng_.unit() * 0.4;
    dup_ = rng_.unit() * 0.3;
    // Per step: a new partition (or a heal) every 2 s or more, a crash per peer every 5 s
    // or more; squared so that calmer runs, where Q peers decide before the heal and the
    // chaos then tests that the choice holds, are as common as stormy ones.
    split_ = std::pow(rng_.unit(), 2) * 0.005;
    crash_ = std::pow(rng_.unit(), 2) * 0.002;
  }

  [[nodiscard]] std::string describe() const {
    return std::to_string(peers_.size()) + " peers, n=" + std::to_string(n_) + ", loss " +
           std::to_string(loss_) + ", dup " + std::to_string(dup_) + ", splits " +
           std::to_string(split_) + ", crashes " + std::to_string(crash_);
  }

  // Runs the chaos, then the healed network; returns why it failed, or "".
  std::string run() {
    for (const TimePoint end = now_ + kChaos; now_ < end; now_ += kStep) {
      chaos();
      if (auto why = step(); !why.empty()) return why;
    }
    heal();
    decided_in_chaos_ = chosen_.has_value();
    for (const TimePoint healed = now_; now_ < healed + kHealed; now_ += kStep) {
      if (auto why = step(); !why.empty()) return why;
      if (all_decided()) {
        to_decide_ = now_ - healed;
        return "";
      }
    }
    std::string why =
        "not every peer decided " + std::to_string(to_millis(kHealed)) + " ms after the heal:";
    for (const auto& p : peers_) {
      why += " " + p.name.to_string() + (p.c->decided() ? " yes" : " no");
    }
    return why;
  }

  [[nodiscard]] Duration to_decide() const { return to_decide_; }
  [[nodiscard]] bool decided_in_chaos() const { return decided_in_chaos_; }
  // Distinct values that some ballot carried: more than one means proposers competed.
  [[nodiscard]] std::size_t values() const {
    std::set<std::vector<PeerName>> v;
    for (const auto& [_, b] : ballots_) v.insert(b.first);
    return v.size();
  }

 private:
  void boot(Peer& p) {
    p.c = std::make_unique<Consensus>(p.name, n_);
    if (p.stored) REQUIRE(p.c->restore_self(*p.stored));
    if (p.participant) p.c->start(now_, rng_);
    p.next_gossip = now_;
  }

  // A caller's one rule: its own state is stored before anyone can see it, and before it
  // acts on a decision. Durable acceptances are the ones the checks count.
  void store(std::size_t i) {
    Peer& p = peers_[i];
    if (!p.c->take_self_changed()) return;
    p.stored = p.c->encode_self();
    const NodeState& s = p.c->nodes().at(p.name);
    if (!s.accepted.valid()) return;
    auto [it, fresh] = ballots_.try_emplace(s.accepted, s.value, std::set<std::size_t>{});
    if (it->second.first != s.value) violation_ = "ballot carries two values";
    it->second.second.insert(i);
    if (it->second.second.size() >= p.c->quorum()) {
      if (chosen_ && *chosen_ != s.value) violation_ = "two values chosen";
      chosen_ = s.value;
    }
  }

  void send(std::size_t from) {
    store(from);
    const Bytes bytes = peers_[from].c->encode();
    const auto fanout = rng_.between(1, 3);
    for (std::uint64_t f = 0; f < fanout; ++f) {
      const auto to = rng_.uniform(peers_.size());
      if (to == from || rng_.chance(loss_)) continue;
      for (int copies = rng_.chance(dup_) ? 2 : 1; copies > 0; --copies) {
        // Mostly quick; now and then a straggler that arrives long after newer states.
        const Duration delay =
            std::chrono::milliseconds(rng_.between(1, rng_.chance(0.1) ? 3000 : 300));
        queue_.push(Message{now_ + delay, seq_++, from, to, bytes});
      }
    }
  }

  std::string step() {
    while (!queue_.empty() && queue_.top().at <= now_) {
      const Message m = queue_.top();
      queue_.pop();
      Peer& p = peers_[m.to];
      if (!p.c || p.side != peers_[m.from].side) continue;  // crashed, or cut off now
      auto r = p.c->merge(m.bytes, now_);
      if (!r) return "merge failed: " + r.error().message();
      if (auto why = check(m.to); !why.empty()) return why;
    }
    for (std::size_t i = 0; i < peers_.size(); ++i) {
      Peer& p = peers_[i];
      if (!p.c) continue;
      if (rng_.chance(0.05)) store(i);  // some callers store early
      p.c->on_tick(now_, rng_);
      if (auto why = check(i); !why.empty()) return why;
      if (now_ >= p.next_gossip) {
        send(i);
        p.next_gossip = now_ + std::chrono::milliseconds(rng_.between(100, 500));
      }
    }
    return violation_;
  }

  // Safety at this peer: a decision it acts on (after storing its state) must be the
  // one chosen value.
  std::string check(std::size_t i) {
    Peer& p = peers_[i];
    if (!p.c->decided()) return violation_;
    store(i);
    if (!chosen_) return "decided with nothing chosen";
    if (*p.c->decided() != *chosen_) return "decided something else than was chosen";
    if (p.c->decided()->size() < p.c->quorum()) return "decided fewer than a quorum of peers";
    return violation_;
  }

  void chaos() {
    if (rng_.chance(split_)) {
      const auto sides = rng_.between(1, 3);
      for (auto& p : peers_) p.side = static_cast<int>(rng_.uniform(sides));
    }
    for (auto& p : peers_) {
      if (p.c && rng_.chance(crash_)) {  // kill -9
        p.c.reset();
        p.restart_at = now_ + std::chrono::milliseconds(rng_.between(100, 5000));
      } else if (!p.c && now_ >= p.restart_at) {
        boot(p);
      }
    }
  }

  void heal() {
    for (auto& p : peers_) {
      p.side = 0;
      if (!p.c) boot(p);
    }
    loss_ = std::min(loss_, 0.1);
  }

  [[nodiscard]] bool all_decided() const {
    return std::all_of(peers_.begin(), peers_.end(),
                       [](const Peer& p) { return p.c && p.c->decided(); });
  }

  Xoshiro256Rng rng_;
  std::size_t n_ = 0;
  std::vector<Peer> peers_;
  double loss_ = 0;
  double dup_ = 0;
  double split_ = 0;
  double crash_ = 0;
  TimePoint now_ = kEpoch;
  std::uint64_t seq_ = 0;
  std::priority_queue<Message, std::vector<Message>, std::greater<>> queue_;
  std::map<Ballot, std::pair<std::vector<PeerName>, std::set<std::size_t>>> ballots_;
  std::optional<std::vector<PeerName>> chosen_;
  std::string violation_;
  Duration to_decide_{};
  bool decided_in_chaos_ = false;
};

}  // namespace

TEST_CASE(
    "consensus: one set is decided despite loss and duplication and partitions and crashes and all "
    "decide once healed",
    "[sim][ipam][consensus]") {
  const auto started = std::chrono::steady_clock::now();
  const auto seeds = sim_seeds(200);  // WEFT_SIM_SEEDS=N for more
  Duration slowest{};
  int early = 0, contested = 0;
  for (auto seed : seeds) {
    World w(seed);
    const std::string what = w.describe();
    INFO("seed " << seed << " (" << what << "): " << replay_hint(seed));
    const std::string why = w.run();
    if (!why.empty()) {
      std::printf("consensus sim: seed %llu FAILED (%s): %s; %s\n",
                  static_cast<unsigned long long>(seed), what.c_str(), why.c_str(),
                  replay_hint(seed).c_str());
    }
    REQUIRE(why.empty());
    slowest = std::max(slowest, w.to_decide());
    early += w.decided_in_chaos() ? 1 : 0;
    contested += w.values() > 1 ? 1 : 0;
  }
  std::printf(
      "consensus sim: %zu seeds passed in %lld ms; chosen before the heal in %d, "
      "competing values in %d; all decided at most %lld ms after the heal\n",
      seeds.size(),
      static_cast<long long>(to_millis(
          std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - started))),
      early, contested, static_cast<long long>(to_millis(slowest)));
}
