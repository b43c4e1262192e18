// SPDX-License-Identifier: Apache-2.0
// MacAddress: both separator styles, lowercase output, the flag bits, and rejects.
#include "weft/base/mac_address.hpp"

#include <catch2/catch.hpp>

#include <unordered_set>

using weft::MacAddress;

TEST_CASE("MacAddress parses colon and dash forms and prints lowercase colons", "[mac]") {
  const auto a = MacAddress::parse("AA:bb:0C:dd:ee:FF");
  REQUIRE(a);
  CHECK(a->to_string() == "aa:bb:0c:dd:ee:ff");
  CHECK(a->bytes() == std::array<std::uint8_t, 6>{0xaa, 0xbb, 0x0c, 0xdd, 0xee, 0xff});
  const auto b = MacAddress::parse("aa-bb-0c-dd-ee-ff");
  REQUIRE(b);
  CHECK(*a == *b);
  CHECK(MacAddress().to_string() == "00:00:00:00:00:00");
  CHECK(MacAddress::parse(a->to_string()).value() == *a);
}

TEST_CASE("MacAddress rejects other forms", "[mac]") {
  const char* bad[] = {"",
                       "aa:bb:cc:dd:ee",
                       "aa:bb:cc:dd:ee:ff:00",
                       "aa:bb:cc:dd:ee:f",
                       "a:bb:cc:dd:ee:ff0",
                       "aa:bb-cc:dd:ee:ff",
                       "aa-bb-cc-dd-ee:ff",
                       "aa.bb.cc.dd.ee.ff",
                       "aabb.ccdd.eeff",
                       "aabbccddeeff",
                       "gg:bb:cc:dd:ee:ff",
                       " aa:bb:cc:dd:ee:f",
                       "aa:bb:cc:dd:ee:ff ",
                       "aa::bb:cc:dd:ee:f",
                       "+a:bb:cc:dd:ee:ff"};
  for (const char* text : bad) {
    INFO(text);
    auto r = MacAddress::parse(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().is(weft::Errc::parse_error));
  }
}

TEST_CASE("MacAddress flag bits", "[mac]") {
  const auto bcast = MacAddress::broadcast();
  CHECK(bcast.is_broadcast());
  CHECK(bcast.is_multicast());
  CHECK(bcast.to_string() == "ff:ff:ff:ff:ff:ff");
  const auto mcast = *MacAddress::parse("01:00:5e:00:00:fb");
  CHECK(mcast.is_multicast());
  CHECK_FALSE(mcast.is_broadcast());
  CHECK_FALSE(mcast.is_local());
  const auto local = *MacAddress::parse("0a:58:0a:20:00:01");
  CHECK(local.is_local());
  CHECK_FALSE(local.is_multicast());
  const auto global = *MacAddress::parse("00:1b:21:3a:4f:50");
  CHECK_FALSE(global.is_local());
  CHECK_FALSE(global.is_multicast());
  CHECK(MacAddress().is_zero());
  CHECK_FALSE(global.is_zero());
}

TEST_CASE("MacAddress orders bytewise and hashes", "[mac]") {
  CHECK(*MacAddress::parse("00:00:00:00:00:01") < *MacAddress::parse("00:00:00:00:01:00"));
  std::unordered_set<MacAddress> s{MacAddress::broadcast(), MacAddress::broadcast(), MacAddress()};
  CHECK(s.size() == 2);
}
