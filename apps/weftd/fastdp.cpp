// SPDX-License-Identifier: Apache-2.0
// weftd's kernel VXLAN fast path: the overlay MTU from the underlay, then a reconcile of
// bridge, VXLAN and flood entries whenever the set of established peers changes (checked
// every second) and every 30 s regardless, which repairs devices someone else changed. A
// failure does not stop weftd (the mesh and IPAM go on); it shows in `weft status` and the
// log with what to do. The devices stay when weftd stops, so pods keep talking through a
// restart; `weft reset` removes them.
#include "weft/base/log.hpp"
#include "weft/netlink/libnl_netlink.hpp"
#include "weft/router/nftables.hpp"

#include "daemon.hpp"
#include "host_of.hpp"

#include <utility>

namespace weft::weftd {

namespace {
constexpr auto kCheckEvery = std::chrono::seconds(1);
constexpr auto kFullEvery = std::chrono::seconds(30);

// The smallest MTU among the up links that carry traffic out (not lo, not weft's own
// devices, not pods' veths): VXLAN packets must fit the narrowest way out.
Result<std::uint32_t> underlay_mtu(netlink::Netlink& nl) {
  auto links = nl.links();
  if (!links) return links.error();
  std::uint32_t mtu = 0;
  for (const auto& l : *links) {
    if (!router::is_underlay(l)) continue;
    if (mtu == 0 || l.mtu < mtu) mtu = l.mtu;
  }
  if (mtu == 0) {
    return Error(Errc::not_found,
                 "no network interface is up besides lo: bring the underlay up, or give --mtu");
  }
  return mtu;
}
}  // namespace

void Daemon::start_fastdp() {
  auto nl = netlink::LibnlNetlink::open();
  if (!nl) {
    fastdp_status_ = "failed: " + nl.error().message();
    log::error("fastdp: {}", nl.error().message());
    return;
  }
  netlink_ = std::move(*nl);
  // Pods' MTU must fit the overlay that carries them: VXLAN's 50 bytes, or the sleeve's 97
  // when it may carry pods (a password, or --no-fastdp).
  const bool sleeve_carries = !config_.fastdp || !config_.password.empty();
  std::uint32_t mtu = config_.mtu;
  if (auto under = underlay_mtu(*netlink_); !under) {
    if (mtu == 0) {
      fastdp_status_ = "failed: " + under.error().message();
      log::error("fastdp: {}", under.error().message());
      return;
    }
  } else {
    underlay_mtu_ = *under;
    auto overlay = router::overlay_mtu(*under, config_.mtu);
    if (!overlay) {
      fastdp_status_ = "failed: " + overlay.error().message();
      log::error("fastdp: {}", overlay.error().message());
      return;
    }
    mtu = *overlay;
    if (sleeve_carries && config_.mtu == 0) mtu = router::sleeve_overlay_mtu(*under);
  }
  router::FastPathConfig fc;
  fc.mtu = mtu;
  fc.vxlan_enabled = config_.fastdp;
  fastdp_ = std::make_unique<router::FastPath>(fc);
  fastdp_status_ = "starting";
  reconcile_fastdp();
  arm_fastdp_timer();
}

void Daemon::reconcile_fastdp() {
  if (!fastdp_ || !netlink_) return;
  plan_overlays();
  std::set<IpAddress> peers = plan_.fastdp;
  const auto now = std::chrono::steady_clock::now();
  if (peers == fastdp_peers_ && fastdp_status_ == "ready" && now < fastdp_full_at_) {
    // Found gone by a read: made again at once, once (after that, at each full check, so
    // a kernel that refuses is not asked every second).
    if (std::exchange(fastdp_counters_gone_, false)) apply_fastdp_counters();
    ensure_sleeve();
    ensure_exposed(false);
    tick_heartbeats();
    return;
  }
  fastdp_full_at_ = now + kFullEvery;
  auto r = fastdp_->reconcile(*netlink_, peers);
  metrics_
      .counter("weft_fastdp_reconciles_total", "Reconciles of the fast path's devices.",
               {{"result", r ? "ok" : "error"}})
      .inc();
  if (!r) {
    const std::string status = "failed: " + r.error().message();
    if (status != fastdp_status_) log::error("fastdp: {}", r.error().message());
    fastdp_status_ = status;
    return;
  }
  for (const auto& change : r->changes) log::info("fastdp: {}", change);
  fastdp_peers_ = std::move(peers);
  // Read at each full check too, not only when /metrics is scraped: a table deleted behind
  // weftd's back is then made again within kFullEvery even on a host nobody scrapes. When
  // the peers changed, the apply below reads it before making it anew (one read, not two).
  if (fastdp_counted_ == fastdp_peers_) read_fastdp_counters();
  if (fastdp_counted_ != fastdp_peers_) apply_fastdp_counters();
  fastdp_status_ = "ready";
  metrics_.gauge("weft_fastdp_peers", "Peers with a flood entry on the VXLAN device.", {})
      .set(static_cast<double>(fastdp_peers_.size()));
  ensure_sleeve();
  ensure_exposed(true);
  ensure_dns();  // at once when the bridge's address changed, not at the next DNS tick
  ensure_heartbeats(true);
  tick_heartbeats();
}

void Daemon::apply_fastdp_counters() {
  // Made anew, the table's counters restart at zero: what it counted is carried into the
  // totals, but only once the new table is in (a refused script leaves the old table
  // counting, and must not be carried twice). Not at the first apply: a table left by an
  // earlier run counted that run's traffic.
  std::map<IpAddress, router::PeerTraffic> carried;
  if (fastdp_counters_made_) {
    if (fastdp_counted_) read_fastdp_counters();  // at worst the last successful read stands in
    carried = fastdp_traffic_read_;
  }
  // Made again here, after the read (which may find it gone); a failure: at the next full check.
  fastdp_counters_gone_ = false;
  if (auto r =
          router::run_nft(router::fastdp_counters_ruleset(fastdp_peers_, fastdp_->config().port));
      !r) {
    log::error("fastdp: per-peer counters: {}", r.error().message());  // again at the next change
    return;
  }
  for (const auto& [ip, t] : carried) fastdp_traffic_before_[ip] += t;
  fastdp_traffic_read_.clear();
  fastdp_counted_ = fastdp_peers_;
  fastdp_counters_made_ = true;
}

void Daemon::read_fastdp_counters() {
  if (!fastdp_counted_ || fastdp_counted_->empty()) {
    if (fastdp_counted_) fastdp_traffic_read_.clear();
    return;
  }
  auto json = router::nft_json(router::fastdp_counters_list_command());
  auto counted = json ? router::parse_fastdp_counters(*json)
                      : Result<std::map<IpAddress, router::PeerTraffic>>(json.error());
  if (!counted) {
    // The last read stands. A table that is gone (nft flush ruleset, or someone deleted
    // it) is made anew at the next check, and counting goes on from the last read.
    const bool gone = !json && json.error().is(Errc::not_found);
    log::warn("fastdp: reading per-peer counters: {}{}", counted.error().message(),
              gone ? " (the table is gone: making it again)" : "");
    if (gone) {
      fastdp_counted_.reset();
      fastdp_counters_gone_ = true;
    }
    return;
  }
  // A table emptied behind weftd's back (nft flush ruleset) must not make counters go back.
  for (auto& [ip, t] : *counted) {
    const auto& last = fastdp_traffic_read_[ip];
    if (t.sent.bytes < last.sent.bytes || t.received.bytes < last.received.bytes) t = last;
  }
  for (const auto& [ip, t] : fastdp_traffic_read_) counted->try_emplace(ip, t);
  fastdp_traffic_read_ = std::move(*counted);
}

void Daemon::update_fastdp_metrics() {
  if (!fastdp_counters_made_) return;
  read_fastdp_counters();
  std::map<IpAddress, router::PeerTraffic> total = fastdp_traffic_before_;
  for (const auto& [ip, t] : fastdp_traffic_read_) total[ip] += t;
  for (const auto& [ip, who] : plan_.peer_at) fastdp_names_[ip] = who;
  for (const auto& [ip, t] : total) {
    // Named as the sleeve's series are, by peer name; the name stays with the address once
    // known (a connection that is down names nobody), and an address never named is left out.
    const auto who = fastdp_names_.find(ip);
    if (who == fastdp_names_.end()) continue;
    const std::string peer = who->second.to_string();
    const auto set = [&](const char* name, const char* help, const char* dir, std::uint64_t v) {
      metrics_.counter(name, help, {{"peer", peer}, {"direction", dir}})
          .mirror(static_cast<double>(v));
    };
    constexpr const char* kPackets = "VXLAN packets to and from the peer on the underlay.";
    constexpr const char* kBytes =
        "VXLAN bytes to and from the peer on the underlay (outer headers included).";
    set("weft_fastdp_packets_total", kPackets, "sent", t.sent.packets);
    set("weft_fastdp_packets_total", kPackets, "received", t.received.packets);
    set("weft_fastdp_bytes_total", kBytes, "sent", t.sent.bytes);
    set("weft_fastdp_bytes_total", kBytes, "received", t.received.bytes);
  }
}

void Daemon::arm_fastdp_timer() {
  if (stopping_) return;
  fastdp_timer_.expires_after(kCheckEvery);
  fastdp_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    reconcile_fastdp();
    arm_fastdp_timer();
  });
}

