// SPDX-License-Identifier: Apache-2.0
// IpRange: set operations, and to_cidrs() checked against a naive enumerate-and-merge reference.
#include "weft/base/ip_range.hpp"

#include "weft/base/rng.hpp"

#include "unit/base/u128_string_maker.hpp"

#include <catch2/catch.hpp>

#include <set>

using weft::Cidr;
using weft::IpAddress;
using weft::IpFamily;
using weft::IpRange;
using weft::kU128Max;
using weft::u128;

namespace {
IpAddress ip(std::string_view text) {
  auto r = IpAddress::parse(text);
  INFO(text);
  REQUIRE(r);
  return *r;
}
IpRange range(std::string_view start, std::string_view end) {
  auto r = IpRange::make(ip(start), ip(end));
  REQUIRE(r);
  return *r;
}
std::vector<std::string> strings(const std::vector<Cidr>& cidrs) {
  std::vector<std::string> out;
  for (const auto& c : cidrs) out.push_back(c.to_string());
  return out;
}

// Reference split: every address as a /32, then merge sibling pairs until nothing merges.
// Slow and obviously right: the result is the unique minimal aligned decomposition.
std::vector<Cidr> naive_cidrs(std::uint32_t start, std::uint32_t end) {
  std::vector<Cidr> cur;
  for (std::uint32_t a = start; a < end; ++a) cur.push_back(*Cidr::make(IpAddress::v4(a), 32));
  bool merged = true;
  while (merged) {
    merged = false;
    std::vector<Cidr> next;
    for (std::size_t i = 0; i < cur.size(); ++i) {
      if (i + 1 < cur.size() && cur[i].prefix_length() == cur[i + 1].prefix_length() &&
          cur[i].prefix_length() > 0) {
        auto parent = Cidr::make_masked(cur[i].address(), cur[i].prefix_length() - 1);
        if (parent->address() == cur[i].address() && parent->last() == cur[i + 1].last()) {
          next.push_back(*parent);
          ++i;
          merged = true;
          continue;
        }
      }
      next.push_back(cur[i]);
    }
    cur = std::move(next);
  }
  return cur;
}
}  // namespace

