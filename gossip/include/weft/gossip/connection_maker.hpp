// SPDX-License-Identifier: Apache-2.0
// Decides which addresses to dial and when: direct targets (--peer, `weft connect`),
// targets discovered from the topology, exponential backoff with jitter, a connection limit.
#pragma once

#include "weft/base/result.hpp"
#include "weft/base/rng.hpp"
#include "weft/base/time.hpp"

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace weft::gossip {

struct ConnectionMakerConfig {
  std::uint16_t default_port = 6783;
  std::size_t conn_limit = 100;
  bool discovery = true;
  Duration initial_backoff = std::chrono::seconds(2);
  Duration max_backoff = std::chrono::minutes(5);
};

struct TargetStatus {
  std::string address;
  bool direct = false;     ///< from --peer / connect (kept), else discovered (dropped when stale)
  std::string state;       ///< waiting | connecting | connected | failed
  std::string last_error;  ///< why the last attempt or connection ended
  TimePoint next_try{};    ///< when state is failed or waiting
  bool never_retry = false;
};

class ConnectionMaker {
 public:
  ConnectionMaker(ConnectionMakerConfig config, Rng& rng) : config_(config), rng_(rng) {}

  /// "host" -> "host:6783"; "host:port" and "[v6]:port" kept; rejects empty or bad ports.
  static Result<std::string> normalize(std::string_view target, std::uint16_t default_port);

  /// Adds a direct target, due at once. Idempotent. Returns the normalised address.
  Result<std::string> add_direct(std::string_view target, TimePoint now);
  /// Removes a direct target; false when it was not one.
  bool forget(std::string_view target);
  /// Replaces the set of discovered addresses (ignored unless discovery is on).
  void set_discovered(const std::set<std::string>& addresses, TimePoint now);

  void on_attempt_failed(const std::string& address, std::string reason, TimePoint now,
                         bool never_retry = false);
  void on_connected(const std::string& address);
  void on_disconnected(const std::string& address, std::string reason, TimePoint now);

  /// Addresses to dial now (marked connecting), at most what the limit leaves room for.
  std::vector<std::string> take_due(TimePoint now, std::size_t open_connections);
  [[nodiscard]] TimePoint next_deadline() const;

  [[nodiscard]] std::vector<TargetStatus> status() const;
  [[nodiscard]] std::vector<std::string> direct_targets() const;
  [[nodiscard]] bool is_target(const std::string& address) const {
    return targets_.count(address) > 0;
  }

 private:
  struct Target {
    bool direct = false;
    bool discovered = false;
    enum class State { waiting, connecting, connected } state = State::waiting;
    TimePoint next_try{};
    Duration backoff{};
    std::string last_error;
    bool never_retry = false;
  };
  void schedule_retry(Target& t, TimePoint now);

  ConnectionMakerConfig config_;
  Rng& rng_;
  std::map<std::string, Target> targets_;
};

}  // namespace weft::gossip
