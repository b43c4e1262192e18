// SPDX-License-Identifier: Apache-2.0
// Cidr: strict and lenient parsing, containment, first/last/size including /0, /32 and /128.
#include "weft/base/cidr.hpp"

#include "weft/base/rng.hpp"

#include "unit/base/u128_string_maker.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <unordered_set>

using weft::Cidr;
using weft::IpAddress;
using weft::kU128Max;
using weft::u128;

namespace {
IpAddress ip(std::string_view text) {
  auto r = IpAddress::parse(text);
  INFO(text);
  REQUIRE(r);
  return *r;
}
Cidr cidr(std::string_view text) {
  auto r = Cidr::parse(text);
  INFO(text);
  REQUIRE(r);
  return *r;
}
}  // namespace

TEST_CASE("Cidr parses IPv4 and IPv6 prefixes and prints them back", "[cidr]") {
  for (const char* text : {"10.32.0.0/12", "0.0.0.0/0", "10.0.0.1/32", "fd00::/64", "::/0",
                           "2001:db8::1/128", "::ffff:10.0.0.0/104", "128.0.0.0/1"}) {
    INFO(text);
    const auto c = cidr(text);
    CHECK(c.to_string() == text);
    CHECK(cidr(c.to_string()) == c);
  }
  const auto c = cidr("10.32.0.0/12");
  CHECK(c.address() == ip("10.32.0.0"));
  CHECK(c.prefix_length() == 12);
  CHECK(c.family() == weft::IpFamily::v4);
  CHECK(c.netmask() == ip("255.240.0.0"));
  CHECK(cidr("fd00::/64").netmask() == ip("ffff:ffff:ffff:ffff::"));
  CHECK(cidr("FD00:0::/64").to_string() == "fd00::/64");
  CHECK(Cidr().to_string() == "0.0.0.0/0");
}

TEST_CASE("Cidr::parse rejects host bits and names the canonical form", "[cidr]") {
  auto r = Cidr::parse("10.32.0.1/12");
  REQUIRE_FALSE(r);
  CHECK(r.error().is(weft::Errc::invalid_argument));
  CHECK(r.error().message() == "10.32.0.1/12 has host bits set; did you mean 10.32.0.0/12?");
  auto r6 = Cidr::parse("fd00::1/64");
  REQUIRE_FALSE(r6);
  CHECK(r6.error().message() == "fd00::1/64 has host bits set; did you mean fd00::/64?");
  CHECK_FALSE(Cidr::parse("0.0.0.1/0"));
}

TEST_CASE("Cidr::parse_lenient clears host bits", "[cidr]") {
  CHECK(Cidr::parse_lenient("10.32.0.1/12")->to_string() == "10.32.0.0/12");
  CHECK(Cidr::parse_lenient("192.168.1.77/24")->to_string() == "192.168.1.0/24");
  CHECK(Cidr::parse_lenient("fd00::1:2:3:4/64")->to_string() == "fd00::/64");
  CHECK(Cidr::parse_lenient("255.255.255.255/0")->to_string() == "0.0.0.0/0");
  CHECK(Cidr::parse_lenient("1.2.3.4/32")->to_string() == "1.2.3.4/32");
  CHECK_FALSE(Cidr::parse_lenient("1.2.3.4/33"));
  CHECK_FALSE(Cidr::parse_lenient("1.2.3.4"));
}

TEST_CASE("Cidr rejects malformed text", "[cidr]") {
  const char* bad[] = {"",
                       "/",
                       "10.0.0.0",
                       "10.0.0.0/",
                       "/8",
                       "10.0.0.0/33",
                       "::/129",
                       "10.0.0.0/-1",
                       "10.0.0.0/+8",
                       "10.0.0.0/08",
                       "10.0.0.0/8 ",
                       " 10.0.0.0/8",
                       "10.0.0.0/8/8",
                       "10.0.0.0//8",
                       "10.0.0.0/1000",
                       "10.0.0/8",
                       "fd00::/6 4",
                       "fd00::%eth0/64",
                       "10.0.0.0/0x8",
                       "10.0.0.0\\8"};
  for (const char* text : bad) {
    INFO(text);
    CHECK_FALSE(Cidr::parse(text));
    CHECK_FALSE(Cidr::parse_lenient(text));
  }
}

TEST_CASE("Cidr::make validates the prefix length", "[cidr]") {
  CHECK(Cidr::make(ip("10.0.0.0"), 8));
  CHECK_FALSE(Cidr::make(ip("10.0.0.0"), 33));
  CHECK_FALSE(Cidr::make(ip("10.0.0.0"), -1));
  CHECK(Cidr::make(ip("::"), 128));
  CHECK_FALSE(Cidr::make(ip("::"), 129));
  CHECK(Cidr::make_masked(ip("10.1.2.3"), 8)->to_string() == "10.0.0.0/8");
  auto r = Cidr::make_masked(ip("10.1.2.3"), 40);
  REQUIRE_FALSE(r);
  CHECK(r.error().is(weft::Errc::out_of_range));
}

