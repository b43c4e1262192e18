// SPDX-License-Identifier: Apache-2.0
// The kernel's network configuration as the router sees it: links (bridge, veth, VXLAN),
// addresses, routes, bridge FDB entries and sysctls, in one network namespace. The router
// decides against this port; `LibnlNetlink` (netlink/nl/) is the kernel, `FakeNetlink`
// (fake_netlink.hpp) an in-memory one for unit tests. Every call returns a Result: the
// kernel can refuse anything, and the message says what was asked of which device.
#pragma once

#include "weft/base/cidr.hpp"
#include "weft/base/ip_address.hpp"
#include "weft/base/mac_address.hpp"
#include "weft/base/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weft::netlink {

enum class LinkKind { bridge, veth, vxlan, tun, other };
[[nodiscard]] const char* to_string(LinkKind k);

/// A device name the kernel takes as given: 1-15 bytes, no '/', ':' or whitespace, not
/// "." or "..". (libnl would silently cut a longer name to 15.) `doing` starts the message.
Result<void> check_link_name(const std::string& name, std::string_view doing);
/// A sysctl key as sysctl(8) writes it ("net.ipv4.ip_forward"): not empty, no '/' or "..",
/// so it cannot name a file outside /proc/sys.
Result<void> check_sysctl_key(const std::string& key);

struct VxlanInfo {
  std::uint32_t vni = 0;
  std::uint16_t port = 0;          ///< UDP destination port
  std::optional<IpAddress> local;  ///< source address of the outer packets
  bool learning = true;            ///< kernel MAC learning on the device
  friend bool operator==(const VxlanInfo&, const VxlanInfo&) = default;
};

struct Link {
  int index = 0;
  std::string name;
  LinkKind kind = LinkKind::other;
  MacAddress mac;
  std::uint32_t mtu = 0;
  bool up = false;
  std::optional<int> master;       ///< ifindex of the bridge this link is a port of
  std::optional<VxlanInfo> vxlan;  ///< for kind vxlan
};

struct VethSpec {
  std::string name;       ///< this end, in this namespace
  std::string peer_name;  ///< the other end
  /// The namespace the other end is created in, as an open fd of /proc/PID/ns/net or
  /// /run/netns/NAME; nullopt: this namespace.
  std::optional<int> peer_netns_fd;
  std::uint32_t mtu = 0;  ///< 0: the kernel's default
  std::optional<MacAddress> peer_mac;
};

struct VxlanSpec {
  std::string name;
  VxlanInfo info;
  std::uint32_t mtu = 0;
};

/// An address on a link: `address` is the host address with its prefix length.
struct Address {
  int link = 0;
  IpAddress address;
  int prefix_length = 0;
  friend bool operator==(const Address&, const Address&) = default;
};

struct Route {
  Cidr dst;  ///< 0.0.0.0/0 for the default route
  std::optional<IpAddress> gateway;
  int link = 0;  ///< output device
  friend bool operator==(const Route&, const Route&) = default;
};

/// A bridge FDB entry on a VXLAN device: frames for `mac` go to `dst` (all-zero MAC: the
/// flood entry, one per remote VTEP).
struct FdbEntry {
  int link = 0;
  MacAddress mac;
  IpAddress dst;
  friend bool operator==(const FdbEntry&, const FdbEntry&) = default;
};

class Netlink {
 public:
  virtual ~Netlink() = default;

  virtual Result<std::vector<Link>> links() = 0;
  /// nullopt when no link has that name.
  virtual Result<std::optional<Link>> link(const std::string& name) = 0;

  /// The bridge's MAC is pinned: it stays put as ports come and go (pods' ARP entries hold).
  virtual Result<void> add_bridge(const std::string& name, std::uint32_t mtu) = 0;
  virtual Result<void> add_veth(const VethSpec& spec) = 0;
  virtual Result<void> add_vxlan(const VxlanSpec& spec) = 0;
  virtual Result<void> delete_link(const std::string& name) = 0;
  /// Makes `name` a port of `bridge`.
  virtual Result<void> set_master(const std::string& name, const std::string& bridge) = 0;
  virtual Result<void> set_up(const std::string& name) = 0;
  virtual Result<void> set_mtu(const std::string& name, std::uint32_t mtu) = 0;

  virtual Result<std::vector<Address>> addresses(const std::string& link) = 0;
  virtual Result<void> add_address(const std::string& link, const IpAddress& address,
                                   int prefix_length) = 0;
  virtual Result<void> delete_address(const std::string& link, const IpAddress& address,
                                      int prefix_length) = 0;

  /// Routes in the main table with an output device.
  virtual Result<std::vector<Route>> routes() = 0;
  /// Adds or replaces the route to `route.dst`.
  virtual Result<void> replace_route(const Route& route) = 0;

  virtual Result<std::vector<FdbEntry>> fdb(const std::string& link) = 0;
  /// Adds beside entries for the same MAC (flood entries); an entry already there is kept.
  virtual Result<void> add_fdb(const FdbEntry& entry) = 0;
  /// Deleting an entry that is not there succeeds (the kernel does not say).
  virtual Result<void> delete_fdb(const FdbEntry& entry) = 0;
  /// Makes the bridge forget where it learned `mac` when that was on `port` (its own FDB,
  /// not the port device's): the next frame to it is flooded and the MAC is learned anew.
  /// A MAC it does not know there is fine.
  virtual Result<void> forget_learned(const std::string& port, const MacAddress& mac) = 0;

  /// `key` as in sysctl(8): "net.ipv4.ip_forward".
  virtual Result<std::string> sysctl(const std::string& key) = 0;
  virtual Result<void> set_sysctl(const std::string& key, const std::string& value) = 0;
};

}  // namespace weft::netlink
