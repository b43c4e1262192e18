// SPDX-License-Identifier: Apache-2.0
// Plugging a pod into the bridge, against two fakes standing for the host's and the pod's
// namespaces: what attach makes, that check agrees and then notices a difference, that a
// failure leaves nothing behind, and that detach is idempotent.
#include "weft/cni/attach.hpp"

#include "weft/netlink/fake_netlink.hpp"

#include <catch2/catch.hpp>

using namespace weft;
using netlink::FakeNetlink;

namespace {
constexpr int kPodFd = 42;

struct Hosts {
  FakeNetlink host, pod;
  Hosts() {
    REQUIRE(host.add_bridge("weft", 1450));
    host.add_namespace(kPodFd, pod);
  }
};

cni::PodLink link() {
  cni::PodLink l;
  l.host_veth = cni::host_veth_name("c1", "eth0");
  l.ifname = "eth0";
  l.pod_netns_fd = kPodFd;
  l.mac = cni::pod_mac("c1", "eth0");
  l.address = *IpAddress::parse("10.32.0.5");
  l.prefix_length = 12;
  l.gateway = *IpAddress::parse("10.32.0.1");
  return l;
}
}  // namespace

TEST_CASE("names and MACs are stable per attachment and fit the kernel", "[cni][attach]") {
  const auto n = cni::host_veth_name("c1", "eth0");
  CHECK(n.size() == 15);
  CHECK(n.starts_with("vw"));
  CHECK(n == cni::host_veth_name("c1", "eth0"));
  CHECK(n != cni::host_veth_name("c1", "eth1"));
  CHECK(n != cni::host_veth_name("c2", "eth0"));
  const auto m = cni::pod_mac("c1", "eth0");
  CHECK(m.is_local());
  CHECK_FALSE(m.is_multicast());
  CHECK(m == cni::pod_mac("c1", "eth0"));
  CHECK(m != cni::pod_mac("c2", "eth0"));
}

TEST_CASE("attach makes the veth pair, address and default route; check agrees", "[cni][attach]") {
  Hosts h;
  const auto l = link();
  REQUIRE(cni::attach(h.host, h.pod, l));
  auto hv = h.host.link(l.host_veth);
  REQUIRE(hv);
  REQUIRE(*hv);
  CHECK((*hv)->up);
  CHECK((*hv)->mtu == 1450);  // the bridge's, as none was asked for
  CHECK((*hv)->master == (*h.host.link("weft"))->index);
  auto eth0 = *h.pod.link("eth0");
  REQUIRE(eth0);
  CHECK(eth0->mac == l.mac);
  CHECK(eth0->up);
  CHECK(*h.pod.addresses("eth0") == std::vector<netlink::Address>{{eth0->index, l.address, 12}});
  auto routes = *h.pod.routes();
  REQUIRE(routes.size() == 1);
  CHECK(routes[0].dst.prefix_length() == 0);
  CHECK(routes[0].gateway == l.gateway);
  CHECK(cni::check(h.host, h.pod, l));

  auto other = l;
  other.address = *IpAddress::parse("10.32.0.6");
  auto c = cni::check(h.host, h.pod, other);
  REQUIRE_FALSE(c);
  CHECK_THAT(c.error().message(), Catch::Contains("does not hold 10.32.0.6/12"));
  other = l;
  other.gateway = *IpAddress::parse("10.32.0.9");
  CHECK_THAT(cni::check(h.host, h.pod, other).error().message(),
             Catch::Contains("no default route via 10.32.0.9"));
}

TEST_CASE("detach removes both ends and is idempotent", "[cni][attach]") {
  Hosts h;
  const auto l = link();
  REQUIRE(cni::attach(h.host, h.pod, l));
  REQUIRE(cni::detach(h.host, l.host_veth));
  CHECK_FALSE(*h.host.link(l.host_veth));
  CHECK_FALSE(*h.pod.link("eth0"));
  CHECK(cni::detach(h.host, l.host_veth));
  CHECK_THAT(cni::check(h.host, h.pod, l).error().message(), Catch::Contains("is missing"));
}

TEST_CASE("attach refuses without the bridge or over the pod's own interface", "[cni][attach]") {
  FakeNetlink host, pod;
  host.add_namespace(kPodFd, pod);
  auto r = cni::attach(host, pod, link());
  REQUIRE_FALSE(r);
  CHECK(r.error().is(Errc::not_found));
  CHECK_THAT(r.error().message(), Catch::Contains("bridge weft does not exist"));

  Hosts h;
  REQUIRE(h.pod.add_bridge("eth0", 1500));  // something of the pod's own named eth0
  const int before = h.host.changes();
  auto taken = cni::attach(h.host, h.pod, link());
  REQUIRE_FALSE(taken);
  CHECK(taken.error().is(Errc::already_exists));
  CHECK(h.host.changes() == before);  // nothing made on the host
}

TEST_CASE("a failure half-way removes what attach made", "[cni][attach]") {
  Hosts h;
  auto l = link();
  l.prefix_length = 40;  // the fake refuses it, as the kernel would, after the veth exists
  auto r = cni::attach(h.host, h.pod, l);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message(), Catch::Contains("attach eth0"));
  CHECK_FALSE(*h.host.link(l.host_veth));
  CHECK_FALSE(*h.pod.link("eth0"));
}

TEST_CASE("a host veth left by an ADD that died is replaced", "[cni][attach]") {
  Hosts h;
  const auto l = link();
  netlink::VethSpec stale{l.host_veth, "gone0", std::nullopt, 1450, std::nullopt};
  REQUIRE(h.host.add_veth(stale));
  REQUIRE(cni::attach(h.host, h.pod, l));
  CHECK(cni::check(h.host, h.pod, l));
  CHECK_FALSE(*h.host.link("gone0"));
}
