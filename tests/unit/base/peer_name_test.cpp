// SPDX-License-Identifier: Apache-2.0
// PeerName: both text forms, zero is invalid, from_random never yields zero.
#include "weft/base/peer_name.hpp"

#include "weft/base/rng.hpp"

#include <catch2/catch.hpp>

#include <unordered_set>

using weft::PeerName;

TEST_CASE("PeerName prints eight lowercase hex bytes and parses both forms", "[peer]") {
  const PeerName p(0x0a1b2c3d4e5f6071ULL);
  CHECK(p.to_string() == "0a:1b:2c:3d:4e:5f:60:71");
  CHECK(p.value() == 0x0a1b2c3d4e5f6071ULL);
  CHECK(p.is_valid());
  CHECK(PeerName::parse("0a:1b:2c:3d:4e:5f:60:71").value() == p);
  CHECK(PeerName::parse("0A:1B:2C:3D:4E:5F:60:71").value() == p);
  CHECK(PeerName::parse("0a1b2c3d4e5f6071").value() == p);
  CHECK(PeerName(1).to_string() == "00:00:00:00:00:00:00:01");
  CHECK(PeerName(~0ULL).to_string() == "ff:ff:ff:ff:ff:ff:ff:ff");
}

TEST_CASE("PeerName round-trips (seeded)", "[peer]") {
  weft::Xoshiro256Rng rng(64);
  for (int i = 0; i < 2000; ++i) {
    const auto p = PeerName::from_random(rng.next());
    const auto back = PeerName::parse(p.to_string());
    REQUIRE(back);
    CHECK(*back == p);
  }
}

TEST_CASE("PeerName zero is invalid", "[peer]") {
  CHECK_FALSE(PeerName().is_valid());
  CHECK_FALSE(PeerName::parse("00:00:00:00:00:00:00:00"));
  CHECK_FALSE(PeerName::parse("0000000000000000"));
  CHECK(PeerName::from_random(0) == PeerName(1));
  CHECK(PeerName::from_random(0).is_valid());
  CHECK(PeerName::from_random(42) == PeerName(42));
}

TEST_CASE("PeerName rejects other forms", "[peer]") {
  const char* bad[] = {"",
                       "0a:1b:2c:3d:4e:5f:60",
                       "0a:1b:2c:3d:4e:5f:60:71:82",
                       "0a-1b-2c-3d-4e-5f-60-71",
                       "0a1b2c3d4e5f607",
                       "0a1b2c3d4e5f60712",
                       "0x1b2c3d4e5f6071",
                       "0a:1b:2c:3d:4e:5f:60:7g",
                       "0a:1b:2c:3d:4e:5f:6071:",
                       " a1b2c3d4e5f6071",
                       "0a1b2c3d4e5f607 ",
                       "0a:1b:2c:3d:4e:5f:60:71\n",
                       "aa:bb:cc:dd:ee:ff"};
  for (const char* text : bad) {
    INFO(text);
    auto r = PeerName::parse(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().is(weft::Errc::parse_error));
  }
}

TEST_CASE("PeerName orders by value and hashes", "[peer]") {
  CHECK(PeerName(1) < PeerName(2));
  CHECK(PeerName(0x0100000000000000ULL) > PeerName(0xffULL));
  std::unordered_set<PeerName> s{PeerName(1), PeerName(1), PeerName(2)};
  CHECK(s.size() == 2);
}
