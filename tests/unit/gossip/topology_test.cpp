// SPDX-License-Identifier: Apache-2.0
#include "weft/gossip/topology.hpp"

#include <catch2/catch.hpp>

using namespace weft;
using namespace weft::gossip;

namespace {
PeerEntry entry(std::uint64_t name, std::uint64_t version, std::vector<ConnectionEntry> c = {}) {
  return PeerEntry{PeerName(name), "n" + std::to_string(name), 7, version, std::move(c)};
}
}  // namespace

TEST_CASE("merge keeps the higher version and reports what changed", "[gossip][topology]") {
  Topology t(PeerName(1), "self", 1);
  auto m = t.merge({entry(2, 3), entry(3, 1)});
  CHECK(m.changed.size() == 2);
  CHECK(t.version_of(PeerName(2)) == 3);
  CHECK(t.merge({entry(2, 2)}).changed.empty());  // older: ignored
  CHECK(t.merge({entry(2, 3)}).changed.empty());  // same: ignored
  CHECK(t.merge({entry(2, 4)}).changed.size() == 1);
  CHECK(t.version_of(PeerName(2)) == 4);
  CHECK(t.merge({entry(0, 9)}).changed.empty());  // the invalid name is dropped
}

TEST_CASE("local changes bump our version; an old copy of ourselves is overtaken",
          "[gossip][topology]") {
  Topology t(PeerName(1), "self", 1);
  CHECK(t.self_entry().version == 1);
  CHECK(t.set_local_connections({{PeerName(2), "a:1", true, true}}));
  CHECK(t.self_entry().version == 2);
  CHECK_FALSE(t.set_local_connections({{PeerName(2), "a:1", true, true}}));
  // Before a restart we were at version 40: the copy others kept must lose to us now.
  auto m = t.merge({entry(1, 40)});
  REQUIRE(m.changed.size() == 1);
  CHECK(t.self_entry().version == 41);
  CHECK(t.self_entry().nickname == "self");
}

TEST_CASE("digests tell each side what the other lacks", "[gossip][topology]") {
  Topology a(PeerName(1), "a", 1), b(PeerName(2), "b", 1);
  a.merge({entry(3, 5), entry(4, 1)});
  b.merge({entry(3, 2), entry(5, 1)});
  const auto missing_at_b = a.newer_than(b.digest());
  std::vector<std::uint64_t> names;
  for (const auto& e : missing_at_b) names.push_back(e.name.value());
  CHECK(names == std::vector<std::uint64_t>{1, 3, 4});
  CHECK(a.behind(b.digest()));  // b has 2 and 5
  b.merge(missing_at_b);
  a.merge(b.newer_than(a.digest()));
  CHECK(a.digest() == b.digest());
  CHECK(a.digest_hash() == b.digest_hash());
  CHECK_FALSE(a.behind(b.digest()));
}

TEST_CASE("unreachable peers are removed, reachable ones kept", "[gossip][topology]") {
  Topology t(PeerName(1), "self", 1);
  t.set_local_connections({{PeerName(2), "a", true, true}});
  t.merge({entry(2, 1, {{PeerName(1), "b", false, true}, {PeerName(3), "c", true, true}}),
           entry(3, 1, {{PeerName(2), "d", false, true}}), entry(4, 1)});
  auto gone = t.remove_unreachable();
  REQUIRE(gone.size() == 1);
  CHECK(gone[0] == PeerName(4));
  CHECK(t.size() == 3);
  CHECK(t.routes().next_hop(PeerName(3)) == PeerName(2));
}
