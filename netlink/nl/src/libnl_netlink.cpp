// SPDX-License-Identifier: Apache-2.0
#include "weft/netlink/libnl_netlink.hpp"

#include "weft/base/assert.hpp"

#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <unistd.h>
#include <utility>

namespace weft::netlink {

namespace {

// libnl hands out reference-counted objects; these end each reference on every path.
template <typename T, void (*Put)(T*)>
struct Owned {
  T* p = nullptr;
  Owned() = default;
  explicit Owned(T* x) : p(x) {}
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  Owned(Owned&& o) noexcept : p(std::exchange(o.p, nullptr)) {}
  Owned& operator=(Owned&& o) noexcept {
    if (this != &o) {
      if (p) Put(p);
      p = std::exchange(o.p, nullptr);
    }
    return *this;
  }
  ~Owned() {
    if (p) Put(p);
  }
  T* get() const { return p; }
  T** out() { return &p; }
};
using LinkPtr = Owned<rtnl_link, rtnl_link_put>;
using AddrPtr = Owned<nl_addr, nl_addr_put>;
using CachePtr = Owned<nl_cache, nl_cache_free>;
using RtAddrPtr = Owned<rtnl_addr, rtnl_addr_put>;
using RoutePtr = Owned<rtnl_route, rtnl_route_put>;
using NeighPtr = Owned<rtnl_neigh, rtnl_neigh_put>;

// libnl returns its NLE_* codes negated.
Errc code_of(int err) {
  switch (std::abs(err)) {
    case NLE_EXIST: return Errc::already_exists;
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:
    case NLE_NOADDR: return Errc::not_found;
    case NLE_INVAL:
    case NLE_RANGE: return Errc::invalid_argument;
    case NLE_BUSY: return Errc::busy;
    case NLE_OPNOTSUPP: return Errc::unsupported;
    default: return Errc::io_error;
  }
}

Error nl_error(int err, const std::string& what) {
  std::string msg = what + ": " + nl_geterror(err);
  if (std::abs(err) == NLE_PERM) msg += " (weftd needs CAP_NET_ADMIN: run it as root)";
  return Error(code_of(err), msg);
}

AddrPtr ip_addr(const IpAddress& a, int prefix_length = -1) {
  const bool v4 = a.family() == IpFamily::v4;
  AddrPtr out(nl_addr_build(v4 ? AF_INET : AF_INET6, a.bytes().data(), v4 ? 4 : 16));
  if (out.get() && prefix_length >= 0) nl_addr_set_prefixlen(out.get(), prefix_length);
  return out;
}

AddrPtr mac_addr(const MacAddress& m) {
  return AddrPtr(nl_addr_build(AF_LLC, m.bytes().data(), MacAddress::kSize));
}

std::optional<IpAddress> to_ip(nl_addr* a) {
  if (a == nullptr) return std::nullopt;
  const auto len = nl_addr_get_len(a);
  const int family = nl_addr_get_family(a);
  if (!((family == AF_INET && len == 4) || (family == AF_INET6 && len == 16))) return std::nullopt;
  auto ip = IpAddress::from_bytes(
      std::span(static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(a)), len));
  if (!ip) return std::nullopt;
  return *ip;
}

MacAddress to_mac(nl_addr* a) {
  std::array<std::uint8_t, MacAddress::kSize> b{};
  if (a != nullptr && nl_addr_get_len(a) == MacAddress::kSize) {
    std::memcpy(b.data(), nl_addr_get_binary_addr(a), b.size());
  }
  return MacAddress(b);
}

Link to_link(rtnl_link* l) {
  Link out;
  out.index = rtnl_link_get_ifindex(l);
  out.name = rtnl_link_get_name(l) ? rtnl_link_get_name(l) : "";
  const char* type = rtnl_link_get_type(l);
  const std::string_view t = type ? type : "";
  out.kind = t == "bridge"  ? LinkKind::bridge
             : t == "veth"  ? LinkKind::veth
             : t == "vxlan" ? LinkKind::vxlan
             : t == "tun"   ? LinkKind::tun
                            : LinkKind::other;
  out.mac = to_mac(rtnl_link_get_addr(l));
  out.mtu = rtnl_link_get_mtu(l);
  out.up = (rtnl_link_get_flags(l) & IFF_UP) != 0;
  if (const int m = rtnl_link_get_master(l); m > 0) out.master = m;
  if (out.kind == LinkKind::vxlan) {
    VxlanInfo v;
    std::uint32_t id = 0, port = 0;
    if (rtnl_link_vxlan_get_id(l, &id) == 0) v.vni = id;
    if (rtnl_link_vxlan_get_port(l, &port) == 0) v.port = static_cast<std::uint16_t>(port);
    v.learning = rtnl_link_vxlan_get_learning(l) > 0;
    nl_addr* local = nullptr;
    if (rtnl_link_vxlan_get_local(l, &local) == 0) {
      v.local = to_ip(local);
      nl_addr_put(local);
    }
    out.vxlan = v;
  }
  return out;
}

int ns_fd_of_this_thread() {
  return ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
}

}  // namespace