api::FastPathReport Daemon::fastdp_report() const {
  api::FastPathReport r;
  r.status = fastdp_status_;
  // The bridge is up, but no peer takes the VXLAN device.
  if (!config_.fastdp && r.status == "ready") r.status = "off (--no-fastdp)";
  if (!fastdp_) return r;
  r.bridge = fastdp_->config().bridge;
  r.vxlan = fastdp_->config().vxlan;
  r.mtu = fastdp_->config().mtu;
  r.port = fastdp_->config().port;
  for (const auto& p : fastdp_peers_) r.peers.push_back(p.to_string());
  if (bridge_address_ && bridge_ok_) {
    r.address = bridge_address_->address.to_string() + "/" +
                std::to_string(bridge_address_->subnet.prefix_length());
  }
  const auto t = gossip::steady_now();
  for (const auto& p : fastdp_peers_) r.heartbeats_ok += heartbeats_.state(p, t).ok ? 1 : 0;
  r.expose = expose_status_;
  r.egress = egress_status_;
  r.sleeve = sleeve_status_;
  if (sleeve_ && sleeve_->running()) {
    r.sleeve_cipher = std::string(router::to_string(sleeve_->cipher()));
    r.sleeve_peers = static_cast<std::uint32_t>(plan_.sleeve_peers.size());
  }
  return r;
}

