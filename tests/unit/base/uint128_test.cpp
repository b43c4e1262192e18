// SPDX-License-Identifier: Apache-2.0
// u128 helpers: address <-> integer conversions and the overflow edges of add/sub.
#include "weft/base/uint128.hpp"

#include "weft/base/rng.hpp"

#include "unit/base/u128_string_maker.hpp"

#include <catch2/catch.hpp>

using weft::IpAddress;
using weft::IpFamily;
using weft::kU128Max;
using weft::u128;

namespace {
IpAddress ip(std::string_view text) {
  auto r = IpAddress::parse(text);
  REQUIRE(r);
  return *r;
}
}  // namespace

TEST_CASE("u128 decimal text and halves", "[u128]") {
  CHECK(weft::u128_to_string(0) == "0");
  CHECK(weft::u128_to_string(1234567890) == "1234567890");
  CHECK(weft::u128_to_string(kU128Max) == "340282366920938463463374607431768211455");
  CHECK(weft::u128_to_string(weft::make_u128(1, 0)) == "18446744073709551616");
  const u128 v = weft::make_u128(0x0123456789abcdefULL, 0xfedcba9876543210ULL);
  CHECK(weft::u128_high(v) == 0x0123456789abcdefULL);
  CHECK(weft::u128_low(v) == 0xfedcba9876543210ULL);
}

TEST_CASE("low_bits_mask covers 0 and 128 without undefined shifts", "[u128]") {
  CHECK(weft::low_bits_mask(0) == 0);
  CHECK(weft::low_bits_mask(1) == 1);
  CHECK(weft::low_bits_mask(32) == 0xffffffffU);
  CHECK(weft::low_bits_mask(127) == kU128Max >> 1);
  CHECK(weft::low_bits_mask(128) == kU128Max);
}

TEST_CASE("checked_add and checked_sub report overflow at the edges", "[u128]") {
  u128 out = 42;
  CHECK(weft::checked_add(kU128Max - 1, 1, out));
  CHECK(out == kU128Max);
  out = 42;
  CHECK_FALSE(weft::checked_add(kU128Max, 1, out));
  CHECK(out == 42);  // untouched on failure
  CHECK_FALSE(weft::checked_add(1, kU128Max, out));
  CHECK_FALSE(weft::checked_add(kU128Max, kU128Max, out));
  CHECK(weft::checked_add(kU128Max, 0, out));
  CHECK(out == kU128Max);
  CHECK(weft::checked_sub(5, 5, out));
  CHECK(out == 0);
  out = 42;
  CHECK_FALSE(weft::checked_sub(0, 1, out));
  CHECK_FALSE(weft::checked_sub(4, 5, out));
  CHECK(out == 42);
  CHECK(weft::checked_sub(kU128Max, kU128Max, out));
  CHECK(out == 0);
}

TEST_CASE("addresses convert to and from u128, keeping the family", "[u128]") {
  CHECK(weft::to_u128(ip("10.0.0.1")) == 0x0a000001U);
  CHECK(weft::to_u128(ip("::1")) == 1);
  CHECK(weft::to_u128(ip("::a00:1")) == 0x0a000001U);  // same integer, other family
  CHECK(weft::to_u128(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")) == kU128Max);
  CHECK(weft::to_u128(ip("2001:db8::")) == weft::make_u128(0x20010db800000000ULL, 0));

  CHECK(weft::ip_from_u128(IpFamily::v4, 0x0a000001U)->to_string() == "10.0.0.1");
  CHECK(weft::ip_from_u128(IpFamily::v6, 0x0a000001U)->to_string() == "::a00:1");
  CHECK(weft::ip_from_u128(IpFamily::v4, 0xffffffffU)->to_string() == "255.255.255.255");
  auto too_big = weft::ip_from_u128(IpFamily::v4, u128{1} << 32);
  REQUIRE_FALSE(too_big);
  CHECK(too_big.error().is(weft::Errc::out_of_range));

  weft::Xoshiro256Rng rng(128);
  for (int i = 0; i < 1000; ++i) {
    const u128 v = weft::make_u128(rng.next(), rng.next());
    const auto a = weft::ip_from_u128(IpFamily::v6, v);
    REQUIRE(a);
    CHECK(weft::to_u128(*a) == v);
    const auto b = weft::ip_from_u128(IpFamily::v4, v & 0xffffffffU);
    REQUIRE(b);
    CHECK(weft::to_u128(*b) == (v & 0xffffffffU));
  }
}

TEST_CASE("address add/sub stop at the ends of the family", "[u128]") {
  CHECK(weft::add(ip("10.0.0.255"), 1)->to_string() == "10.0.1.0");
  CHECK(weft::add(ip("255.255.255.254"), 1)->to_string() == "255.255.255.255");
  CHECK_FALSE(weft::add(ip("255.255.255.255"), 1));  // would leave IPv4, not wrap to 0.0.0.0
  CHECK_FALSE(weft::add(ip("0.0.0.0"), u128{1} << 32));
  CHECK(weft::add(ip("0.0.0.0"), 0xffffffffU)->to_string() == "255.255.255.255");
  CHECK(weft::add(ip("::ffff:ffff"), 1)->to_string() == "::1:0:0");  // IPv6 keeps going
  CHECK(weft::add(ip("::"), kU128Max)->to_string() == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  CHECK_FALSE(weft::add(ip("::1"), kU128Max));
  CHECK_FALSE(weft::add(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 1));

  CHECK(weft::sub(ip("10.0.1.0"), 1)->to_string() == "10.0.0.255");
  CHECK(weft::sub(ip("0.0.0.1"), 1)->to_string() == "0.0.0.0");
  auto under = weft::sub(ip("0.0.0.0"), 1);
  REQUIRE_FALSE(under);
  CHECK(under.error().is(weft::Errc::out_of_range));
  CHECK_FALSE(weft::sub(ip("::"), 1));
  CHECK(weft::sub(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), kU128Max)->to_string() == "::");
  CHECK(weft::add(ip("1.2.3.4"), 0)->is_v4());
}

TEST_CASE("distance between addresses", "[u128]") {
  CHECK(*weft::distance(ip("10.0.0.0"), ip("10.0.1.0")) == 256);
  CHECK(*weft::distance(ip("10.0.0.0"), ip("10.0.0.0")) == 0);
  CHECK(*weft::distance(ip("::"), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")) == kU128Max);
  CHECK_FALSE(weft::distance(ip("10.0.0.1"), ip("10.0.0.0")));
  CHECK_FALSE(weft::distance(ip("10.0.0.1"), ip("::ffff:10.0.0.2")));
}
