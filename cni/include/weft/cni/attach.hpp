// SPDX-License-Identifier: Apache-2.0
// Plugging a pod into the bridge, through the netlink port: a veth whose pod end is created
// directly in the pod's namespace (it never exists in the host's, so its name cannot clash
// there), the host end on the bridge, the address and a default route via the bridge's
// address in the pod. Detach and check work from the same description.
#pragma once

#include "weft/base/ip_address.hpp"
#include "weft/base/mac_address.hpp"
#include "weft/base/result.hpp"
#include "weft/netlink/netlink.hpp"

#include <string>

namespace weft::cni {

struct PodLink {
  std::string bridge = "weft";
  std::string host_veth;  ///< host_veth_name(container id, ifname)
  std::string ifname;     ///< inside the pod, e.g. eth0
  int pod_netns_fd = -1;  ///< an open fd of the pod's netns (for the veth's peer)
  MacAddress mac;         ///< of the pod's end
  IpAddress address;
  int prefix_length = 0;
  IpAddress gateway;      ///< the bridge's address; the pod's default route goes there
  std::uint32_t mtu = 0;  ///< 0: the bridge's
  bool hairpin = false;   ///< not applied here (a bridge port flag in sysfs): see weft-cni
};

/// "vw" + 13 hex digits of a hash of container id and interface: stable for one attachment
/// (DEL finds it without state), 15 characters (the kernel's limit).
std::string host_veth_name(std::string_view container_id, std::string_view ifname);
/// A locally administered unicast MAC from the same hash, so a re-ADD gets the same MAC.
MacAddress pod_mac(std::string_view container_id, std::string_view ifname);

/// Creates and configures everything; on failure removes what it made (the host veth, which
/// takes the pod end with it). Errc::not_found when the bridge is missing, already_exists
/// when the pod already has `ifname`.
Result<void> attach(netlink::Netlink& host, netlink::Netlink& pod, const PodLink& link);
/// Removes the host veth (and with it the pod end). Succeeds when it is already gone.
Result<void> detach(netlink::Netlink& host, const std::string& host_veth);
/// Errc::not_found or failed_precondition saying what differs from `link`.
Result<void> check(netlink::Netlink& host, netlink::Netlink& pod, const PodLink& link);

}  // namespace weft::cni
