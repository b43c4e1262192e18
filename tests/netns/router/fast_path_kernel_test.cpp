// SPDX-License-Identifier: Apache-2.0
// FastPath::reconcile on two kernels joined by an underlay (060_fastpath_2hosts_test.sh
// makes the namespaces and pings across afterwards): each host gets bridge, VXLAN and a
// flood entry to the other; a pod namespace per host is attached by a veth made straight
// into it. A second reconcile changes nothing; reset leaves nothing.
#include "weft/netlink/libnl_netlink.hpp"
#include "weft/router/fast_path.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

using namespace weft;
using namespace weft::router;
using netlink::LibnlNetlink;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) FAIL("run by tests/netns/060_fastpath_2hosts_test.sh (" << name << " unset)");
  return v;
}

std::unique_ptr<LibnlNetlink> open_ns(const std::string& name) {
  auto nl = LibnlNetlink::open("/run/netns/" + name);
  REQUIRE(nl);
  return std::move(*nl);
}

IpAddress ip(const std::string& s) {
  return *IpAddress::parse(s);
}

}  // namespace

TEST_CASE("two hosts: fast path up, one pod each", "[fastpath]") {
  for (int h = 1; h <= 2; ++h) {
    const std::string n = std::to_string(h), other = std::to_string(3 - h);
    auto host = open_ns(env(("WEFT_TEST_HOST" + n).c_str()));
    FastPath fp(FastPathConfig{});
    auto r = fp.reconcile(*host, {ip(env(("WEFT_TEST_UNDERLAY" + other).c_str()))});
    INFO("host " << n << ": " << (r ? "" : r.error().message()));
    REQUIRE(r);
    CHECK_FALSE(r->changes.empty());
    auto again = fp.reconcile(*host, {ip(env(("WEFT_TEST_UNDERLAY" + other).c_str()))});
    REQUIRE(again);
    CHECK(again->changes.empty());

    const std::string pod_ns = env(("WEFT_TEST_POD" + n).c_str());
    const int pod_fd = ::open(("/run/netns/" + pod_ns).c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(pod_fd >= 0);
    const std::string veth = "vw-pod" + n;
    REQUIRE(host->add_veth({veth, "eth0", pod_fd, 1376, std::nullopt}));
    ::close(pod_fd);
    REQUIRE(host->set_master(veth, "weft"));
    REQUIRE(host->set_up(veth));
    auto pod = open_ns(pod_ns);
    REQUIRE(pod->add_address("eth0", ip("10.32.0." + n), 12));
    REQUIRE(pod->set_up("eth0"));
  }
}

TEST_CASE("two hosts: reset leaves nothing of weft", "[reset]") {
  for (int h = 1; h <= 2; ++h) {
    auto host = open_ns(env(("WEFT_TEST_HOST" + std::to_string(h)).c_str()));
    FastPath fp(FastPathConfig{});
    auto r = fp.reset(*host);
    REQUIRE(r);
    CHECK(r->changes == std::vector<std::string>{"deleted weft-vxlan", "deleted weft"});
    REQUIRE(host->delete_link("vw-pod" + std::to_string(h)));
    CHECK_FALSE(*host->link("weft"));
    CHECK_FALSE(*host->link("weft-vxlan"));
  }
}
