// SPDX-License-Identifier: Apache-2.0
// weftd's overlay choice per peer (decision 0012), made once a second with the fast path's
// reconcile. A directly connected peer takes the fast path when the connection needs no
// encryption (no password, or the peer is in --trusted-subnets) and --no-fastdp is not
// given; otherwise the sleeve. Peers reachable only through others always take the sleeve,
// relayed. The two sets never overlap, so no peer gets a broadcast twice. Every direct peer
// gets a sleeve link, so it can relay for others whatever its own overlay is.
#include "weft/base/log.hpp"
#include "weft/router/fallback.hpp"
#include "weft/router/nftables.hpp"

#include "daemon.hpp"
#include "host_of.hpp"

namespace weft::weftd {

void Daemon::plan_overlays() {
  OverlayPlan plan;
  const auto t = gossip::steady_now();
  std::set<PeerName> direct;
  for (const auto& c : mesh_->connections(t)) {
    if (c.state != "established") continue;
    const auto ip = host_of(c.address);
    if (!ip) continue;
    plan.peer_at[*ip] = c.peer;
    const bool trusted = std::any_of(config_.trusted_subnets.begin(), config_.trusted_subnets.end(),
                                     [&](const Cidr& s) { return s.contains(*ip); });
    std::string why;
    if (!config_.fastdp) {
      why = "fastdp off (--no-fastdp)";
    } else if (c.encrypted && !trusted) {
      why = "encrypted (password set; not in --trusted-subnets)";
    } else if (fastdp_status_ != "ready") {
      why = "fastdp " + fastdp_status_;
    }
    if (why.empty() && fastdp_peers_.contains(*ip)) {
      // On the fast path unless its heartbeats fail (either way); the flood entry stays,
      // so heartbeats keep testing the way back.
      if (auto hb = heartbeats_.state(*ip, t); !hb.ok) {
        why = "fastdp failing: " + hb.reason;
        plan.failing.insert(*ip);
      }
    }
    // A failing peer keeps its flood entry (for heartbeats) while the sleeve carries pods.
    if (why.empty() || plan.failing.contains(*ip)) plan.fastdp.insert(*ip);
    if (!why.empty()) {
      plan.sleeve_why[c.address] = why;
      plan.sleeve_peers.insert(c.peer);
    }
    if (auto keys = mesh_->sleeve_keys(c.peer)) {
      direct.insert(c.peer);
      if (ip->is_v4()) {
        plan.links.push_back({c.peer, *keys, {*ip, static_cast<std::uint16_t>(config_.port)}});
      }
    }
  }
  // Everyone else the mesh reaches takes the sleeve through its next hop.
  const auto& routes = mesh_->topology().routes();
  for (const PeerName p : routes.reachable()) {
    if (p == identity_.name) continue;
    const auto hop = routes.next_hop(p);
    if (!hop) continue;
    plan.next_hops[p] = *hop;
    if (!direct.contains(p)) plan.sleeve_peers.insert(p);
  }
  const std::set<IpAddress> failing_before = plan_.failing;
  plan_ = std::move(plan);
  // Also once at start: a table left by an earlier run must not outlive its reason.
  if (plan_.failing != failing_before || !fallback_applied_) apply_fallback(failing_before);
  if (sleeve_ && sleeve_->running()) {
    sleeve_->update(plan_.links, plan_.sleeve_peers, plan_.next_hops);
    sleeve_->publish_metrics();
  }
}

void Daemon::apply_fallback(const std::set<IpAddress>& before) {
  if (auto r = router::run_nft(router::fallback_ruleset(plan_.failing, router::kVxlanPort)); !r) {
    log::error("fastdp fallback: {}", r.error().message());  // tried again at the next change
  }
  fallback_applied_ = true;
  // The bridge learned the MACs behind a peer on the port of its old overlay; until it
  // forgets them, frames to them would go the old way (and be dropped). Forgotten, the
  // next frame floods, and the answer teaches the bridge the new port.
  const std::string vxlan = fastdp_ ? fastdp_->config().vxlan : std::string();
  auto vx = netlink_ ? netlink_->link(vxlan) : Result<std::optional<netlink::Link>>(std::nullopt);
  auto fdb = vx && *vx ? netlink_->fdb(vxlan)
                       : Result<std::vector<netlink::FdbEntry>>(std::vector<netlink::FdbEntry>{});
  for (const auto& ip : plan_.failing) {
    if (before.contains(ip)) continue;
    log::warn("fastdp: {} moves to the sleeve: {}", ip.to_string(),
              heartbeats_.state(ip, gossip::steady_now()).reason);
    if (!fdb) continue;
    for (const auto& e : *fdb) {
      if (e.dst != ip || e.mac.is_zero()) continue;
      (void)netlink_->delete_fdb(e);  // the VXLAN device's own learned entry
      (void)netlink_->forget_learned(vxlan, e.mac);
    }
  }
  for (const auto& ip : before) {
    if (plan_.failing.contains(ip)) continue;
    log::info("fastdp: {} is back on the fast path (heartbeats arrive both ways)", ip.to_string());
  }
  if (sleeve_ && sleeve_->running()) {
    // Peers back on the fast path: the bridge forgets their MACs on weft-tap.
    for (const auto& peer : sleeve_->left_sleeve(plan_.sleeve_peers)) {
      for (const auto& mac : sleeve_->macs_of(peer)) {
        (void)netlink_->forget_learned(sleeve_->tap_name(), mac);
      }
    }
  }
}

void Daemon::ensure_sleeve() {
  if ((sleeve_ && sleeve_->running()) || !fastdp_ || stopping_) return;
  auto host = IpAddress::parse(config_.host);
  if (!host) {
    sleeve_status_ = "failed: --host " + config_.host + ": " + host.error().message();
    return;
  }
  // Made once (it measures the ciphers); only start is tried again after a failure.
  if (!sleeve_) sleeve_ = std::make_unique<Sleeve>(io_, metrics_, identity_.name);
  const std::size_t max_datagram = underlay_mtu_ > router::kSleeveUdpOverheadV4
                                       ? underlay_mtu_ - router::kSleeveUdpOverheadV4
                                       : 1472;
  auto r = sleeve_->start(*netlink_, fastdp_->config().bridge, fastdp_->config().mtu, *host,
                          static_cast<std::uint16_t>(config_.port), max_datagram);
  if (!r) {
    // Tried again each second; logged when the reason changes.
    if (sleeve_status_ != "failed: " + r.error().message()) {
      log::error("sleeve: {}", r.error().message());
    }
    sleeve_status_ = "failed: " + r.error().message();
    return;
  }
  sleeve_status_ = "ready";
  sleeve_->update(plan_.links, plan_.sleeve_peers, plan_.next_hops);
}

}  // namespace weft::weftd