TEST_CASE("IpRange is half-open with an end that can be past the family", "[range]") {
  const auto r = range("10.0.0.0", "10.0.1.0");
  CHECK(r.size() == 256);
  CHECK(r.start() == ip("10.0.0.0"));
  CHECK(r.last() == ip("10.0.0.255"));
  CHECK(r.end() == ip("10.0.1.0"));
  CHECK(r.to_string() == "10.0.0.0-10.0.0.255");
  CHECK_FALSE(r.empty());

  const auto e = range("10.0.0.5", "10.0.0.5");
  CHECK(e.empty());
  CHECK(e.size() == 0);
  CHECK(e.start() == ip("10.0.0.5"));
  CHECK(e.end() == ip("10.0.0.5"));
  CHECK(e.to_string() == "empty");
  CHECK(IpRange().empty());

  CHECK_FALSE(IpRange::make(ip("10.0.0.1"), ip("10.0.0.0")));
  CHECK_FALSE(IpRange::make(ip("10.0.0.1"), ip("::1")));
  CHECK_FALSE(IpRange::make_inclusive(ip("10.0.0.1"), ip("10.0.0.0")));

  const auto top4 = *IpRange::make_inclusive(ip("255.255.255.0"), ip("255.255.255.255"));
  CHECK(top4.size() == 256);
  CHECK_FALSE(top4.end().has_value());
  const auto all6 = IpRange::from_cidr(*Cidr::parse("::/0"));
  CHECK(all6.size() == kU128Max);
  CHECK_FALSE(all6.end().has_value());
  CHECK(all6.last() == ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  const auto from = IpRange::from_cidr(*Cidr::parse("10.32.0.0/12"));
  CHECK(from == range("10.32.0.0", "10.48.0.0"));
}

TEST_CASE("IpRange contains, overlaps and intersect", "[range]") {
  const auto a = range("10.0.0.0", "10.0.0.100");
  const auto b = range("10.0.0.50", "10.0.0.200");
  const auto c = range("10.0.0.100", "10.0.0.110");
  CHECK(a.contains(ip("10.0.0.0")));
  CHECK(a.contains(ip("10.0.0.99")));
  CHECK_FALSE(a.contains(ip("10.0.0.100")));  // end is exclusive
  CHECK_FALSE(a.contains(ip("::a00:0")));
  CHECK(a.overlaps(b));
  CHECK(b.overlaps(a));
  CHECK_FALSE(a.overlaps(c));  // adjacent, not overlapping
  CHECK(a.intersect(b) == range("10.0.0.50", "10.0.0.100"));
  CHECK(a.intersect(c).empty());
  CHECK(a.intersect(c) == IpRange::empty_range(IpFamily::v4));
  CHECK(a.intersect(IpRange::from_cidr(*Cidr::parse("::/0"))).empty());
  CHECK(a.contains(range("10.0.0.10", "10.0.0.20")));
  CHECK(a.contains(a));
  CHECK_FALSE(a.contains(b));
  CHECK(a.contains(range("10.9.9.9", "10.9.9.9")));  // empty: vacuously
  CHECK_FALSE(range("10.0.0.0", "10.0.0.0").contains(ip("10.0.0.0")));
  CHECK_FALSE(range("10.0.0.0", "10.0.0.0").overlaps(a));
}

TEST_CASE("IpRange set operations agree with address enumeration (seeded)", "[range]") {
  weft::Xoshiro256Rng rng(77);
  const std::uint32_t base = 0x0a000000;
  for (int i = 0; i < 2000; ++i) {
    auto pick = [&] {
      const auto s = static_cast<std::uint32_t>(rng.uniform(64));
      const auto e = s + static_cast<std::uint32_t>(rng.uniform(64 - s + 1));
      return std::pair{s, e};
    };
    const auto [s1, e1] = pick();
    const auto [s2, e2] = pick();
    const auto r1 = *IpRange::make(IpAddress::v4(base + s1), IpAddress::v4(base + e1));
    const auto r2 = *IpRange::make(IpAddress::v4(base + s2), IpAddress::v4(base + e2));
    std::set<std::uint32_t> in1, in2, both;
    for (std::uint32_t a = s1; a < e1; ++a) in1.insert(a);
    for (std::uint32_t a = s2; a < e2; ++a) {
      in2.insert(a);
      if (in1.count(a)) both.insert(a);
    }
    INFO(r1.to_string() << " and " << r2.to_string());
    CHECK(r1.overlaps(r2) == !both.empty());
    CHECK(r1.intersect(r2).size() == both.size());
    if (!both.empty()) CHECK(r1.intersect(r2).start() == IpAddress::v4(base + *both.begin()));
    CHECK(r1.contains(r2) == (in2.size() == both.size()));
    for (std::uint32_t a = 0; a < 64; ++a) {
      CHECK(r1.contains(IpAddress::v4(base + a)) == (in1.count(a) == 1));
    }
  }
}

TEST_CASE("IpRange::to_cidrs matches the naive merge reference (seeded)", "[range]") {
  weft::Xoshiro256Rng rng(1519);
  for (int i = 0; i < 400; ++i) {
    const auto start = static_cast<std::uint32_t>(rng.next());
    const auto len = static_cast<std::uint32_t>(rng.uniform(300));
    if (start > UINT32_MAX - len) continue;
    const auto r = *IpRange::make(IpAddress::v4(start), IpAddress::v4(start + len));
    INFO(r.to_string());
    CHECK(strings(r.to_cidrs()) == strings(naive_cidrs(start, start + len)));
  }
  // Aligned starts exercise the larger blocks.
  for (int i = 0; i < 200; ++i) {
    const auto start = static_cast<std::uint32_t>(rng.next()) & ~0xffU;
    const auto len = static_cast<std::uint32_t>(rng.uniform(1024));
    if (start > UINT32_MAX - len) continue;
    const auto r = *IpRange::make(IpAddress::v4(start), IpAddress::v4(start + len));
    INFO(r.to_string());
    CHECK(strings(r.to_cidrs()) == strings(naive_cidrs(start, start + len)));
  }
}

TEST_CASE("IpRange::to_cidrs at the edges of the address space", "[range]") {
  CHECK(range("10.0.0.0", "10.0.0.0").to_cidrs().empty());
  CHECK(strings(range("10.0.0.0", "10.0.1.0").to_cidrs()) ==
        std::vector<std::string>{"10.0.0.0/24"});
  CHECK(strings(range("10.0.0.1", "10.0.0.5").to_cidrs()) ==
        std::vector<std::string>{"10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/32"});
  const auto all4 = *IpRange::make_inclusive(ip("0.0.0.0"), ip("255.255.255.255"));
  CHECK(strings(all4.to_cidrs()) == std::vector<std::string>{"0.0.0.0/0"});
  const auto top = *IpRange::make_inclusive(ip("255.255.255.254"), ip("255.255.255.255"));
  CHECK(strings(top.to_cidrs()) == std::vector<std::string>{"255.255.255.254/31"});
  const auto all6 = IpRange::from_cidr(*Cidr::parse("::/0"));
  CHECK(strings(all6.to_cidrs()) == std::vector<std::string>{"::/0"});

  // [::1, max]: one block per bit, 128 of them, covering everything but ::.
  const auto most6 =
      *IpRange::make_inclusive(ip("::1"), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  const auto cidrs = most6.to_cidrs();
  REQUIRE(cidrs.size() == 128);
  CHECK(cidrs.front().to_string() == "::1/128");
  CHECK(cidrs.back().to_string() == "8000::/1");
  u128 total = 0;
  for (const auto& c : cidrs) total += c.size();
  CHECK(total == most6.size());
  CHECK(total == kU128Max);
}
