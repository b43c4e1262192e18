// SPDX-License-Identifier: Apache-2.0
#include "weft/gossip/connection_maker.hpp"

#include <catch2/catch.hpp>

using namespace weft;
using namespace weft::gossip;
using namespace std::chrono_literals;

TEST_CASE("targets are normalised to host:port", "[gossip][maker]") {
  CHECK(*ConnectionMaker::normalize("10.0.0.1", 6783) == "10.0.0.1:6783");
  CHECK(*ConnectionMaker::normalize("host:7000", 6783) == "host:7000");
  CHECK(*ConnectionMaker::normalize("[fd00::1]:7000", 6783) == "[fd00::1]:7000");
  CHECK(*ConnectionMaker::normalize("fd00::1", 6783) == "[fd00::1]:6783");
  for (const char* bad : {"", ":1", "h:0", "h:70000", "h:x", "[fd00::1", "[::1]x", "a b"}) {
    INFO(bad);
    CHECK_FALSE(ConnectionMaker::normalize(bad, 6783));
  }
}

TEST_CASE("failures back off with jitter up to the cap; success resets", "[gossip][maker]") {
  Xoshiro256Rng rng(1);
  ConnectionMakerConfig cfg;
  cfg.initial_backoff = 2s;
  cfg.max_backoff = 60s;
  ConnectionMaker m(cfg, rng);
  TimePoint now = kEpoch;
  REQUIRE(m.add_direct("h", now));
  Duration expected = 2s;
  for (int i = 0; i < 20; ++i) {
    auto due = m.take_due(now, 0);
    REQUIRE(due == std::vector<std::string>{"h:6783"});
    CHECK(m.take_due(now, 0).empty());  // being dialled: not handed out twice
    m.on_attempt_failed("h:6783", "refused", now);
    const auto wait = m.next_deadline() - now;
    CHECK(wait >= expected / 2);
    CHECK(wait <= expected * 3 / 2);
    CHECK(m.take_due(now + wait - 1us, 0).empty());
    now += wait;
    expected = std::min<Duration>(60s, expected * 3 / 2);
  }
  auto st = m.status();
  REQUIRE(st.size() == 1);
  CHECK(st[0].state == "failed");
  CHECK(st[0].last_error == "refused");
  REQUIRE(m.take_due(now, 0).size() == 1);
  m.on_connected("h:6783");
  CHECK(m.status()[0].state == "connected");
  m.on_disconnected("h:6783", "reset", now);
  CHECK(m.next_deadline() - now <= 3s);  // a connection that was up retries quickly
}

TEST_CASE("the connection limit caps dials; forget and never-retry", "[gossip][maker]") {
  Xoshiro256Rng rng(2);
  ConnectionMakerConfig cfg;
  cfg.conn_limit = 2;
  ConnectionMaker m(cfg, rng);
  for (const char* t : {"a", "b", "c"}) REQUIRE(m.add_direct(t, kEpoch));
  CHECK(m.take_due(kEpoch, 1).size() == 1);
  CHECK(m.take_due(kEpoch, 2).empty());
  // At the limit, due targets move on: a deadline left at "now" made the event loop spin.
  CHECK(m.next_deadline() > kEpoch);
  CHECK(m.forget("c"));
  CHECK_FALSE(m.forget("zzz"));
  CHECK(m.direct_targets().size() == 2);
  auto due = m.take_due(kEpoch + 2s, 0);  // "a" is still being dialled; "b" is due
  REQUIRE(due == std::vector<std::string>{"b:6783"});
  m.on_attempt_failed(due[0], "connection to self", kEpoch, true);
  CHECK(m.take_due(kEpoch + std::chrono::hours(1), 0).empty());
  CHECK(m.next_deadline() == TimePoint::max());
}

TEST_CASE("discovered targets come and go; direct ones stay", "[gossip][maker]") {
  Xoshiro256Rng rng(3);
  ConnectionMaker m(ConnectionMakerConfig{}, rng);
  REQUIRE(m.add_direct("d", kEpoch));
  m.set_discovered({"x:6783", "y:6783"}, kEpoch);
  CHECK(m.status().size() == 3);
  m.set_discovered({"y:6783"}, kEpoch);
  CHECK(m.status().size() == 2);
  CHECK(m.is_target("d:6783"));
  CHECK_FALSE(m.is_target("x:6783"));

  ConnectionMakerConfig off;
  off.discovery = false;
  ConnectionMaker m2(off, rng);
  m2.set_discovered({"x:6783"}, kEpoch);
  CHECK(m2.status().empty());
}
