// SPDX-License-Identifier: Apache-2.0
// The fast path's devices as a desired state: bridge `weft`, VXLAN `weft-vxlan` (UDP 6784,
// kernel MAC learning) as its port, and one flood entry per directly connected fast-path
// peer. `reconcile` makes the kernel match through the Netlink port: it reuses what is
// right, fixes what is wrong (a VXLAN with another VNI or port is made again; stray flood
// entries go), refuses to touch a device of that name that is not the right kind, and
// changes nothing on a second call. `reset` removes what weft made.
#pragma once

#include "weft/base/ip_address.hpp"
#include "weft/base/result.hpp"
#include "weft/netlink/netlink.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace weft::router {

inline constexpr std::uint16_t kVxlanPort = 6784;
/// "wft" in ASCII: every weft host uses the same VNI.
inline constexpr std::uint32_t kVxlanVni = 0x776674;
/// Outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8.
inline constexpr std::uint32_t kVxlanOverheadV4 = 50;

struct FastPathConfig {
  std::string bridge = "weft";
  std::string vxlan = "weft-vxlan";
  std::uint32_t vni = kVxlanVni;
  std::uint16_t port = kVxlanPort;
  std::uint32_t mtu = 1376;  ///< of the bridge and its ports (see overlay_mtu)
  /// false (--no-fastdp): the bridge only, for pods and the sleeve; no VXLAN device is made
  /// (one left from before stays, without flood entries, until `weft reset`).
  bool vxlan_enabled = true;
};

/// The overlay MTU for an underlay MTU: `underlay - 50`, or `requested` (--mtu) when set;
/// an error when the result cannot carry an IPv4 packet or exceeds what the underlay fits.
Result<std::uint32_t> overlay_mtu(std::uint32_t underlay, std::uint32_t requested);

/// A link that carries this host's traffic out (the underlay): up, and not lo, not one of
/// weft's own devices ("weft*"), not a pod's host veth ("vw*"). VXLAN packets must fit the
/// narrowest of them, and peers know this host by one of their addresses.
[[nodiscard]] bool is_underlay(const netlink::Link& link);

/// What a reconcile did, one line per change, for the log ("created bridge weft", ...).
struct ReconcileReport {
  std::vector<std::string> changes;
};

class FastPath {
 public:
  explicit FastPath(FastPathConfig config) : config_(std::move(config)) {}

  /// `peers`: underlay addresses of the peers that take this host's fast path.
  Result<ReconcileReport> reconcile(netlink::Netlink& nl, const std::set<IpAddress>& peers);
  /// Removes the VXLAN device and the bridge (and so every flood entry); what is already
  /// gone is fine.
  Result<ReconcileReport> reset(netlink::Netlink& nl);

  [[nodiscard]] const FastPathConfig& config() const { return config_; }

 private:
  Result<int> ensure_bridge(netlink::Netlink& nl, ReconcileReport& report);
  Result<int> ensure_vxlan(netlink::Netlink& nl, int bridge, ReconcileReport& report);
  Result<void> ensure_floods(netlink::Netlink& nl, int vxlan, const std::set<IpAddress>& peers,
                             ReconcileReport& report);

  FastPathConfig config_;
};

}  // namespace weft::router