LibnlNetlink::LibnlNetlink(nl_sock* sock, int netns_fd, std::string where)
    : sock_(sock), netns_fd_(netns_fd), where_(std::move(where)) {}

LibnlNetlink::~LibnlNetlink() {
  nl_socket_free(sock_);
  if (netns_fd_ >= 0) ::close(netns_fd_);
}

Result<std::unique_ptr<LibnlNetlink>> LibnlNetlink::open(
    const std::optional<std::filesystem::path>& netns) {
  int target = -1;
  std::string where;
  if (netns) {
    where = " in netns " + netns->string();
    target = ::open(netns->c_str(), O_RDONLY | O_CLOEXEC);
    if (target < 0) return errno_error(errno, "open network namespace " + netns->string());
  }
  nl_sock* sock = nl_socket_alloc();
  if (sock == nullptr) {
    if (target >= 0) ::close(target);
    return Error(Errc::io_error, "allocate a netlink socket: out of memory");
  }
  auto connect = [&]() -> Result<void> {
    if (const int err = nl_connect(sock, NETLINK_ROUTE); err < 0) {
      return nl_error(err, "connect a NETLINK_ROUTE socket" + where);
    }
    return ok();
  };
  std::unique_ptr<LibnlNetlink> self(new LibnlNetlink(sock, target, where));
  auto r = target >= 0 ? self->in_netns(connect) : connect();
  if (!r) return r.error();
  return self;
}

Result<void> LibnlNetlink::in_netns(const std::function<Result<void>()>& f) {
  if (netns_fd_ < 0) return f();
  const int home = ns_fd_of_this_thread();
  if (home < 0) return errno_error(errno, "open this thread's network namespace");
  if (::setns(netns_fd_, CLONE_NEWNET) != 0) {
    const int e = errno;
    ::close(home);
    return errno_error(e, "enter the network namespace" + where_);
  }
  auto r = f();
  // Coming back cannot fail short of a kernel bug; staying in the wrong namespace would
  // make every later call of this thread act elsewhere.
  const int back = ::setns(home, CLONE_NEWNET);
  WEFT_ASSERT(back == 0, "return to the caller's network namespace");
  ::close(home);
  return r;
}

Result<std::vector<Link>> LibnlNetlink::links() {
  CachePtr cache;
  if (const int err = rtnl_link_alloc_cache(sock_, AF_UNSPEC, cache.out()); err < 0) {
    return nl_error(err, "list links" + where_);
  }
  std::vector<Link> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    out.push_back(to_link(reinterpret_cast<rtnl_link*>(o)));
  }
  return out;
}

Result<std::optional<Link>> LibnlNetlink::link(const std::string& name) {
  LinkPtr l;
  if (const int err = rtnl_link_get_kernel(sock_, 0, name.c_str(), l.out()); err < 0) {
    if (code_of(err) == Errc::not_found) return std::optional<Link>();
    return nl_error(err, "look up link " + name + where_);
  }
  return std::optional<Link>(to_link(l.get()));
}

