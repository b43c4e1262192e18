// SPDX-License-Identifier: Apache-2.0
#include "weft/api/report.hpp"

#include "weft/api/status_text.hpp"

#include <catch2/catch.hpp>

using weft::api::Report;

namespace {
Report sample() {
  Report r;
  r.version = "0.1.0";
  r.commit = "abc123";
  r.router.name = "0a:1b:2c:3d:4e:5f:60:71";
  r.router.nickname = "host1";
  r.router.connections.push_back({"198.18.0.2:6783", true, "failed", "connection refused"});
  r.router.peers.push_back(
      {"0a:1b:2c:3d:4e:5f:60:71", "host1", {{"11:..", "host2", "198.18.0.2:6783", true, true}}});
  r.router.routes.push_back({"11:..", "host2", "22:..", "host3"});
  r.daemon.pid = 42;
  r.daemon.uptime_seconds = 3600;
  r.daemon.data_dir = "/var/lib/weft";
  r.daemon.api_tcp = "127.0.0.1:6784";
  return r;
}
}  // namespace

TEST_CASE("report survives a JSON round trip", "[api][report]") {
  const Report r = sample();
  auto back = weft::api::report_from_json(weft::api::report_to_json(r));
  REQUIRE(back);
  CHECK(back->version == "0.1.0");
  CHECK(back->router.name == r.router.name);
  CHECK(back->router.nickname == "host1");
  REQUIRE(back->router.connections.size() == 1);
  CHECK(back->router.connections[0].state == "failed");
  CHECK(back->router.connections[0].info == "connection refused");
  REQUIRE(back->router.peers.size() == 1);
  REQUIRE(back->router.peers[0].connections.size() == 1);
  CHECK(back->router.peers[0].connections[0].nickname == "host2");
  REQUIRE(back->router.routes.size() == 1);
  CHECK(back->router.routes[0].via_nickname == "host3");
  CHECK(back->daemon.pid == 42);
  CHECK(back->daemon.api_tcp == "127.0.0.1:6784");
}

TEST_CASE("report JSON uses the documented field names", "[api][report]") {
  const std::string json = weft::api::report_to_json(sample());
  for (const char* field : {"\"router\"", "\"name\"", "\"nickname\"", "\"encryption\"", "\"peers\"",
                            "\"connections\"", "\"address\"", "\"state\"", "\"info\""}) {
    CHECK(json.find(field) != std::string::npos);
  }
}

TEST_CASE("bad report JSON is an error value, not a throw", "[api][report]") {
  for (const char* bad : {"", "{", "[]", "42", "{\"router\": 7}", "{\"router\": {\"peers\": 1}}",
                          "{\"daemon\": {\"pid\": \"x\"}}"}) {
    INFO(bad);
    auto r = weft::api::report_from_json(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().is(weft::Errc::parse_error));
  }
}

TEST_CASE("the fast path block survives a JSON round trip and renders in status", "[api][report]") {
  Report r = sample();
  r.fastdp = {"ready",
              "weft",
              "weft-vxlan",
              1450,
              6784,
              {"198.18.0.2", "198.18.0.3"},
              "10.32.0.1/12",
              "exposed",
              "masquerade 10.32.0.0/12",
              1,
              "ready",
              "aes-256-gcm",
              1};
  auto back = weft::api::report_from_json(weft::api::report_to_json(r));
  REQUIRE(back);
  CHECK(back->fastdp.status == "ready");
  CHECK(back->fastdp.mtu == 1450);
  CHECK(back->fastdp.port == 6784);
  CHECK(back->fastdp.peers == r.fastdp.peers);
  CHECK(back->fastdp.address == "10.32.0.1/12");
  CHECK(back->fastdp.expose == "exposed");
  CHECK(back->fastdp.egress == "masquerade 10.32.0.0/12");
  CHECK(back->fastdp.heartbeats_ok == 1);
  CHECK(back->fastdp.sleeve == "ready");
  CHECK(back->fastdp.sleeve_cipher == "aes-256-gcm");
  CHECK(back->fastdp.sleeve_peers == 1);
  const auto text = weft::api::render_status(r);
  CHECK(text.find(
            "        Service: fastdp\n         Status: ready\n         Bridge: weft (MTU 1450)\n"
            "          VXLAN: weft-vxlan (UDP 6784)\n     FloodPeers: 2 (198.18.0.2, "
            "198.18.0.3)\n     Heartbeats: 1 of 2 peers heard over VXLAN\n"
            "         Sleeve: ready (aes-256-gcm), 1 peers\n"
            "         Expose: 10.32.0.1/12 (exposed)\n"
            "         Egress: masquerade 10.32.0.0/12\n") != std::string::npos);
  r.fastdp = {"off (--no-fastdp)", "", "", 0, 0, {}, "", "", "", 0, "", "", 0};
  const auto off = weft::api::render_status(r);
  CHECK(off.find("Status: off (--no-fastdp)") != std::string::npos);
  CHECK(off.find("Bridge:") == std::string::npos);
}

TEST_CASE("the dns block survives a JSON round trip and renders in status", "[api][report]") {
  Report r = sample();
  r.dns.status = "ready";
  r.dns.domain = "weft.local.";
  r.dns.listen = "10.32.0.1:53";
  r.dns.upstream = {"198.18.0.9:53"};
  r.dns.ttl = 30;
  r.dns.cache_entries = 4;
  r.dns.entries = {{"web-1.weft.local.", "10.32.0.5", "c1/eth0", "0a:1b:2c:3d:4e:5f:60:71", "h1"},
                   {"web-2.weft.local.", "10.32.0.9", "c2/eth0", "0a:1b:2c:3d:4e:5f:60:72", ""}};
  auto back = weft::api::report_from_json(weft::api::report_to_json(r));
  REQUIRE(back);
  CHECK(back->dns.status == "ready");
  CHECK(back->dns.domain == "weft.local.");
  CHECK(back->dns.upstream == r.dns.upstream);
  CHECK(back->dns.cache_entries == 4);
  REQUIRE(back->dns.entries.size() == 2);
  CHECK(back->dns.entries[0].container == "c1/eth0");
  CHECK(back->dns.entries[0].origin_nickname == "h1");
  const auto text = weft::api::render_status(r);
  CHECK(text.find("        Service: dns\n         Status: ready\n         Domain: weft.local.\n"
                  "         Listen: 10.32.0.1:53 (UDP and TCP)\n       Upstream: 198.18.0.9:53\n"
                  "            TTL: 30\n        Entries: 2\n") != std::string::npos);
  const auto list = weft::api::render_status_dns(r);
  CHECK(list.find("web-1.weft.local.") == 0);
  CHECK(list.find("10.32.0.5") != std::string::npos);
  CHECK(list.find("0a:1b:2c:3d:4e:5f:60:71(h1)") != std::string::npos);
  CHECK(list.find("0a:1b:2c:3d:4e:5f:60:72\n") != std::string::npos);
  r.dns = {};
  r.dns.status = "off (--no-dns)";
  const auto off = weft::api::render_status(r);
  CHECK(off.find("Status: off (--no-dns)") != std::string::npos);
  CHECK(off.find("Domain:") == std::string::npos);
  r.dns.status = "ready";
  r.dns.domain = "weft.local.";
  r.dns.upstream_problem = "no nameserver in /etc/resolv.conf";
  CHECK(weft::api::render_status(r).find("Upstream: none: no nameserver in /etc/resolv.conf") !=
        std::string::npos);
}