TEST_CASE("Cidr first, last and size at the edges", "[cidr]") {
  const auto all4 = cidr("0.0.0.0/0");
  CHECK(all4.first() == ip("0.0.0.0"));
  CHECK(all4.last() == ip("255.255.255.255"));
  CHECK(all4.size() == u128{1} << 32);

  const auto host4 = cidr("10.1.2.3/32");
  CHECK(host4.first() == host4.last());
  CHECK(host4.size() == 1);

  const auto c = cidr("10.32.0.0/12");
  CHECK(c.last() == ip("10.47.255.255"));
  CHECK(c.size() == 1U << 20);

  const auto all6 = cidr("::/0");
  CHECK(all6.first() == ip("::"));
  CHECK(all6.last() == ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  CHECK(all6.size() == kU128Max);  // 2^128 saturates

  const auto half6 = cidr("8000::/1");
  CHECK(half6.size() == u128{1} << 127);
  CHECK(half6.last() == ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));

  const auto host6 = cidr("2001:db8::1/128");
  CHECK(host6.size() == 1);
  CHECK(host6.last() == ip("2001:db8::1"));
  CHECK(cidr("fd00::/64").size() == weft::make_u128(1, 0));
  CHECK(cidr("fd00::/64").last() == ip("fd00::ffff:ffff:ffff:ffff"));
}

TEST_CASE("Cidr contains addresses and prefixes of its own family only", "[cidr]") {
  const auto c = cidr("10.32.0.0/12");
  CHECK(c.contains(ip("10.32.0.0")));
  CHECK(c.contains(ip("10.47.255.255")));
  CHECK(c.contains(ip("10.40.1.2")));
  CHECK_FALSE(c.contains(ip("10.31.255.255")));
  CHECK_FALSE(c.contains(ip("10.48.0.0")));
  CHECK_FALSE(c.contains(ip("::ffff:10.32.0.1")));
  CHECK_FALSE(c.contains(ip("::a20:1")));

  CHECK(c.contains(c));
  CHECK(c.contains(cidr("10.40.0.0/16")));
  CHECK(c.contains(cidr("10.47.255.255/32")));
  CHECK_FALSE(c.contains(cidr("10.0.0.0/8")));
  CHECK_FALSE(c.contains(cidr("10.32.0.0/11")));  // same start, larger
  CHECK_FALSE(cidr("fd00::/64").contains(cidr("fd00::/63")));
  CHECK_FALSE(c.contains(cidr("10.48.0.0/16")));
  CHECK(cidr("0.0.0.0/0").contains(c));
  CHECK_FALSE(cidr("0.0.0.0/0").contains(cidr("::/0")));
  CHECK_FALSE(cidr("::/0").contains(ip("1.2.3.4")));
  CHECK(cidr("::/0").contains(ip("ffff::1")));
  CHECK(cidr("::/0").contains(cidr("fd00::/8")));
  CHECK(cidr("fd00::/8").contains(ip("fdff:ffff::1")));
  CHECK_FALSE(cidr("fd00::/8").contains(ip("fe00::")));
}

TEST_CASE("Cidr containment agrees with a first/last reference (seeded)", "[cidr]") {
  weft::Xoshiro256Rng rng(1632);
  for (int i = 0; i < 5000; ++i) {
    const auto a = IpAddress::v4(static_cast<std::uint32_t>(rng.next()));
    const auto c = *Cidr::make_masked(a, static_cast<int>(rng.uniform(33)));
    const auto probe = IpAddress::v4(static_cast<std::uint32_t>(rng.next() >> rng.uniform(33)));
    const bool expected = c.first() <= probe && probe <= c.last();
    INFO(c.to_string() << " " << probe.to_string());
    CHECK(c.contains(probe) == expected);
    CHECK(c.contains(a));
    CHECK(*weft::distance(c.first(), c.last()) + 1 == c.size());
  }
}

TEST_CASE("Cidr orders by address then prefix and hashes", "[cidr]") {
  CHECK(cidr("10.0.0.0/8") < cidr("10.0.0.0/16"));
  CHECK(cidr("10.0.0.0/16") < cidr("10.1.0.0/16"));
  CHECK(cidr("10.0.0.0/8") != cidr("10.0.0.0/9"));
  std::unordered_set<Cidr> s{cidr("10.0.0.0/8"), cidr("10.0.0.0/8"), cidr("10.0.0.0/9")};
  CHECK(s.size() == 2);
}
