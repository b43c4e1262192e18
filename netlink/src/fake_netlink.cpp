// SPDX-License-Identifier: Apache-2.0
#include "weft/netlink/fake_netlink.hpp"

#include <algorithm>

namespace weft::netlink {

namespace {
MacAddress mac_for(int index) {
  // Locally administered, unique per index: what matters to callers is that it is stable.
  return MacAddress({0x02, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(index >> 8),
                     static_cast<std::uint8_t>(index)});
}
}  // namespace

Link& FakeNetlink::inject(Link l) {
  l.index = next_index_++;
  if (l.mac.is_zero()) l.mac = mac_for(l.index);
  return links_[l.index] = std::move(l);
}

Result<Link*> FakeNetlink::find(const std::string& name, std::string_view doing) {
  for (auto& [i, l] : links_) {
    if (l.name == name) return &l;
  }
  return Error(Errc::not_found, std::string(doing) + " " + name + ": no such device");
}

Result<Link*> FakeNetlink::create(const std::string& name, LinkKind kind, std::uint32_t mtu) {
  if (auto r = check_link_name(name, "create " + std::string(to_string(kind))); !r) {
    return r.error();
  }
  if (find(name, "")) {
    return Error(Errc::already_exists, "create " + std::string(to_string(kind)) + " " + name +
                                           ": a device with that name exists");
  }
  Link l;
  l.name = name;
  l.kind = kind;
  l.mtu = mtu == 0 ? 1500 : mtu;
  ++changes_;
  return &inject(std::move(l));
}

Result<std::vector<Link>> FakeNetlink::links() {
  std::vector<Link> out;
  for (const auto& [i, l] : links_) out.push_back(l);
  return out;
}

Result<std::optional<Link>> FakeNetlink::link(const std::string& name) {
  auto l = find(name, "");
  if (!l) return std::optional<Link>();
  return std::optional<Link>(**l);
}

Result<void> FakeNetlink::add_bridge(const std::string& name, std::uint32_t mtu) {
  auto l = create(name, LinkKind::bridge, mtu);
  if (!l) return l.error();
  return ok();
}

Result<void> FakeNetlink::add_veth(const VethSpec& spec) {
  if (!spec.peer_netns_fd && find(spec.peer_name, "")) {
    return Error(Errc::already_exists,
                 "create veth " + spec.name + ": peer name " + spec.peer_name + " is in use");
  }
  FakeNetlink* other = nullptr;
  if (spec.peer_netns_fd) {
    if (auto ns = namespaces_.find(*spec.peer_netns_fd); ns != namespaces_.end()) {
      other = ns->second;
      if (other->find(spec.peer_name, "")) {
        return Error(Errc::already_exists, "create veth " + spec.name + ": peer name " +
                                               spec.peer_name + " is in use in its namespace");
      }
    }
  }
  auto l = create(spec.name, LinkKind::veth, spec.mtu);
  if (!l) return l.error();
  if (other != nullptr) {
    auto p = other->create(spec.peer_name, LinkKind::veth, spec.mtu);
    if (!p) return p.error();
    if (spec.peer_mac) (*p)->mac = *spec.peer_mac;
    remote_peer_[(*l)->index] = {other, (*p)->index};
    other->remote_peer_[(*p)->index] = {this, (*l)->index};
  }
  // The other end lives here only when no namespace was given.
  if (!spec.peer_netns_fd) {
    auto p = create(spec.peer_name, LinkKind::veth, spec.mtu);
    if (!p) return p.error();
    if (spec.peer_mac) (*p)->mac = *spec.peer_mac;
    veth_peer_[(*l)->index] = (*p)->index;
    veth_peer_[(*p)->index] = (*l)->index;
  }
  return ok();
}

Result<void> FakeNetlink::add_vxlan(const VxlanSpec& spec) {
  if (spec.info.vni == 0 || spec.info.vni >= (1u << 24)) {
    return Error(Errc::invalid_argument, "create vxlan " + spec.name + ": VNI " +
                                             std::to_string(spec.info.vni) + " out of range");
  }
  auto l = create(spec.name, LinkKind::vxlan, spec.mtu);
  if (!l) return l.error();
  (*l)->vxlan = spec.info;
  return ok();
}

Result<void> FakeNetlink::delete_link(const std::string& name) {
  auto l = find(name, "delete");
  if (!l) return l.error();
  const int index = (*l)->index;
  if (auto peer = veth_peer_.find(index); peer != veth_peer_.end()) {
    // A veth dies with its peer, as in the kernel.
    const int other = peer->second;
    veth_peer_.erase(index);
    veth_peer_.erase(other);
    if (auto o = links_.find(other); o != links_.end()) {
      if (auto r = delete_link(o->second.name); !r) return r;
      --changes_;  // one change, as the kernel sees it
    }
  }
  if (auto remote = remote_peer_.find(index); remote != remote_peer_.end()) {
    auto [ns, other] = remote->second;
    remote_peer_.erase(remote);
    ns->remote_peer_.erase(other);
    if (auto o = ns->links_.find(other); o != ns->links_.end()) {
      if (auto r = ns->delete_link(o->second.name); !r) return r;
    }
  }
  std::erase_if(addresses_, [&](const Address& a) { return a.link == index; });
  std::erase_if(routes_, [&](const Route& r) { return r.link == index; });
  std::erase_if(fdb_, [&](const FdbEntry& f) { return f.link == index; });
  for (auto& [i, other] : links_) {
    if (other.master == index) other.master.reset();
  }
  links_.erase(index);
  ++changes_;
  return ok();
}

Result<void> FakeNetlink::set_master(const std::string& name, const std::string& bridge) {
  auto l = find(name, "set master of");
  if (!l) return l.error();
  auto b = find(bridge, "set master of " + name + " to");
  if (!b) return b.error();
  if ((*b)->kind != LinkKind::bridge) {
    return Error(Errc::invalid_argument,
                 "set master of " + name + " to " + bridge + ": " + bridge + " is not a bridge");
  }
  if ((*l)->master == (*b)->index) return ok();
  (*l)->master = (*b)->index;
  ++changes_;
  return ok();
}

Result<void> FakeNetlink::set_up(const std::string& name) {
  auto l = find(name, "set up");
  if (!l) return l.error();
  if ((*l)->up) return ok();
  (*l)->up = true;
  ++changes_;
  return ok();
}

Result<void> FakeNetlink::set_mtu(const std::string& name, std::uint32_t mtu) {
  auto l = find(name, "set mtu of");
  if (!l) return l.error();
  if (mtu < 68 || mtu > 65535) {
    return Error(Errc::invalid_argument,
                 "set mtu of " + name + " to " + std::to_string(mtu) + ": out of range");
  }
  if ((*l)->mtu == mtu) return ok();
  (*l)->mtu = mtu;
  ++changes_;
  return ok();
}

Result<std::vector<Address>> FakeNetlink::addresses(const std::string& link) {
  auto l = find(link, "list addresses of");
  if (!l) return l.error();
  std::vector<Address> out;
  for (const auto& a : addresses_) {
    if (a.link == (*l)->index) out.push_back(a);
  }
  return out;
}

Result<void> FakeNetlink::add_address(const std::string& link, const IpAddress& address,
                                      int prefix_length) {
  auto l = find(link, "add address to");
  if (!l) return l.error();
  if (prefix_length < 0 || prefix_length > address_bits(address.family())) {
    // As the kernel: RTM_NEWADDR with a prefix longer than the address is EINVAL.
    return Error(Errc::invalid_argument, "add address " + address.to_string() + "/" +
                                             std::to_string(prefix_length) + " to " + link +
                                             ": invalid prefix length");
  }
  const Address a{(*l)->index, address, prefix_length};
  if (std::find(addresses_.begin(), addresses_.end(), a) != addresses_.end()) {
    return Error(Errc::already_exists, "add address " + address.to_string() + "/" +
                                           std::to_string(prefix_length) + " to " + link +
                                           ": already there");
  }
  addresses_.push_back(a);
  ++changes_;
  return ok();
}

Result<void> FakeNetlink::delete_address(const std::string& link, const IpAddress& address,
                                         int prefix_length) {
  auto l = find(link, "delete address from");
  if (!l) return l.error();
  const Address a{(*l)->index, address, prefix_length};
  auto it = std::find(addresses_.begin(), addresses_.end(), a);
  if (it == addresses_.end()) {
    return Error(Errc::not_found,
                 "delete address " + address.to_string() + " from " + link + ": not there");
  }
  addresses_.erase(it);
  ++changes_;
  return ok();
}

Result<std::vector<Route>> FakeNetlink::routes() {
  return routes_;
}

Result<void> FakeNetlink::replace_route(const Route& route) {
  if (links_.count(route.link) == 0) {
    return Error(Errc::not_found, "replace route to " + route.dst.to_string() + ": no device " +
                                      std::to_string(route.link));
  }
  auto it = std::find_if(routes_.begin(), routes_.end(),
                         [&](const Route& r) { return r.dst == route.dst; });
  if (it != routes_.end() && *it == route) return ok();
  if (it != routes_.end()) {
    *it = route;
  } else {
    routes_.push_back(route);
  }
  ++changes_;
  return ok();
}

Result<std::vector<FdbEntry>> FakeNetlink::fdb(const std::string& link) {
  auto l = find(link, "list FDB of");
  if (!l) return l.error();
  std::vector<FdbEntry> out;
  for (const auto& f : fdb_) {
    if (f.link == (*l)->index) out.push_back(f);
  }
  return out;
}

Result<void> FakeNetlink::add_fdb(const FdbEntry& entry) {
  if (links_.count(entry.link) == 0) {
    return Error(Errc::not_found, "add FDB entry: no device " + std::to_string(entry.link));
  }
  if (std::find(fdb_.begin(), fdb_.end(), entry) != fdb_.end()) return ok();  // as the kernel
  fdb_.push_back(entry);
  ++changes_;
  return ok();
}

Result<void> FakeNetlink::delete_fdb(const FdbEntry& entry) {
  auto it = std::find(fdb_.begin(), fdb_.end(), entry);
  if (it == fdb_.end()) return ok();  // as the kernel
  fdb_.erase(it);
  ++changes_;
  return ok();
}

Result<void> FakeNetlink::forget_learned(const std::string& port, const MacAddress& mac) {
  if (auto l = find(port, "forget a learned MAC on"); !l) return l.error();
  if (learned_.erase({port, mac}) > 0) ++changes_;
  return ok();
}

Result<std::string> FakeNetlink::sysctl(const std::string& key) {
  if (auto r = check_sysctl_key(key); !r) return r.error();
  auto it = sysctls_.find(key);
  if (it == sysctls_.end()) return Error(Errc::not_found, "sysctl " + key + ": not set");
  return it->second;
}

Result<void> FakeNetlink::set_sysctl(const std::string& key, const std::string& value) {
  if (auto r = check_sysctl_key(key); !r) return r;
  auto& v = sysctls_[key];
  if (v == value) return ok();
  v = value;
  ++changes_;
  return ok();
}

}  // namespace weft::netlink