Result<int> LibnlNetlink::index_of(const std::string& name, std::string_view doing) {
  auto l = link(name);
  if (!l) return l.error();
  if (!*l)
    return Error(Errc::not_found, std::string(doing) + " " + name + where_ + ": no such device");
  return (*l)->index;
}

Result<void> LibnlNetlink::add_bridge(const std::string& name, std::uint32_t mtu) {
  if (auto r = check_link_name(name, "create bridge"); !r) return r;
  LinkPtr l(rtnl_link_alloc());
  rtnl_link_set_name(l.get(), name.c_str());
  if (const int err = rtnl_link_set_type(l.get(), "bridge"); err < 0) {
    return nl_error(err, "create bridge " + name + where_);
  }
  if (mtu != 0) rtnl_link_set_mtu(l.get(), mtu);
  if (const int err = rtnl_link_add(sock_, l.get(), NLM_F_CREATE | NLM_F_EXCL); err < 0) {
    return nl_error(err, "create bridge " + name + where_);
  }
  // A bridge whose MAC was never set takes the lowest of its ports' MACs, so it changes when
  // a port comes or goes (weft-tap at every weftd restart): pods then send to a MAC nobody
  // answers for until their ARP entry goes stale. Setting it, even to itself, pins it.
  auto made = link(name);
  if (!made) return made.error();
  if (!*made) return Error(Errc::io_error, "create bridge " + name + where_ + ": it vanished");
  const MacAddress mac = (*made)->mac;
  return change_link(name, "pin the MAC " + mac.to_string() + " of", [&](rtnl_link* c) {
    AddrPtr a = mac_addr(mac);
    rtnl_link_set_addr(c, a.get());
  });
}

Result<void> LibnlNetlink::add_veth(const VethSpec& spec) {
  for (const auto* n : {&spec.name, &spec.peer_name}) {
    if (auto r = check_link_name(*n, "create veth"); !r) return r;
  }
  LinkPtr l(rtnl_link_veth_alloc());
  if (l.get() == nullptr)
    return Error(Errc::io_error, "create veth " + spec.name + ": out of memory");
  rtnl_link_set_name(l.get(), spec.name.c_str());
  LinkPtr peer(rtnl_link_veth_get_peer(l.get()));
  rtnl_link_set_name(peer.get(), spec.peer_name.c_str());
  if (spec.peer_netns_fd) rtnl_link_set_ns_fd(peer.get(), *spec.peer_netns_fd);
  if (spec.mtu != 0) {
    rtnl_link_set_mtu(l.get(), spec.mtu);
    rtnl_link_set_mtu(peer.get(), spec.mtu);
  }
  AddrPtr mac;
  if (spec.peer_mac) {
    mac = mac_addr(*spec.peer_mac);
    rtnl_link_set_addr(peer.get(), mac.get());
  }
  if (const int err = rtnl_link_add(sock_, l.get(), NLM_F_CREATE | NLM_F_EXCL); err < 0) {
    return nl_error(err, "create veth " + spec.name + " (peer " + spec.peer_name + ")" + where_);
  }
  return ok();
}

Result<void> LibnlNetlink::add_vxlan(const VxlanSpec& spec) {
  const std::string what = "create vxlan " + spec.name + where_;
  if (auto r = check_link_name(spec.name, "create vxlan"); !r) return r;
  LinkPtr l(rtnl_link_vxlan_alloc());
  if (l.get() == nullptr) return Error(Errc::io_error, what + ": out of memory");
  rtnl_link_set_name(l.get(), spec.name.c_str());
  if (const int err = rtnl_link_vxlan_set_id(l.get(), spec.info.vni); err < 0)
    return nl_error(err, what);
  if (const int err = rtnl_link_vxlan_set_port(l.get(), spec.info.port); err < 0)
    return nl_error(err, what);
  if (const int err = rtnl_link_vxlan_set_learning(l.get(), spec.info.learning ? 1 : 0); err < 0) {
    return nl_error(err, what);
  }
  AddrPtr local;
  if (spec.info.local) {
    local = ip_addr(*spec.info.local);
    if (const int err = rtnl_link_vxlan_set_local(l.get(), local.get()); err < 0)
      return nl_error(err, what);
  }
  if (spec.mtu != 0) rtnl_link_set_mtu(l.get(), spec.mtu);
  if (const int err = rtnl_link_add(sock_, l.get(), NLM_F_CREATE | NLM_F_EXCL); err < 0) {
    return nl_error(err, what);
  }
  return ok();
}

