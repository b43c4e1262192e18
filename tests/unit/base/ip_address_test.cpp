// SPDX-License-Identifier: Apache-2.0
// IpAddress: canonical forms, rejects, and a differential check against inet_pton/inet_ntop.
#include "weft/base/ip_address.hpp"

#include "weft/base/rng.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>

using weft::IpAddress;
using weft::IpFamily;

namespace {

IpAddress must_parse(std::string_view text) {
  auto r = IpAddress::parse(text);
  INFO(text);
  REQUIRE(r);
  return *r;
}

// The libc parser as an independent reference: nullopt when it rejects.
std::optional<IpAddress> libc_parse(const std::string& text) {
  if (text.find(':') != std::string::npos) {
    std::array<std::uint8_t, 16> b{};
    if (inet_pton(AF_INET6, text.c_str(), b.data()) != 1) return std::nullopt;
    return IpAddress::v6(b);
  }
  std::array<std::uint8_t, 4> b{};
  if (inet_pton(AF_INET, text.c_str(), b.data()) != 1) return std::nullopt;
  return IpAddress::v4(b[0], b[1], b[2], b[3]);
}

}  // namespace

TEST_CASE("IpAddress parses and prints IPv4 as a dotted quad", "[ip]") {
  const auto a = must_parse("10.32.0.1");
  CHECK(a.is_v4());
  CHECK(a.family() == IpFamily::v4);
  CHECK(a.bits() == 32);
  CHECK(a.v4_value() == 0x0a200001U);
  CHECK(a == IpAddress::v4(0x0a200001U));
  CHECK(a == IpAddress::v4(10, 32, 0, 1));
  CHECK(a.bytes().size() == 4);
  CHECK(a.to_string() == "10.32.0.1");
  CHECK(must_parse("0.0.0.0").to_string() == "0.0.0.0");
  CHECK(must_parse("255.255.255.255").v4_value() == 0xffffffffU);
  CHECK(IpAddress().to_string() == "0.0.0.0");
}