void Daemon::mark_fastdp(api::RouterReport& r) const {
  for (auto& c : r.connections) {
    if (c.state != "established") continue;
    if (const auto why = plan_.sleeve_why.find(c.address); why != plan_.sleeve_why.end()) {
      if (sleeve_ && sleeve_->running()) {
        c.overlay = "sleeve";
        c.mtu = fastdp_->config().mtu;
        c.overlay_reason = why->second;
        // The path to this peer may carry less than the pods' MTU (probed per link).
        const auto ip = host_of(c.address);
        const auto peer = ip ? plan_.peer_at.find(*ip) : plan_.peer_at.end();
        if (peer != plan_.peer_at.end()) {
          if (const auto pm = sleeve_->path_mtu(peer->second)) {  // nullopt: relayed, no link
            c.mtu = std::min(c.mtu, pm->ip_mtu);
            c.path_mtu = std::string(router::to_string(pm->state));
          }
        }
      } else {
        // Why pod traffic to this peer has no overlay.
        c.overlay_problem = why->second + "; sleeve " + sleeve_status_;
      }
      continue;
    }
    if (!fastdp_ || fastdp_status_ != "ready") {
      c.overlay_problem = "fastdp " + fastdp_status_;
      continue;
    }
    const auto ip = host_of(c.address);
    if (ip && fastdp_peers_.count(*ip) > 0) {
      c.overlay = "fastdp";
      c.mtu = fastdp_->config().mtu;
      if (auto s = heartbeats_.state(*ip, gossip::steady_now()); !s.ok)
        c.overlay_problem = s.reason;
    }
  }
}

}  // namespace weft::weftd