Result<void> LibnlNetlink::delete_link(const std::string& name) {
  LinkPtr l(rtnl_link_alloc());
  rtnl_link_set_name(l.get(), name.c_str());
  if (const int err = rtnl_link_delete(sock_, l.get()); err < 0) {
    return nl_error(err, "delete link " + name + where_);
  }
  return ok();
}

Result<void> LibnlNetlink::change_link(const std::string& name, std::string_view doing,
                                       const std::function<void(rtnl_link*)>& edit) {
  const std::string what = std::string(doing) + " " + name + where_;
  LinkPtr orig;
  if (const int err = rtnl_link_get_kernel(sock_, 0, name.c_str(), orig.out()); err < 0) {
    return nl_error(err, what);
  }
  LinkPtr changes(rtnl_link_alloc());
  edit(changes.get());
  if (const int err = rtnl_link_change(sock_, orig.get(), changes.get(), 0); err < 0) {
    return nl_error(err, what);
  }
  return ok();
}

Result<void> LibnlNetlink::set_master(const std::string& name, const std::string& bridge) {
  auto b = index_of(bridge, "set master of " + name + " to");
  if (!b) return b.error();
  return change_link(name, "set master " + bridge + " of",
                     [&](rtnl_link* c) { rtnl_link_set_master(c, *b); });
}

Result<void> LibnlNetlink::set_up(const std::string& name) {
  return change_link(name, "set up", [](rtnl_link* c) { rtnl_link_set_flags(c, IFF_UP); });
}

Result<void> LibnlNetlink::set_mtu(const std::string& name, std::uint32_t mtu) {
  return change_link(name, "set mtu " + std::to_string(mtu) + " of",
                     [&](rtnl_link* c) { rtnl_link_set_mtu(c, mtu); });
}

Result<std::vector<Address>> LibnlNetlink::addresses(const std::string& link) {
  auto index = index_of(link, "list addresses of");
  if (!index) return index.error();
  CachePtr cache;
  if (const int err = rtnl_addr_alloc_cache(sock_, cache.out()); err < 0) {
    return nl_error(err, "list addresses of " + link + where_);
  }
  std::vector<Address> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    if (rtnl_addr_get_ifindex(a) != *index) continue;
    if (auto ip = to_ip(rtnl_addr_get_local(a))) {
      out.push_back(Address{*index, *ip, rtnl_addr_get_prefixlen(a)});
    }
  }
  return out;
}

Result<void> LibnlNetlink::address(const std::string& link, const IpAddress& address,
                                   int prefix_length, bool add) {
  const std::string what = std::string(add ? "add address " : "delete address ") +
                           address.to_string() + "/" + std::to_string(prefix_length) +
                           (add ? " to " : " from ") + link + where_;
  auto index = index_of(link, add ? "add an address to" : "delete an address from");
  if (!index) return index.error();
  RtAddrPtr a(rtnl_addr_alloc());
  rtnl_addr_set_ifindex(a.get(), *index);
  AddrPtr local = ip_addr(address, prefix_length);
  if (const int err = rtnl_addr_set_local(a.get(), local.get()); err < 0)
    return nl_error(err, what);
  const int err = add ? rtnl_addr_add(sock_, a.get(), NLM_F_CREATE | NLM_F_EXCL)
                      : rtnl_addr_delete(sock_, a.get(), 0);
  if (err < 0) return nl_error(err, what);
  return ok();
}

Result<void> LibnlNetlink::add_address(const std::string& link, const IpAddress& address,
                                       int prefix_length) {
  return this->address(link, address, prefix_length, true);
}