TEST_CASE("IpAddress prints IPv6 in RFC 5952 canonical form", "[ip]") {
  struct Case {
    const char* in;
    const char* canonical;
  };
  const Case cases[] = {
      {"2001:db8::1", "2001:db8::1"},
      {"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
      {"::", "::"},
      {"0:0:0:0:0:0:0:0", "::"},
      {"::1", "::1"},
      {"1::", "1::"},
      {"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
      {"::ffff:0102:0304", "::ffff:1.2.3.4"},
      {"1:0:0:1::1", "1:0:0:1::1"},
      {"1:0:0:1:0:0:0:1", "1:0:0:1::1"},                 // the longer run wins
      {"1:0:0:1:0:0:1:1", "1::1:0:0:1:1"},               // tie: the first run
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},  // one zero group is not compressed
      {"fe80::", "fe80::"},
      {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
      {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
      {"::1.2.3.4", "::102:304"},  // deprecated v4-compatible: plain hex
      {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    const auto a = must_parse(c.in);
    CHECK(a.is_v6());
    CHECK(a.bytes().size() == 16);
    CHECK(a.to_string() == c.canonical);
    CHECK(must_parse(a.to_string()) == a);
  }
  CHECK(must_parse("::ffff:1.2.3.4").is_v4_mapped());
  CHECK(must_parse("::ffff:1.2.3.4") != must_parse("1.2.3.4"));
}

TEST_CASE("IpAddress rejects malformed text without throwing", "[ip]") {
  const char* bad[] = {"",
                       " 1.2.3.4",
                       "1.2.3.4 ",
                       "1.2.3",
                       "1.2.3.4.5",
                       "1.2.3.256",
                       "256.0.0.0",
                       "1.2.3.-1",
                       "01.2.3.4",
                       "1.2.3.04",
                       "1..2.3",
                       "1.2.3.",
                       ".1.2.3",
                       "0x1.2.3.4",
                       "1.2.3.4/32",
                       "1,2,3,4",
                       "1234",
                       "abc",
                       ":",
                       ":::",
                       "1:::2",
                       "1::2::3",
                       ":1::",
                       "1::2:",
                       "1:2:3:4:5:6:7",
                       "1:2:3:4:5:6:7:8:9",
                       "1:2:3:4:5:6:7:8::",
                       "::1:2:3:4:5:6:7:8",
                       "12345::",
                       "g::",
                       "fe80::1%eth0",
                       "fe80::1%1",
                       "[::1]",
                       "::1 ",
                       "\t::1",
                       "1.2.3.4::",
                       "::1.2.3.4:5",
                       "1:2:3:4:5:6:7:1.2.3.4",
                       "::1.2.3",
                       "::1.2.3.256",
                       "::01.2.3.4",
                       "::ffff:1.2.3.4.5",
                       "1.2.3.4\n"};
  for (const char* text : bad) {
    INFO(text);
    auto r = IpAddress::parse(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().is(weft::Errc::parse_error));
    CHECK(r.error().message().find("is not an IP address") != std::string::npos);
  }
  CHECK_FALSE(IpAddress::parse(std::string(100, '1')));
  CHECK_FALSE(IpAddress::parse("1:" + std::string(80, '0') + "::"));
  // Embedded NUL bytes are not terminators.
  CHECK_FALSE(IpAddress::parse(std::string_view("1.2.3.4\0", 8)));
}

TEST_CASE("IpAddress error messages escape hostile input", "[ip]") {
  auto r = IpAddress::parse("1.2.3.4\n[fake log line]");
  REQUIRE_FALSE(r);
  CHECK(r.error().message().find('\n') == std::string::npos);
  CHECK(r.error().message().find("\\x0a") != std::string::npos);
}

TEST_CASE("IpAddress from_bytes takes 4 or 16 bytes only", "[ip]") {
  const std::uint8_t raw[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  CHECK(IpAddress::from_bytes(std::span(raw, 4))->to_string() == "32.1.13.184");
  CHECK(IpAddress::from_bytes(std::span(raw, 16))->to_string() == "2001:db8::1");
  for (std::size_t n : {0, 1, 3, 5, 15}) {
    CHECK_FALSE(IpAddress::from_bytes(std::span(raw, n)));
  }
}

TEST_CASE("IpAddress ordering puts IPv4 first, then numeric order", "[ip]") {
  const std::vector<std::string> sorted_text = {"0.0.0.0",        "1.2.3.4",    "10.0.0.1",
                                                "255.0.0.0",      "::",         "::1",
                                                "::ffff:0.0.0.0", "2001:db8::", "fe80::1"};
  std::set<IpAddress> sorted;
  for (const auto& t : sorted_text) sorted.insert(must_parse(t));
  std::vector<std::string> back;
  for (const auto& a : sorted) back.push_back(a.to_string());
  CHECK(back == sorted_text);
  CHECK(must_parse("10.0.0.1") < must_parse("10.0.0.2"));
  CHECK(must_parse("9.255.255.255") < must_parse("10.0.0.0"));
}

TEST_CASE("IpAddress classifies unspecified, loopback, mapped", "[ip]") {
  CHECK(must_parse("0.0.0.0").is_unspecified());
  CHECK(must_parse("::").is_unspecified());
  CHECK_FALSE(must_parse("::1").is_unspecified());
  CHECK(must_parse("127.1.2.3").is_loopback());
  CHECK(must_parse("::1").is_loopback());
  CHECK_FALSE(must_parse("::2").is_loopback());
  CHECK_FALSE(must_parse("128.0.0.1").is_loopback());
  CHECK_FALSE(must_parse("::fffe:1.2.3.4").is_v4_mapped());
}

TEST_CASE("IpAddress hashes equal values equally and spreads distinct ones", "[ip]") {
  std::unordered_set<IpAddress> set;
  set.insert(must_parse("10.0.0.1"));
  set.insert(must_parse("10.0.0.1"));
  set.insert(must_parse("::a00:1"));
  CHECK(set.size() == 2);
  std::set<std::size_t> hashes;
  for (std::uint32_t i = 0; i < 1000; ++i) hashes.insert(std::hash<IpAddress>{}(IpAddress::v4(i)));
  CHECK(hashes.size() == 1000);
}

TEST_CASE("IpAddress formatting matches inet_ntop and round-trips (random, seeded)", "[ip]") {
  weft::Xoshiro256Rng rng(5952);
  for (int i = 0; i < 20000; ++i) {
    std::array<std::uint8_t, 16> b{};
    // Mostly-zero groups so that runs of zeros (the interesting case) are common.
    for (std::size_t g = 0; g < 8; ++g) {
      if (rng.chance(0.5)) continue;
      const auto v = rng.chance(0.3) ? rng.uniform(4) : rng.next();
      b[2 * g] = static_cast<std::uint8_t>(v >> 8);
      b[2 * g + 1] = static_cast<std::uint8_t>(v);
    }
    const auto a = IpAddress::v6(b);
    const std::string text = a.to_string();
    INFO(text);
    REQUIRE(must_parse(text) == a);
    // glibc prints ::a.b.c.d for the deprecated v4-compatible block; RFC 5952 does not.
    const bool v4_compatible =
        std::all_of(b.begin(), b.begin() + 12, [](std::uint8_t x) { return x == 0; });
    if (!v4_compatible) {
      char ref[INET6_ADDRSTRLEN];
      REQUIRE(inet_ntop(AF_INET6, b.data(), ref, sizeof ref) != nullptr);
      CHECK(text == ref);
    }
  }
}

TEST_CASE("IpAddress parse agrees with inet_pton on mutated addresses (seeded)", "[ip]") {
  weft::Xoshiro256Rng rng(4291);
  const std::string alphabet = "0123456789abcdefABCDEF:.%x ";
  int accepted = 0;
  for (int i = 0; i < 50000; ++i) {
    std::string text;
    if (rng.chance(0.3)) {
      text = IpAddress::v4(static_cast<std::uint32_t>(rng.next())).to_string();
    } else {
      std::array<std::uint8_t, 16> b{};
      for (auto& x : b) x = rng.chance(0.5) ? 0 : static_cast<std::uint8_t>(rng.next());
      text = IpAddress::v6(b).to_string();
    }
    const auto edits = rng.uniform(4);
    for (std::uint64_t e = 0; e < edits && !text.empty(); ++e) {
      const auto at = rng.uniform(text.size());
      const char c = alphabet[rng.uniform(alphabet.size())];
      switch (rng.uniform(3)) {
        case 0: text.erase(at, 1); break;
        case 1: text.insert(at, 1, c); break;
        default: text[at] = c; break;
      }
    }
    INFO(text);
    const auto mine = IpAddress::parse(text);
    const auto ref = libc_parse(text);
    REQUIRE(static_cast<bool>(mine) == ref.has_value());
    if (ref) {
      ++accepted;
      CHECK(*mine == *ref);
    }
  }
  // Both outcomes must be well represented, or the comparison says little.
  CHECK(accepted > 10000);
  CHECK(accepted < 45000);
}
