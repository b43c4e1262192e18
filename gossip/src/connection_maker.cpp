// SPDX-License-Identifier: Apache-2.0
#include "weft/gossip/connection_maker.hpp"

#include <algorithm>
#include <charconv>

namespace weft::gossip {

Result<std::string> ConnectionMaker::normalize(std::string_view target,
                                               std::uint16_t default_port) {
  auto bad = [&](std::string why) {
    return Error(Errc::invalid_argument, "peer '" + std::string(target) + "': " + why);
  };
  if (target.empty()) return bad("empty address");
  std::string_view host = target;
  std::string_view port;
  if (target.front() == '[') {  // [v6]:port or [v6]
    const auto close = target.find(']');
    if (close == std::string_view::npos) return bad("missing ']'");
    host = target.substr(0, close + 1);
    if (close + 1 < target.size()) {
      if (target[close + 1] != ':') return bad("expected ':' after ']'");
      port = target.substr(close + 2);
    }
  } else if (std::count(target.begin(), target.end(), ':') == 1) {
    const auto colon = target.find(':');
    host = target.substr(0, colon);
    port = target.substr(colon + 1);
  } else if (target.find(':') != std::string_view::npos) {
    return "[" + std::string(target) + "]:" + std::to_string(default_port);  // bare IPv6
  }
  if (host.empty() || host == "[]") return bad("empty host");
  if (host.find_first_of(" \t/") != std::string_view::npos) return bad("bad host");
  unsigned value = default_port;
  if (!port.empty()) {
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535) {
      return bad("port must be 1-65535");
    }
  }
  return std::string(host) + ":" + std::to_string(value);
}

Result<std::string> ConnectionMaker::add_direct(std::string_view target, TimePoint now) {
  auto addr = normalize(target, config_.default_port);
  if (!addr) return addr.error();
  auto& t = targets_[*addr];
  if (!t.direct) {
    t.direct = true;
    if (t.state == Target::State::waiting) t.next_try = now;
    t.never_retry = false;
  }
  return *addr;
}

bool ConnectionMaker::forget(std::string_view target) {
  auto addr = normalize(target, config_.default_port);
  if (!addr) return false;
  auto it = targets_.find(*addr);
  if (it == targets_.end() || !it->second.direct) return false;
  it->second.direct = false;
  if (!it->second.discovered && it->second.state != Target::State::connected) targets_.erase(it);
  return true;
}

void ConnectionMaker::set_discovered(const std::set<std::string>& addresses, TimePoint now) {
  if (!config_.discovery) return;
  for (auto it = targets_.begin(); it != targets_.end();) {
    auto& t = it->second;
    t.discovered = addresses.count(it->first) > 0;
    // A stale discovered target goes, unless a connection to it is open or being made.
    if (!t.direct && !t.discovered && t.state == Target::State::waiting) {
      it = targets_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& a : addresses) {
    auto [it, fresh] = targets_.try_emplace(a);
    if (fresh) {
      it->second.next_try = now;
    }
    it->second.discovered = true;
  }
}

void ConnectionMaker::schedule_retry(Target& t, TimePoint now) {
  // Weave's schedule: 2 s first, x1.5 per failure, jittered to [b/2, 3b/2], capped.
  if (t.backoff == Duration::zero()) {
    t.backoff = config_.initial_backoff;
  } else {
    t.backoff = std::min(config_.max_backoff, t.backoff * 3 / 2);
  }
  const auto span = static_cast<std::uint64_t>(t.backoff.count());
  const auto jittered = Duration(static_cast<Duration::rep>(span / 2 + rng_.uniform(span + 1)));
  t.next_try = now + jittered;
  t.state = Target::State::waiting;
}

void ConnectionMaker::on_attempt_failed(const std::string& address, std::string reason,
                                        TimePoint now, bool never_retry) {
  auto it = targets_.find(address);
  if (it == targets_.end()) return;
  it->second.last_error = std::move(reason);
  it->second.never_retry = never_retry;
  schedule_retry(it->second, now);
}

void ConnectionMaker::on_connected(const std::string& address) {
  auto it = targets_.find(address);
  if (it == targets_.end()) return;
  it->second.state = Target::State::connected;
  it->second.backoff = Duration::zero();
  it->second.last_error.clear();
}

void ConnectionMaker::on_disconnected(const std::string& address, std::string reason,
                                      TimePoint now) {
  auto it = targets_.find(address);
  if (it == targets_.end()) return;
  it->second.last_error = std::move(reason);
  if (!it->second.direct && !it->second.discovered) {
    targets_.erase(it);
    return;
  }
  // A connection that was up starts the backoff afresh: the first retry comes quickly.
  it->second.backoff = Duration::zero();
  schedule_retry(it->second, now);
}

std::vector<std::string> ConnectionMaker::take_due(TimePoint now, std::size_t open_connections) {
  std::vector<std::string> due;
  std::size_t room =
      open_connections >= config_.conn_limit ? 0 : config_.conn_limit - open_connections;
  for (auto& [addr, t] : targets_) {
    if (t.state != Target::State::waiting || t.never_retry || t.next_try > now) continue;
    if (room == 0) {
      // At --conn-limit: look again later. Leaving next_try in the past would make the
      // deadline "now" forever, and the event loop spin.
      t.next_try = now + config_.initial_backoff;
      continue;
    }
    t.state = Target::State::connecting;
    due.push_back(addr);
    --room;
  }
  return due;
}

TimePoint ConnectionMaker::next_deadline() const {
  TimePoint next = TimePoint::max();
  for (const auto& [addr, t] : targets_) {
    if (t.state == Target::State::waiting && !t.never_retry) next = std::min(next, t.next_try);
  }
  return next;
}

std::vector<TargetStatus> ConnectionMaker::status() const {
  std::vector<TargetStatus> out;
  for (const auto& [addr, t] : targets_) {
    TargetStatus s;
    s.address = addr;
    s.direct = t.direct;
    s.last_error = t.last_error;
    s.next_try = t.next_try;
    s.never_retry = t.never_retry;
    switch (t.state) {
      case Target::State::connecting: s.state = "connecting"; break;
      case Target::State::connected: s.state = "connected"; break;
      case Target::State::waiting: s.state = t.last_error.empty() ? "waiting" : "failed"; break;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> ConnectionMaker::direct_targets() const {
  std::vector<std::string> out;
  for (const auto& [addr, t] : targets_) {
    if (t.direct) out.push_back(addr);
  }
  return out;
}

}  // namespace weft::gossip
