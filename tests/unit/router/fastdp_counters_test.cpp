// SPDX-License-Identifier: Apache-2.0
// Per-peer fast-path counters: the nftables script, and the reading of nft's JSON listing
// (the sample is nft 1.0.6's own output for this table, counters filled in).
#include "weft/router/fastdp_counters.hpp"

#include "weft/testing/addresses.hpp"

#include <catch2/catch.hpp>

using namespace weft;
using weft::testing::ip;

namespace {

std::string rule(const std::string& chain, const std::string& field, const std::string& addr,
                 std::uint64_t packets, std::uint64_t bytes) {
  return R"({"rule": {"family": "ip", "table": "weft_fastdp_counters", "chain": ")" + chain +
         R"(", "handle": 3, "comment": ")" + addr +
         R"(", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": ")" +
         field + R"("}}, "right": ")" + addr +
         R"("}}, {"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": 6784}}, {"counter": {"packets": )" +
         std::to_string(packets) + R"(, "bytes": )" + std::to_string(bytes) + "}}]}}";
}

std::string listing(const std::vector<std::string>& rules) {
  std::string s = R"({"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
    {"table": {"family": "ip", "name": "weft_fastdp_counters", "handle": 1}},
    {"chain": {"family": "ip", "table": "weft_fastdp_counters", "name": "sent", "handle": 1,
               "type": "filter", "hook": "output", "prio": 100, "policy": "accept"}})";
  for (const auto& r : rules) s += ",\n" + r;
  return s + "]}";
}

}  // namespace

TEST_CASE("the counters table counts VXLAN each way per IPv4 peer", "[router]") {
  const auto s = router::fastdp_counters_ruleset({ip("198.18.0.3"), ip("198.18.0.2")}, 6784);
  CHECK_THAT(s, Catch::StartsWith(router::fastdp_counters_teardown()));
  CHECK_THAT(s, Catch::Contains("type filter hook output priority 100; policy accept;\n"
                                "    ip daddr 198.18.0.2 udp dport 6784 counter comment "
                                "\"198.18.0.2\"\n"
                                "    ip daddr 198.18.0.3 udp dport 6784 counter comment "
                                "\"198.18.0.3\"\n"));
  CHECK_THAT(s, Catch::Contains("type filter hook input priority -100; policy accept;\n"
                                "    ip saddr 198.18.0.2 udp dport 6784 counter comment "
                                "\"198.18.0.2\"\n"));
  CHECK(router::fastdp_counters_ruleset({}, 6784) == router::fastdp_counters_teardown());
  CHECK(router::fastdp_counters_ruleset({ip("fd00::3")}, 6784) ==
        router::fastdp_counters_teardown());
  CHECK(router::fastdp_counters_list_command() == "list table ip weft_fastdp_counters");
}

TEST_CASE("nft's listing gives each peer's counts by direction", "[router]") {
  const auto r = router::parse_fastdp_counters(
      listing({rule("sent", "daddr", "198.18.0.2", 51, 55440),
               rule("received", "saddr", "198.18.0.2", 50, 54390),
               rule("sent", "daddr", "198.18.0.3", 7, 700),
               rule("other", "daddr", "198.18.0.4", 9, 900)}));  // not ours: skipped
  REQUIRE(r);
  REQUIRE(r->size() == 2);
  const auto& two = r->at(ip("198.18.0.2"));
  CHECK(two.sent.packets == 51);
  CHECK(two.sent.bytes == 55440);
  CHECK(two.received.packets == 50);
  CHECK(two.received.bytes == 54390);
  CHECK(r->at(ip("198.18.0.3")).sent.bytes == 700);
  CHECK(r->at(ip("198.18.0.3")).received.packets == 0);

  // An empty table, and the table absent from the listing: nothing counted.
  CHECK(router::parse_fastdp_counters(listing({}))->empty());
  // Rules of other shapes (no counter, a comment that is no address, a negative count).
  auto odd = listing({R"({"rule": {"chain": "sent", "comment": "198.18.0.5", "expr": []}})",
                      R"({"rule": {"chain": "sent", "comment": "h2", "expr": []}})",
                      R"({"rule": {"chain": "sent", "comment": "198.18.0.6", "expr": [
                          {"counter": {"packets": -1, "bytes": 3}}]}})"});
  CHECK(router::parse_fastdp_counters(odd)->empty());
}

TEST_CASE("output that is not nft's JSON listing is an error, never a throw", "[router]") {
  for (const char* bad :
       {"", "not json", "[]", "{\"nftables\": 3}", "{\"x\": []}", "{\"nftables\": ["}) {
    const auto r = router::parse_fastdp_counters(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().is(Errc::parse_error));
  }
}
