// SPDX-License-Identifier: Apache-2.0
#include "weft/api/status_text.hpp"

#include <catch2/catch.hpp>

using namespace weft::api;

TEST_CASE("blocks right-align keys to weave's column", "[api][status]") {
  const std::string out = render_block({{"Service", "router"}, {"PeerDiscovery", "enabled"}});
  CHECK(out == "        Service: router\n  PeerDiscovery: enabled\n");
}

TEST_CASE("a key longer than the column widens the block", "[api][status]") {
  const std::string out = render_block({{"A", "1"}, {"AVeryLongKeyIndeed", "2"}});
  CHECK(out == "                 A: 1\nAVeryLongKeyIndeed: 2\n");
}

TEST_CASE("status shows name(nickname), counts and the API", "[api][status]") {
  Report r;
  r.version = "0.1.0";
  r.commit = "g1";
  r.router.name = "0a:1b:2c:3d:4e:5f:60:71";
  r.router.nickname = "h1";
  r.router.peers.push_back({r.router.name, "h1", {}});
  r.router.connections.push_back({"198.18.0.2:6783", true, "established", ""});
  r.router.connections.push_back({"198.18.0.3:6783", true, "failed", "refused"});
  r.daemon.api_socket = "/run/weft/weftd.sock";
  r.daemon.api_tcp = "127.0.0.1:6784";
  r.daemon.uptime_seconds = 125;
  const std::string s = render_status(r);
  CHECK(s.find("        Version: 0.1.0 (g1)\n") != std::string::npos);
  CHECK(s.find("           Name: 0a:1b:2c:3d:4e:5f:60:71(h1)\n") != std::string::npos);
  CHECK(s.find("    Connections: 2 (1 established, 1 failed)\n") != std::string::npos);
  CHECK(s.find("          Peers: 1 (with 0 established connections)\n") != std::string::npos);
  CHECK(s.find("  PeerDiscovery: enabled\n") != std::string::npos);
  CHECK(s.find("        Targets: 0\n") != std::string::npos);
  CHECK(s.find("            API: /run/weft/weftd.sock, 127.0.0.1:6784 (read-only)\n") !=
        std::string::npos);
  CHECK(s.find("         Uptime: 2m 5s\n") != std::string::npos);
}

TEST_CASE("connections render one aligned line each", "[api][status]") {
  Report r;
  r.router.connections.push_back({"198.18.0.3:6783", true, "failed", "refused, retry: 5s"});
  r.router.connections.push_back({"198.18.0.4:41234", false, "established", "x(h4)"});
  r.router.connections[1].encrypted = true;
  r.router.connections[1].overlay = "fastdp";
  r.router.connections[1].mtu = 1450;
  CHECK(render_status_connections(r) ==
        "-> 198.18.0.3:6783       failed      unencrypted refused, retry: 5s\n"
        "<- 198.18.0.4:41234      established encrypted   x(h4) fastdp mtu=1450\n");
  r.router.connections[1].overlay_problem = "no VXLAN heartbeat from 198.18.0.4 for 5 s";
  CHECK(render_status_connections(r).ends_with(
      "fastdp mtu=1450 failing: no VXLAN heartbeat from 198.18.0.4 for 5 s\n"));
  r.router.connections[1].overlay = "";
  r.router.connections[1].overlay_problem = "fastdp off (--no-fastdp)";
  CHECK(render_status_connections(r).ends_with("x(h4) no overlay: fastdp off (--no-fastdp)\n"));
  r.router.connections[1].overlay = "sleeve";
  r.router.connections[1].mtu = 1403;
  r.router.connections[1].overlay_problem = "";
  r.router.connections[1].overlay_reason = "encrypted (password set; not in --trusted-subnets)";
  CHECK(render_status_connections(r).ends_with(
      "x(h4) sleeve mtu=1403 (encrypted (password set; not in --trusted-subnets))\n"));
  r.router.connections[1].mtu = 1319;
  r.router.connections[1].path_mtu = "verified";
  CHECK(
      render_status_connections(r).ends_with("x(h4) sleeve mtu=1319 (encrypted (password set; not "
                                             "in --trusted-subnets)) pmtu=verified\n"));
}

TEST_CASE("routes say direct or name the next hop", "[api][status]") {
  Report r;
  r.router.routes.push_back({"0a:00:00:00:00:00:00:02", "h2", "0a:00:00:00:00:00:00:02", "h2"});
  r.router.routes.push_back({"0a:00:00:00:00:00:00:03", "h3", "0a:00:00:00:00:00:00:02", "h2"});
  CHECK(render_status_routes(r) ==
        "0a:00:00:00:00:00:00:02(h2)           via direct\n"
        "0a:00:00:00:00:00:00:03(h3)           via 0a:00:00:00:00:00:00:02(h2)\n");
}

TEST_CASE("durations read like weave's", "[api][status]") {
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(59) == "59s");
  CHECK(format_duration(61) == "1m 1s");
  CHECK(format_duration(3600 * 5 + 60 * 3) == "5h 3m");
  CHECK(format_duration(86400 * 2 + 3600) == "2d 1h");
  CHECK(format_duration(-5) == "0s");
}
