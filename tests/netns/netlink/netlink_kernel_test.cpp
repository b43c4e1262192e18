// SPDX-License-Identifier: Apache-2.0
// LibnlNetlink against the kernel, inside namespaces 050_netlink_kernel_1host_test.sh made:
// the contract FakeNetlink also keeps, then what the kernel shows through iproute2 (a
// client that does not share our code) for the devices the fast path needs, and sysctls
// that change only the namespace they are set in.
#include "weft/netlink/libnl_netlink.hpp"
#include "weft/testing/netlink_contract.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

using namespace weft;
using namespace weft::netlink;
using weft::testing::ip;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr)
    FAIL("run by tests/netns/050_netlink_kernel_1host_test.sh (" << name << " unset)");
  return v;
}

nlohmann::json run_json(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  REQUIRE(::pclose(p) == 0);
  return nlohmann::json::parse(out);
}

std::string read_file(const char* path) {
  std::ifstream f(path);
  std::string s;
  std::getline(f, s);
  return s;
}

}  // namespace

TEST_CASE("LibnlNetlink keeps the Netlink contract in a fresh namespace", "[netlink][kernel]") {
  auto nl = LibnlNetlink::open(env("WEFT_TEST_NETNS_PATH"));
  REQUIRE(nl);
  const int peer = ::open(env("WEFT_TEST_PEER_NETNS_PATH").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(peer >= 0);
  weft::testing::check_netlink_contract(**nl, peer);
  // The far end of the last veth is in the other namespace, with the MAC asked for.
  const auto far = run_json("ip -j -n " + env("WEFT_TEST_PEER_NETNS") + " link show dev eth0");
  CHECK(far.at(0).at("address") == "0a:58:0a:20:00:05");
  CHECK(far.at(0).at("mtu") == 1376);
  ::close(peer);
  REQUIRE((*nl)->delete_link("vw-test1"));
}

TEST_CASE("the fast path's devices as iproute2 sees them", "[netlink][kernel]") {
  auto opened = LibnlNetlink::open(env("WEFT_TEST_NETNS_PATH"));
  REQUIRE(opened);
  Netlink& nl = **opened;
  const std::string ns = env("WEFT_TEST_NETNS");
  REQUIRE(nl.add_bridge("weft", 0));
  const MacAddress bridge_mac = (*nl.link("weft"))->mac;
  REQUIRE(nl.add_vxlan({"weft-vxlan", VxlanInfo{0x77656, 6784, std::nullopt, true}, 0}));
  REQUIRE(nl.set_master("weft-vxlan", "weft"));
  // A port with a lower MAC than the bridge's does not change it (weft-tap comes and goes with
  // weftd; pods' ARP entries for the bridge's address must stay right).
  REQUIRE(nl.add_veth(
      {"vw-low", "vw-low-p", std::nullopt, 0, *MacAddress::parse("02:00:00:00:00:01")}));
  REQUIRE(nl.set_master("vw-low-p", "weft"));
  CHECK((*nl.link("weft"))->mac == bridge_mac);
  REQUIRE(nl.delete_link("vw-low"));
  CHECK((*nl.link("weft"))->mac == bridge_mac);
  REQUIRE(nl.set_up("weft-vxlan"));
  const int vxi = (*nl.link("weft-vxlan"))->index;
  REQUIRE(nl.add_fdb({vxi, MacAddress(), ip("198.18.0.2")}));
  REQUIRE(nl.add_fdb({vxi, MacAddress(), ip("198.18.0.3")}));

  const auto link = run_json("ip -d -j -n " + ns + " link show dev weft-vxlan").at(0);
  CHECK(link.at("master") == "weft");
  const auto& info = link.at("linkinfo").at("info_data");
  CHECK(info.at("id") == 0x77656);
  CHECK(info.at("port") == 6784);
  CHECK(info.at("learning") == true);
  const auto fdb = run_json("bridge -j -n " + ns + " fdb show dev weft-vxlan");
  int floods = 0;
  for (const auto& e : fdb) {
    if (e.at("mac") == "00:00:00:00:00:00" && e.contains("dst")) ++floods;
  }
  CHECK(floods == 2);
  REQUIRE(nl.delete_link("weft-vxlan"));
  REQUIRE(nl.delete_link("weft"));
}

TEST_CASE("sysctls change only the namespace they are set in", "[netlink][kernel]") {
  auto nl = LibnlNetlink::open(env("WEFT_TEST_NETNS_PATH"));
  REQUIRE(nl);
  const std::string root_before = read_file("/proc/sys/net/ipv4/ip_forward");
  REQUIRE((*nl)->set_sysctl("net.ipv4.ip_forward", "1"));
  CHECK(*(*nl)->sysctl("net.ipv4.ip_forward") == "1");
  REQUIRE((*nl)->set_sysctl("net.ipv4.ip_forward", "0"));
  CHECK(*(*nl)->sysctl("net.ipv4.ip_forward") == "0");
  CHECK(read_file("/proc/sys/net/ipv4/ip_forward") == root_before);
  auto bad = (*nl)->sysctl("net/../../etc/passwd");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().is(Errc::invalid_argument));
  auto missing = (*nl)->sysctl("net.ipv4.no_such_key");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message().find("net.ipv4.no_such_key") != std::string::npos);
}

TEST_CASE("opening a namespace that does not exist says which", "[netlink][kernel]") {
  auto nl = LibnlNetlink::open("/run/netns/weft-no-such-namespace");
  REQUIRE_FALSE(nl);
  CHECK(nl.error().message().find("/run/netns/weft-no-such-namespace") != std::string::npos);
}
