// SPDX-License-Identifier: Apache-2.0
// Two peers that dial each other at the same moment: one connection survives on both
// sides, the tie-break is not shown as a failure, and when the survivor ends both targets
// are dialled again.
#include "weft/gossip/mesh.hpp"

#include "mesh_test_config.hpp"

#include <catch2/catch.hpp>
#include <sodium.h>

#include <map>

using namespace weft;
using namespace weft::gossip;

namespace {

// Wires two meshes: a dial from one side is accepted by the other; bytes and closes follow
// the (side, conn) -> (other side, conn) links.
struct Wire {
  Xoshiro256Rng r0{1}, r1{2};
  Mesh m0, m1;
  std::map<std::pair<int, ConnId>, std::pair<int, ConnId>> link;
  std::vector<std::string> dials[2];
  TimePoint now = kEpoch;

  Wire()
      : m0(testing::mesh_config(1, "pw"), r0, kEpoch),
        m1(testing::mesh_config(2, "pw"), r1, kEpoch) {}
  Mesh& side(int s) { return s == 0 ? m0 : m1; }

  void pump() {
    for (int round = 0; round < 30; ++round) {
      for (int s = 0; s < 2; ++s) {
        side(s).on_tick(now);
        for (auto& e : side(s).take_effects()) {
          if (auto* d = std::get_if<DialEffect>(&e)) {
            dials[s].push_back(d->address);
            const ConnId far =
                side(1 - s).on_accepted(s == 0 ? "198.18.0.1:40001" : "198.18.0.2:40002", now);
            link[{s, d->conn}] = {1 - s, far};
            link[{1 - s, far}] = {s, d->conn};
            side(s).on_dialed(d->conn, now);
          } else if (auto* m = std::get_if<SendEffect>(&e)) {
            auto it = link.find({s, m->conn});
            if (it != link.end()) side(it->second.first).on_bytes(it->second.second, m->bytes, now);
          } else if (auto* c = std::get_if<CloseEffect>(&e)) {
            auto it = link.find({s, c->conn});
            if (it == link.end()) continue;
            const auto far = it->second;
            link.erase(it);
            link.erase(far);
            side(far.first).on_closed(far.second, "connection closed by peer", now);
          }
        }
      }
    }
  }
};

}  // namespace

TEST_CASE("simultaneous dials keep one connection and show no failure", "[gossip][mesh]") {
  Wire w;
  REQUIRE(w.m0.connect("198.18.0.2", w.now));
  REQUIRE(w.m1.connect("198.18.0.1", w.now));
  w.pump();
  REQUIRE(w.dials[0].size() == 1);
  REQUIRE(w.dials[1].size() == 1);
  CHECK(w.m0.established_count() == 1);
  CHECK(w.m1.established_count() == 1);
  for (int s = 0; s < 2; ++s) {
    for (const auto& c : w.side(s).connections(w.now)) {
      INFO("side " << s << ": " << c.address << " " << c.state << " " << c.info);
      CHECK(c.state == "established");
    }
    for (const auto& t : w.side(s).targets()) CHECK(t.state == "connected");
  }

  // The surviving connection breaks: both sides dial their target again.
  w.now += std::chrono::seconds(1);
  std::vector<std::pair<int, ConnId>> ends;
  for (const auto& [from, to] : w.link) ends.push_back(from);
  for (const auto& [s, conn] : ends) {
    w.link.erase({s, conn});
    w.side(s).on_closed(conn, "connection reset by peer", w.now);
  }
  w.now += std::chrono::seconds(10);
  w.pump();
  CHECK(w.dials[0].size() >= 2);
  CHECK(w.dials[1].size() >= 2);
  CHECK(w.m0.established_count() == 1);
  CHECK(w.m1.established_count() == 1);
}
