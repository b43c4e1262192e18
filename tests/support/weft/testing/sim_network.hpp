// SPDX-License-Identifier: Apache-2.0
// A seeded, single-threaded simulated network with virtual time for the sim tier: nodes
// exchange messages over links with per-link latency, optional loss, partitions and crashes.
// Same seed, same run: every random choice comes from one generator and ties in time are
// broken by insertion order.
#pragma once

#include "weft/base/assert.hpp"
#include "weft/base/rng.hpp"
#include "weft/base/time.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <queue>
#include <set>
#include <utility>
#include <vector>

namespace weft::testing {

using NodeId = std::uint32_t;

struct SimConfig {
  Duration min_latency{1000};  ///< per-link one-way latency is drawn in [min, max]
  Duration max_latency{20000};
  double loss = 0.0;    ///< chance to drop each message (datagram links)
  bool ordered = true;  ///< TCP-like: a link never reorders its messages
};

template <class Msg>
class SimNetwork {
 public:
  using Deliver = std::function<void(NodeId from, NodeId to, Msg& msg)>;

  SimNetwork(std::uint64_t seed, SimConfig config) : rng_(seed), seed_(seed), config_(config) {}

  [[nodiscard]] std::uint64_t seed() const { return seed_; }
  [[nodiscard]] TimePoint now() const { return now_; }
  [[nodiscard]] std::size_t in_flight() const { return queue_.size(); }
  [[nodiscard]] std::uint64_t delivered() const { return delivered_; }
  [[nodiscard]] std::uint64_t dropped() const { return dropped_; }

  NodeId add_node() {
    up_.push_back(true);
    return static_cast<NodeId>(up_.size() - 1);
  }
  [[nodiscard]] std::size_t size() const { return up_.size(); }

  /// Queues `msg` from -> to. It is lost with probability `loss`, and dropped at delivery
  /// time if the link is cut by then or either end is down.
  void send(NodeId from, NodeId to, Msg msg) {
    WEFT_ASSERT(from < up_.size() && to < up_.size(), "nodes come from add_node()");
    if (!up_[from]) return;  // a crashed node sends nothing
    if (config_.loss > 0 && rng_.chance(config_.loss)) {
      ++dropped_;
      return;
    }
    TimePoint at = now_ + link_latency(from, to);
    if (config_.ordered) {
      auto& last = last_delivery_[{from, to}];
      if (at < last) at = last;
      last = at;
    }
    queue_.push(Event{at, next_seq_++, from, to, std::move(msg), {}});
  }

  /// Runs `fn` at virtual time `at` (timers of the cores under test).
  void schedule(TimePoint at, std::function<void()> fn) {
    queue_.push(Event{at < now_ ? now_ : at, next_seq_++, 0, 0, Msg{}, std::move(fn)});
  }

  /// Cuts every link between `side` and the rest of the nodes until heal().
  void partition(const std::vector<NodeId>& side) { side_ = {side.begin(), side.end()}; }
  void heal() { side_.clear(); }
  [[nodiscard]] bool linked(NodeId a, NodeId b) const {
    return side_.empty() || (side_.count(a) > 0) == (side_.count(b) > 0);
  }

  void crash(NodeId n) { up_.at(n) = false; }
  void restart(NodeId n) { up_.at(n) = true; }
  [[nodiscard]] bool is_up(NodeId n) const { return up_.at(n); }

  /// Delivers the next event; false when nothing is queued.
  bool step(const Deliver& deliver) {
    if (queue_.empty()) return false;
    // top() is const, but pop() compares only `at` and `seq`, which a move leaves intact:
    // moving the payload out first saves a copy of every message.
    Event ev = std::move(const_cast<Event&>(queue_.top()));
    queue_.pop();
    now_ = ev.at;
    if (ev.timer) {
      ev.timer();
      return true;
    }
    if (!up_[ev.from] || !up_[ev.to] || !linked(ev.from, ev.to)) {
      ++dropped_;
      return true;
    }
    ++delivered_;
    deliver(ev.from, ev.to, ev.msg);
    return true;
  }

  /// Steps until virtual time passes `until` or nothing is queued; now() ends at `until`.
  void run_until(TimePoint until, const Deliver& deliver) {
    while (!queue_.empty() && queue_.top().at <= until) step(deliver);
    if (now_ < until) now_ = until;
  }

  [[nodiscard]] Duration link_latency(NodeId from, NodeId to) {
    auto key = from < to ? std::pair{from, to} : std::pair{to, from};
    auto it = latency_.find(key);
    if (it == latency_.end()) {
      const auto span =
          static_cast<std::uint64_t>((config_.max_latency - config_.min_latency).count()) + 1;
      it = latency_.emplace(key, config_.min_latency + Duration(rng_.uniform(span))).first;
    }
    return it->second;
  }

 private:
  struct Event {
    TimePoint at;
    std::uint64_t seq;
    NodeId from;
    NodeId to;
    Msg msg;
    std::function<void()> timer;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  SplitMix64Rng rng_;
  std::uint64_t seed_;
  SimConfig config_;
  TimePoint now_{};
  std::uint64_t next_seq_ = 0;
  std::uint64_t delivered_ = 0;
  std::uint64_t dropped_ = 0;
  std::vector<bool> up_;
  std::set<NodeId> side_;
  std::map<std::pair<NodeId, NodeId>, Duration> latency_;
  std::map<std::pair<NodeId, NodeId>, TimePoint> last_delivery_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue_;
};

}  // namespace weft::testing
