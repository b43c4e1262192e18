// SPDX-License-Identifier: Apache-2.0
#include "weft/cni/attach.hpp"

#include "weft/base/cidr.hpp"

#include <cstdio>

namespace weft::cni {

namespace {

// FNV-1a over "container id / ifname": stable across builds and runs (std::hash is not),
// which is what lets DEL find the veth without any state.
std::uint64_t attachment_hash(std::string_view container_id, std::string_view ifname,
                              std::uint64_t basis) {
  std::uint64_t h = basis;
  auto feed = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
  };
  feed(container_id);
  feed("/");
  feed(ifname);
  return h;
}

}  // namespace

std::string host_veth_name(std::string_view container_id, std::string_view ifname) {
  const std::uint64_t h = attachment_hash(container_id, ifname, 0xcbf29ce484222325ULL);
  char buf[20];
  std::snprintf(buf, sizeof buf, "vw%013llx",
                static_cast<unsigned long long>(h & 0x000fffffffffffffULL));
  return buf;
}

MacAddress pod_mac(std::string_view container_id, std::string_view ifname) {
  // A different basis, so the MAC does not repeat the device name's digits.
  const std::uint64_t h = attachment_hash(container_id, ifname, 0x84222325cbf29ce4ULL);
  std::array<std::uint8_t, MacAddress::kSize> b{};
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(h >> (8 * i));
  b[0] = static_cast<std::uint8_t>((b[0] & 0xfc) | 0x02);  // unicast, locally administered
  return MacAddress(b);
}

Result<void> attach(netlink::Netlink& host, netlink::Netlink& pod, const PodLink& link) {
  auto bridge = host.link(link.bridge);
  if (!bridge) return bridge.error();
  if (!*bridge) {
    return Error(Errc::not_found, "bridge " + link.bridge +
                                      " does not exist on this host: weftd creates it; check "
                                      "`weft status` (fastdp) and weftd's log");
  }
  auto existing = pod.link(link.ifname);
  if (!existing) return existing.error();
  if (*existing) {
    return Error(Errc::already_exists, "the pod already has an interface " + link.ifname +
                                           ": give another CNI_IFNAME, or DEL the old one first");
  }
  if (auto stale = host.link(link.host_veth); !stale) {
    return stale.error();
  } else if (*stale) {
    // Left by an ADD that died half-way (the pod end went with its namespace): replace it.
    if (auto d = host.delete_link(link.host_veth); !d) return d.error();
  }
  const std::uint32_t mtu = link.mtu != 0 ? link.mtu : (*bridge)->mtu;
  netlink::VethSpec spec{link.host_veth, link.ifname, link.pod_netns_fd, mtu, link.mac};
  if (auto v = host.add_veth(spec); !v) return v.error();

  auto configure = [&]() -> Result<void> {
    if (auto r = host.set_master(link.host_veth, link.bridge); !r) return r.error();
    if (auto r = host.set_up(link.host_veth); !r) return r.error();
    if (auto r = pod.add_address(link.ifname, link.address, link.prefix_length); !r) {
      return r.error();
    }
    if (auto r = pod.set_up(link.ifname); !r) return r.error();
    if (auto lo = pod.link("lo"); lo && *lo && !(*lo)->up) {
      if (auto r = pod.set_up("lo"); !r) return r.error();
    }
    auto pod_link = pod.link(link.ifname);
    if (!pod_link) return pod_link.error();
    if (!*pod_link) {
      return Error(Errc::not_found, "veth end " + link.ifname + " did not appear in the pod");
    }
    auto any = Cidr::make(link.address.is_v4() ? IpAddress::v4(0) : IpAddress::v6({}), 0);
    if (!any) return any.error();
    return pod.replace_route({*any, link.gateway, (*pod_link)->index});
  };
  if (auto r = configure(); !r) {
    (void)host.delete_link(link.host_veth);  // takes the pod end with it
    return r.error().wrap("attach " + link.ifname + " (host side " + link.host_veth + ")");
  }
  return ok();
}

Result<void> detach(netlink::Netlink& host, const std::string& host_veth) {
  auto l = host.link(host_veth);
  if (!l) return l.error();
  if (!*l) return ok();
  if ((*l)->kind != netlink::LinkKind::veth) {
    return Error(Errc::already_exists,
                 host_veth + " is a " + to_string((*l)->kind) + ", not weft's veth: left alone");
  }
  return host.delete_link(host_veth);
}

Result<void> check(netlink::Netlink& host, netlink::Netlink& pod, const PodLink& link) {
  auto differs = [](std::string what) { return Error(Errc::not_found, std::move(what)); };
  auto bridge = host.link(link.bridge);
  if (!bridge) return bridge.error();
  if (!*bridge) return differs("bridge " + link.bridge + " is missing");
  auto hv = host.link(link.host_veth);
  if (!hv) return hv.error();
  if (!*hv) return differs("host veth " + link.host_veth + " is missing");
  if ((*hv)->master != (*bridge)->index) {
    return differs("host veth " + link.host_veth + " is not a port of " + link.bridge);
  }
  if (!(*hv)->up) return differs("host veth " + link.host_veth + " is down");
  auto pl = pod.link(link.ifname);
  if (!pl) return pl.error();
  if (!*pl) return differs("the pod has no interface " + link.ifname);
  if ((*pl)->mac != link.mac) {
    return differs(link.ifname + " has MAC " + (*pl)->mac.to_string() + ", not " +
                   link.mac.to_string());
  }
  auto addrs = pod.addresses(link.ifname);
  if (!addrs) return addrs.error();
  bool has = false;
  for (const auto& a : *addrs) {
    has = has || (a.address == link.address && a.prefix_length == link.prefix_length);
  }
  if (!has) {
    return differs(link.ifname + " does not hold " + link.address.to_string() + "/" +
                   std::to_string(link.prefix_length));
  }
  auto routes = pod.routes();
  if (!routes) return routes.error();
  for (const auto& r : *routes) {
    if (r.dst.prefix_length() == 0 && r.gateway == link.gateway && r.link == (*pl)->index) {
      return ok();
    }
  }
  return differs("the pod has no default route via " + link.gateway.to_string());
}

}  // namespace weft::cni
