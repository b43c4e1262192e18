// SPDX-License-Identifier: Apache-2.0
// The ICMP error budget: one address flooding gets its own share and no more, the others
// are still answered, the host's limit holds over all of them, and the table stays bounded.
#include "weft/router/icmp_budget.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace weft;
using namespace weft::router;
using namespace std::chrono_literals;

namespace {

IpAddress pod(std::uint32_t n) {
  return IpAddress::v4(0x0a200000 + n);
}  // 10.32.0.n

int answered(IcmpBudget& b, const std::optional<IpAddress>& to, TimePoint t, int tries) {
  int n = 0;
  for (int i = 0; i < tries; ++i) n += b.take(to, t) ? 1 : 0;
  return n;
}

// A zeroed frame of EtherType `type` with `ip_len` bytes after the Ethernet header.
std::vector<std::uint8_t> frame(std::uint16_t type, std::size_t ip_len) {
  std::vector<std::uint8_t> f(14 + ip_len, 0);
  f[12] = static_cast<std::uint8_t>(type >> 8);
  f[13] = static_cast<std::uint8_t>(type);
  return f;
}

}  // namespace

TEST_CASE("one address's flood gets its own share; another address is still answered",
          "[icmp_budget]") {
  IcmpBudget b;  // 1,000/s bursts of 50; 100/s bursts of 20 per address
  const TimePoint t0 = kEpoch + 1s;
  CHECK(answered(b, pod(5), t0, 1000) == 20);
  CHECK(answered(b, pod(6), t0, 1) == 1);
  // A second of flooding in steps of 1 ms: 100 more for the flooder, and the host's budget
  // is left for the others all along.
  int flooder = 0, other = 0;
  for (int ms = 1; ms <= 1000; ++ms) {
    flooder += answered(b, pod(5), t0 + std::chrono::milliseconds(ms), 50);
    if (ms % 100 == 0) other += answered(b, pod(6), t0 + std::chrono::milliseconds(ms), 1);
  }
  CHECK(flooder == 100);
  CHECK(other == 10);
}

TEST_CASE("the host's limit holds over many addresses", "[icmp_budget]") {
  IcmpBudget b;
  const TimePoint t0 = kEpoch + 1s;
  int n = 0;
  for (std::uint32_t i = 1; i <= 200; ++i) n += answered(b, pod(i), t0, 20);
  CHECK(n == 50);  // the host's burst, although each address had 20 of its own
  n = 0;
  for (int ms = 1; ms <= 1000; ++ms) {
    for (std::uint32_t i = 1; i <= 200; ++i) {
      n += answered(b, pod(i), t0 + std::chrono::milliseconds(ms), 1);
    }
  }
  CHECK(n == 1000);
}

TEST_CASE("an address refused by the host's limit keeps its own share", "[icmp_budget]") {
  IcmpBudgetConfig c;
  c.burst = 1;
  c.rate = 1000;
  IcmpBudget b(c);
  const TimePoint t0 = kEpoch + 1s;
  CHECK(answered(b, pod(1), t0, 1) == 1);   // the host's one token
  CHECK(answered(b, pod(2), t0, 30) == 0);  // refused by the host: pod 2's 20 stay
  // 1 ms later the host has a token again, and pod 2 its 20 (had the refusals spent them,
  // it would hold 0.1 now).
  CHECK(answered(b, pod(2), t0 + 1ms, 1) == 1);
}

TEST_CASE("unknown addresses use the host's budget only", "[icmp_budget]") {
  IcmpBudget b;
  CHECK(answered(b, std::nullopt, kEpoch + 1s, 100) == 50);
}

TEST_CASE("the table of addresses stays bounded, and forgets only full buckets", "[icmp_budget]") {
  IcmpBudgetConfig c;
  c.max_sources = 16;
  c.rate = 1'000'000;  // the host's limit out of the way
  c.burst = 1'000'000;
  IcmpBudget b(c);
  const TimePoint t0 = kEpoch + 1s;
  for (std::uint32_t i = 1; i <= 16; ++i) CHECK(answered(b, pod(i), t0, 20) == 20);
  CHECK(b.sources() == 16);
  // Full: a new address shares the overflow bucket (20) instead of growing the table.
  CHECK(answered(b, pod(100), t0, 30) == 20);
  CHECK(answered(b, pod(101), t0, 30) == 0);
  CHECK(b.sources() == 16);
  // Still empty buckets are not forgotten: pod 1 cannot start over by being pushed out.
  CHECK(answered(b, pod(1), t0 + 10ms, 5) == 1);
  // Once the buckets would be full again (20 at 100/s: 200 ms), they are forgotten.
  CHECK(answered(b, pod(102), t0 + 1s, 30) == 20);
  CHECK(b.sources() == 1);
  for (std::uint32_t i = 200; i < 5000; ++i) (void)b.take(pod(i), t0 + 2s);
  CHECK(b.sources() == 16);
}

TEST_CASE("frame_source reads the IPv4 or IPv6 source, and nothing from other frames",
          "[icmp_budget]") {
  auto v4 = frame(0x0800, 20);
  v4[14] = 0x45;
  const std::uint8_t src4[] = {10, 32, 0, 5};
  std::copy(std::begin(src4), std::end(src4), v4.begin() + 14 + 12);
  CHECK(frame_source(v4) == IpAddress::v4(10, 32, 0, 5));

  auto v6 = frame(0x86dd, 40);
  v6[14] = 0x60;
  v6[14 + 8] = 0xfd;
  v6[14 + 23] = 0x07;
  REQUIRE(frame_source(v6).has_value());
  CHECK(frame_source(v6)->to_string() == "fd00::7");

  CHECK_FALSE(frame_source(frame(0x0806, 28)).has_value());  // ARP
  CHECK_FALSE(frame_source(std::vector<std::uint8_t>(v4.begin(), v4.begin() + 30)).has_value());
  auto wrong_version = v4;
  wrong_version[14] = 0x65;
  CHECK_FALSE(frame_source(wrong_version).has_value());
  CHECK_FALSE(frame_source({}).has_value());
}