Result<void> LibnlNetlink::delete_address(const std::string& link, const IpAddress& address,
                                          int prefix_length) {
  return this->address(link, address, prefix_length, false);
}

Result<std::vector<Route>> LibnlNetlink::routes() {
  CachePtr cache;
  if (const int err = rtnl_route_alloc_cache(sock_, AF_UNSPEC, 0, cache.out()); err < 0) {
    return nl_error(err, "list routes" + where_);
  }
  std::vector<Route> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    auto* r = reinterpret_cast<rtnl_route*>(o);
    if (rtnl_route_get_table(r) != RT_TABLE_MAIN || rtnl_route_get_type(r) != RTN_UNICAST) continue;
    if (rtnl_route_get_nnexthops(r) < 1) continue;
    rtnl_nexthop* nh = rtnl_route_nexthop_n(r, 0);
    nl_addr* dst = rtnl_route_get_dst(r);
    const int family = rtnl_route_get_family(r);
    std::optional<IpAddress> net = to_ip(dst);
    if (!net) {  // the default route has an empty destination
      if (family != AF_INET && family != AF_INET6) continue;
      net = family == AF_INET ? IpAddress::v4(0) : *IpAddress::parse("::");
    }
    auto cidr = Cidr::make_masked(*net, dst ? static_cast<int>(nl_addr_get_prefixlen(dst)) : 0);
    if (!cidr) continue;
    Route route{*cidr, to_ip(rtnl_route_nh_get_gateway(nh)), rtnl_route_nh_get_ifindex(nh)};
    out.push_back(route);
  }
  return out;
}

Result<void> LibnlNetlink::replace_route(const Route& route) {
  const std::string what = "replace route to " + route.dst.to_string() + where_;
  RoutePtr r(rtnl_route_alloc());
  rtnl_route_set_family(r.get(), route.dst.family() == IpFamily::v4 ? AF_INET : AF_INET6);
  AddrPtr dst = ip_addr(route.dst.first(), route.dst.prefix_length());
  if (const int err = rtnl_route_set_dst(r.get(), dst.get()); err < 0) return nl_error(err, what);
  rtnl_route_set_table(r.get(), RT_TABLE_MAIN);
  rtnl_nexthop* nh = rtnl_route_nh_alloc();  // owned by the route once added to it
  rtnl_route_nh_set_ifindex(nh, route.link);
  AddrPtr gw;
  if (route.gateway) {
    gw = ip_addr(*route.gateway);
    rtnl_route_nh_set_gateway(nh, gw.get());
  }
  rtnl_route_add_nexthop(r.get(), nh);
  if (const int err = rtnl_route_add(sock_, r.get(), NLM_F_CREATE | NLM_F_REPLACE); err < 0) {
    return nl_error(err, what);
  }
  return ok();
}

Result<std::vector<FdbEntry>> LibnlNetlink::fdb(const std::string& link) {
  auto index = index_of(link, "list the FDB of");
  if (!index) return index.error();
  CachePtr cache;
  // Per family: a plain dump leaves out the bridge (AF_BRIDGE) entries.
  if (const int err = rtnl_neigh_alloc_cache_flags(sock_, cache.out(), NL_CACHE_AF_ITER); err < 0) {
    return nl_error(err, "list the FDB of " + link + where_);
  }
  std::vector<FdbEntry> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    auto* n = reinterpret_cast<rtnl_neigh*>(o);
    if (rtnl_neigh_get_family(n) != AF_BRIDGE || rtnl_neigh_get_ifindex(n) != *index) continue;
    auto dst = to_ip(rtnl_neigh_get_dst(n));
    if (!dst) continue;  // entries without a remote (local MACs) are not ours
    out.push_back(FdbEntry{*index, to_mac(rtnl_neigh_get_lladdr(n)), *dst});
  }
  return out;
}

