// SPDX-License-Identifier: Apache-2.0
// Two mesh cores wired back to back in memory: the accepting side sends nothing keyed by
// the password before the dialler has proven it knows it, and both still report why a
// handshake failed.
#include "weft/gossip/frame_reader.hpp"
#include "weft/gossip/mesh.hpp"

#include "mesh_test_config.hpp"

#include <catch2/catch.hpp>
#include <sodium.h>

using namespace weft;
using namespace weft::gossip;

namespace {

struct Pair {
  Xoshiro256Rng ra{1}, rb{2};
  Mesh a, b;  // a dials b
  ConnId a_conn = 0, b_conn = 0;
  std::vector<std::vector<std::uint8_t>> b_frames;  // what b sent, frame by frame
  FrameReader b_reader;

  Pair(const char* pa, const char* pb)
      : a(testing::mesh_config(1, pa), ra, kEpoch), b(testing::mesh_config(2, pb), rb, kEpoch) {
    REQUIRE(a.connect("b", kEpoch));
    a.on_tick(kEpoch);
    auto effects = a.take_effects();
    REQUIRE(effects.size() == 1);
    a_conn = std::get<DialEffect>(effects[0]).conn;
    b_conn = b.on_accepted("198.18.0.1:40000", kEpoch);
    a.on_dialed(a_conn, kEpoch);
    for (int round = 0; round < 20; ++round) {
      for (auto& e : a.take_effects()) {
        if (auto* s = std::get_if<SendEffect>(&e)) b.on_bytes(b_conn, s->bytes, kEpoch);
        if (std::get_if<CloseEffect>(&e)) b.on_closed(b_conn, "closed by peer", kEpoch);
      }
      for (auto& e : b.take_effects()) {
        if (auto* s = std::get_if<SendEffect>(&e)) {
          REQUIRE(b_reader.feed(s->bytes));
          while (auto f = b_reader.next()) b_frames.push_back(*f);
          a.on_bytes(a_conn, s->bytes, kEpoch);
        }
        if (std::get_if<CloseEffect>(&e)) a.on_closed(a_conn, "closed by peer", kEpoch);
      }
    }
  }
};

bool has_failure(const Mesh& m, const std::string& reason) {
  for (const auto& c : m.connections(kEpoch)) {
    if (c.state == "failed" && c.info.find(reason) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("same password: both ends establish", "[gossip][mesh]") {
  Pair p("pw", "pw");
  CHECK(p.a.established_count() == 1);
  CHECK(p.b.established_count() == 1);
  REQUIRE(p.b_frames.size() >= 2);
  CHECK(p.b_frames[1] != std::vector<std::uint8_t>(32, 0));  // a real auth frame
}

TEST_CASE("wrong password: the acceptor reveals nothing and both ends say why", "[gossip][mesh]") {
  Pair p("pw", "other");
  CHECK(p.a.established_count() == 0);
  CHECK(p.b.established_count() == 0);
  // b sent its hello, then only an all-zero auth frame: nothing keyed by its password.
  REQUIRE(p.b_frames.size() == 2);
  CHECK(p.b_frames[1] == std::vector<std::uint8_t>(32, 0));
  CHECK(has_failure(p.a, "password mismatch"));
  CHECK(has_failure(p.b, "password mismatch"));
}

TEST_CASE("no password on one side: both ends say encryption mismatch", "[gossip][mesh]") {
  Pair p("pw", nullptr);
  CHECK(p.a.established_count() == 0);
  CHECK(has_failure(p.a, "encryption mismatch"));
  CHECK(has_failure(p.b, "encryption mismatch"));
}

TEST_CASE("a peer whose connection dropped is redialled at its address, for a while",
          "[gossip][mesh]") {
  Pair p("pw", "pw");
  REQUIRE(p.b.established_count() == 1);
  // b only ever accepted from a (198.18.0.1:40000); a dies, so nothing in the topology
  // mentions a's address any more. b still retries a where it listens.
  TimePoint t = kEpoch + std::chrono::seconds(1);
  p.b.on_closed(p.b_conn, "connection reset by peer", t);
  p.b.on_tick(t);
  ConnId conn = 0;
  auto dials = [&p, &conn] {
    std::vector<std::string> out;
    for (auto& e : p.b.take_effects()) {
      if (auto* d = std::get_if<DialEffect>(&e)) {
        out.push_back(d->address);
        conn = d->conn;
      }
    }
    return out;
  };
  REQUIRE(dials() == std::vector<std::string>{"198.18.0.1:6783"});
  p.b.on_dial_failed(conn, "connection refused", t);
  bool retrying = false;
  for (const auto& c : p.b.connections(t)) {
    retrying |= c.address == "198.18.0.1:6783" && c.state == "failed" &&
                c.info.find("connection refused") != std::string::npos;
  }
  CHECK(retrying);
  // After the retention time the address is dropped: no more dials.
  t += std::chrono::minutes(16);
  p.b.on_tick(t);
  CHECK(dials().empty());
  CHECK(p.b.connections(t).empty());
}

TEST_CASE("sleeve keys: each end's send key is the other's receive key", "[gossip][mesh]") {
  Pair p("pw", "pw");
  const auto a_conns = p.a.connections(kEpoch);
  REQUIRE(a_conns.size() == 1);
  const PeerName b_name = a_conns[0].peer;
  const PeerName a_name = p.b.connections(kEpoch).at(0).peer;
  auto ka = p.a.sleeve_keys(b_name);
  auto kb = p.b.sleeve_keys(a_name);
  REQUIRE(ka);
  REQUIRE(kb);
  CHECK(ka->encrypted);
  CHECK(ka->send == kb->recv);
  CHECK(ka->recv == kb->send);
  CHECK(ka->send != ka->recv);  // a key per direction
  CHECK(ka->conn == p.a_conn);
  CHECK_FALSE(p.a.sleeve_keys(PeerName(0x99)));  // no connection, no keys
  // The keys come from the handshake (here its password; in weftd also fresh ephemeral keys).
  Pair other("pw2", "pw2");
  CHECK(other.a.sleeve_keys(b_name)->send != ka->send);
}
