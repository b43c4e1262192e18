// SPDX-License-Identifier: Apache-2.0
#include "weft/router/fast_path.hpp"

namespace weft::router {

using netlink::LinkKind;

bool is_underlay(const netlink::Link& l) {
  return l.up && l.name != "lo" && !l.name.starts_with("weft") && !l.name.starts_with("vw");
}

Result<std::uint32_t> overlay_mtu(std::uint32_t underlay, std::uint32_t requested) {
  if (underlay <= kVxlanOverheadV4 + 576) {
    return Error(Errc::invalid_argument,
                 "the underlay MTU " + std::to_string(underlay) +
                     " leaves too little for VXLAN (it needs 50 bytes): raise the underlay MTU");
  }
  const std::uint32_t most = underlay - kVxlanOverheadV4;
  if (requested == 0) return most;
  if (requested < 576 || requested > most) {
    return Error(Errc::invalid_argument,
                 "--mtu " + std::to_string(requested) + " is outside 576.." + std::to_string(most) +
                     " (the underlay MTU " + std::to_string(underlay) + " minus VXLAN's 50)");
  }
  return requested;
}

namespace {
Error foreign_device(const std::string& name, LinkKind is, std::string_view should_be) {
  return Error(Errc::already_exists,
               "a device named " + name + " exists and is a " + netlink::to_string(is) + ", not " +
                   std::string(should_be) +
                   ": weft will not touch it (remove it, or stop what made it)");
}

// The MTU and up state every device of the fast path shares.
Result<void> ensure_mtu_up(netlink::Netlink& nl, const netlink::Link& link, std::uint32_t mtu,
                           ReconcileReport& report) {
  if (link.mtu != mtu) {
    if (auto r = nl.set_mtu(link.name, mtu); !r) return r;
    report.changes.push_back("set mtu " + std::to_string(mtu) + " on " + link.name);
  }
  if (!link.up) {
    if (auto r = nl.set_up(link.name); !r) return r;
    report.changes.push_back("set " + link.name + " up");
  }
  return ok();
}
}  // namespace

Result<int> FastPath::ensure_bridge(netlink::Netlink& nl, ReconcileReport& report) {
  auto br = nl.link(config_.bridge);
  if (!br) return br.error();
  if (*br && (*br)->kind != LinkKind::bridge) {
    return foreign_device(config_.bridge, (*br)->kind, "a bridge");
  }
  if (!*br) {
    if (auto r = nl.add_bridge(config_.bridge, config_.mtu); !r) return r.error();
    report.changes.push_back("created bridge " + config_.bridge);
    br = nl.link(config_.bridge);
    if (!br) return br.error();
    if (!*br) return Error(Errc::internal, "bridge " + config_.bridge + " vanished after creation");
  }
  if (auto r = ensure_mtu_up(nl, **br, config_.mtu, report); !r) return r.error();
  return (*br)->index;
}

Result<int> FastPath::ensure_vxlan(netlink::Netlink& nl, int bridge, ReconcileReport& report) {
  auto vx = nl.link(config_.vxlan);
  if (!vx) return vx.error();
  if (*vx && (*vx)->kind != LinkKind::vxlan) {
    return foreign_device(config_.vxlan, (*vx)->kind, "VXLAN");
  }
  const bool right = *vx && (*vx)->vxlan && (*vx)->vxlan->vni == config_.vni &&
                     (*vx)->vxlan->port == config_.port && (*vx)->vxlan->learning;
  if (*vx && !right) {
    // VNI and port cannot change on a live device: make it again.
    if (auto r = nl.delete_link(config_.vxlan); !r) return r.error();
    report.changes.push_back("deleted " + config_.vxlan + " (wrong VNI, port or learning)");
  }
  if (!*vx || !right) {
    netlink::VxlanSpec spec{
        config_.vxlan, {config_.vni, config_.port, std::nullopt, true}, config_.mtu};
    if (auto r = nl.add_vxlan(spec); !r) return r.error();
    report.changes.push_back("created " + config_.vxlan + " (VNI " + std::to_string(config_.vni) +
                             ", UDP " + std::to_string(config_.port) + ")");
    vx = nl.link(config_.vxlan);
    if (!vx) return vx.error();
    if (!*vx) return Error(Errc::internal, config_.vxlan + " vanished after creation");
  }
  if ((*vx)->master != bridge) {
    if (auto r = nl.set_master(config_.vxlan, config_.bridge); !r) return r.error();
    report.changes.push_back("attached " + config_.vxlan + " to " + config_.bridge);
  }
  if (auto r = ensure_mtu_up(nl, **vx, config_.mtu, report); !r) return r.error();
  return (*vx)->index;
}

Result<void> FastPath::ensure_floods(netlink::Netlink& nl, int vxlan,
                                     const std::set<IpAddress>& peers, ReconcileReport& report) {
  auto fdb = nl.fdb(config_.vxlan);
  if (!fdb) return fdb.error();
  std::set<IpAddress> have;
  for (const auto& e : *fdb) {
    if (!e.mac.is_zero()) continue;  // learned or static unicast entries are the kernel's
    if (peers.count(e.dst) > 0) {
      have.insert(e.dst);
      continue;
    }
    if (auto r = nl.delete_fdb(e); !r) return r;
    report.changes.push_back("removed flood entry to " + e.dst.to_string());
  }
  for (const auto& p : peers) {
    if (have.count(p) > 0) continue;
    if (auto r = nl.add_fdb({vxlan, MacAddress(), p}); !r) return r;
    report.changes.push_back("added flood entry to " + p.to_string());
  }
  return ok();
}

Result<ReconcileReport> FastPath::reconcile(netlink::Netlink& nl,
                                            const std::set<IpAddress>& peers) {
  ReconcileReport report;
  auto bridge = ensure_bridge(nl, report);
  if (!bridge) return bridge.error();
  if (!config_.vxlan_enabled) return report;
  auto vxlan = ensure_vxlan(nl, *bridge, report);
  if (!vxlan) return vxlan.error();
  if (auto r = ensure_floods(nl, *vxlan, peers, report); !r) return r.error();
  return report;
}

Result<ReconcileReport> FastPath::reset(netlink::Netlink& nl) {
  ReconcileReport report;
  for (const auto* name : {&config_.vxlan, &config_.bridge}) {
    auto l = nl.link(*name);
    if (!l) return l.error();
    if (!*l) continue;
    const bool ours = (*l)->kind == (name == &config_.vxlan ? LinkKind::vxlan : LinkKind::bridge);
    if (!ours) {
      report.changes.push_back("left " + *name + " alone: it is a " +
                               netlink::to_string((*l)->kind) + ", not weft's");
      continue;
    }
    if (auto r = nl.delete_link(*name); !r) return r.error();
    report.changes.push_back("deleted " + *name);
  }
  return report;
}

}  // namespace weft::router