Result<void> LibnlNetlink::neigh(const FdbEntry& entry, bool add) {
  const std::string what = std::string(add ? "add" : "delete") + " FDB entry " +
                           entry.mac.to_string() + " dst " + entry.dst.to_string() + " on link " +
                           std::to_string(entry.link) + where_;
  NeighPtr n(rtnl_neigh_alloc());
  rtnl_neigh_set_ifindex(n.get(), entry.link);
  // The IP destination first: once the family is AF_BRIDGE, libnl refuses an AF_INET dst.
  AddrPtr dst = ip_addr(entry.dst);
  if (const int err = rtnl_neigh_set_dst(n.get(), dst.get()); err < 0) return nl_error(err, what);
  rtnl_neigh_set_family(n.get(), AF_BRIDGE);
  AddrPtr mac = mac_addr(entry.mac);
  rtnl_neigh_set_lladdr(n.get(), mac.get());
  rtnl_neigh_set_state(n.get(), NUD_PERMANENT);
  rtnl_neigh_set_flags(n.get(), NTF_SELF);
  // APPEND: several all-zero (flood) entries live side by side, one per remote VTEP (EXCL
  // would refuse the second: it matches on the MAC). The same entry again changes nothing.
  const int err = add ? rtnl_neigh_add(sock_, n.get(), NLM_F_CREATE | NLM_F_APPEND)
                      : rtnl_neigh_delete(sock_, n.get(), 0);
  if (err < 0) return nl_error(err, what);
  return ok();
}

Result<void> LibnlNetlink::add_fdb(const FdbEntry& entry) {
  return neigh(entry, true);
}

Result<void> LibnlNetlink::delete_fdb(const FdbEntry& entry) {
  return neigh(entry, false);
}

Result<void> LibnlNetlink::forget_learned(const std::string& port, const MacAddress& mac) {
  const std::string what = "forget " + mac.to_string() + " learned on " + port + where_;
  auto index = index_of(port, "forget a learned MAC on");
  if (!index) return index.error();
  NeighPtr n(rtnl_neigh_alloc());
  rtnl_neigh_set_ifindex(n.get(), *index);
  rtnl_neigh_set_family(n.get(), AF_BRIDGE);
  AddrPtr lladdr = mac_addr(mac);
  rtnl_neigh_set_lladdr(n.get(), lladdr.get());
  rtnl_neigh_set_flags(n.get(), NTF_MASTER);  // the bridge's entry, not the port device's
  const int err = rtnl_neigh_delete(sock_, n.get(), 0);
  if (err < 0 && err != -NLE_OBJ_NOTFOUND) return nl_error(err, what);
  return ok();
}

namespace {
std::string sysctl_path(const std::string& key) {
  std::string p = "/proc/sys/" + key;
  for (std::size_t i = 10; i < p.size(); ++i) {
    if (p[i] == '.') p[i] = '/';
  }
  return p;
}
}  // namespace

Result<std::string> LibnlNetlink::sysctl(const std::string& key) {
  if (auto k = check_sysctl_key(key); !k) return k.error();
  std::string value;
  auto r = in_netns([&]() -> Result<void> {
    const int fd = ::open(sysctl_path(key).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno_error(errno, "read sysctl " + key + where_);
    char buf[256];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    const int e = errno;
    ::close(fd);
    if (n < 0) return errno_error(e, "read sysctl " + key + where_);
    value.assign(buf, static_cast<std::size_t>(n));
    while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
    return ok();
  });
  if (!r) return r.error();
  return value;
}

Result<void> LibnlNetlink::set_sysctl(const std::string& key, const std::string& value) {
  if (auto k = check_sysctl_key(key); !k) return k;
  return in_netns([&]() -> Result<void> {
    const int fd = ::open(sysctl_path(key).c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno_error(errno, "set sysctl " + key + "=" + value + where_);
    const ssize_t n = ::write(fd, value.data(), value.size());
    const int e = errno;
    ::close(fd);
    if (n != static_cast<ssize_t>(value.size())) {
      return errno_error(n < 0 ? e : EIO, "set sysctl " + key + "=" + value + where_);
    }
    return ok();
  });
}

}  // namespace weft::netlink
