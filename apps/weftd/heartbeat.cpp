// SPDX-License-Identifier: Apache-2.0
// weftd's fast-path heartbeats (router/heartbeat.hpp): once a second one frame into
// weft-vxlan, flooded by the kernel to every peer; a packet socket on weft-vxlan hears the
// peers' frames; a peer not heard for 3.5 s is marked failing in `weft status connections`,
// the report, the metrics and the log. The bridge filter (nftables `bridge weft`) keeps the
// frames from pods. Nothing here is on the pods' data path.
#include "weft/base/log.hpp"
#include "weft/router/nftables.hpp"

#include "daemon.hpp"

#include <unistd.h>

namespace weft::weftd {

namespace {
TimePoint now() {
  return gossip::steady_now();
}
}  // namespace

// The addresses this host's VXLAN packets may leave from: every address on an up link that
// is not lo and not weft's or a pod's. A peer knows us by one of them.
std::vector<IpAddress> Daemon::underlay_addresses() {
  std::vector<IpAddress> out;
  auto links = netlink_->links();
  if (!links) return out;
  for (const auto& l : *links) {
    if (!router::is_underlay(l)) continue;
    if (auto addrs = netlink_->addresses(l.name)) {
      for (const auto& a : *addrs) {
        if (!a.address.is_v4() || (a.address.bytes()[0] != 127)) out.push_back(a.address);
      }
    }
  }
  return out;
}

void Daemon::ensure_heartbeats(bool full) {
  auto vx = netlink_->link(fastdp_->config().vxlan);
  if (!vx || !*vx) return;
  // The frames' source: the VXLAN device's own MAC (a multicast source is invalid, and
  // the peer's VXLAN driver drops such frames before anyone sees them).
  hb_mac_ = (*vx)->mac;
  if (full) {
    hb_addresses_ = underlay_addresses();
    if (auto r =
            router::run_nft(router::heartbeat_filter_ruleset(fastdp_->config().vxlan, "weft-tap"));
        !r) {
      log::error("fastdp heartbeats: {}", r.error().message());
    }
  }
  if (hb_socket_ && hb_socket_->ifindex() == (*vx)->index) return;
  // The VXLAN device is new (first start, or made again): listen on this one.
  hb_desc_.reset();
  hb_socket_.reset();
  auto s = router::PacketSocket::open((*vx)->index, router::kHeartbeatEtherType);
  if (!s) {
    log::error("fastdp heartbeats: {}", s.error().message());
    return;
  }
  hb_socket_.emplace(std::move(*s));
  // Asio watches a duplicate of the fd for readability; reads go through PacketSocket.
  hb_desc_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, ::dup(hb_socket_->fd()));
  read_heartbeats();
}

void Daemon::read_heartbeats() {
  if (!hb_desc_ || stopping_) return;
  hb_desc_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                       [this](const boost::system::error_code& ec) {
                         if (ec || stopping_ || !hb_socket_) return;
                         for (int i = 0; i < 256; ++i) {
                           auto f = hb_socket_->receive();
                           if (!f || !*f) break;
                           auto hb = router::decode_heartbeat(**f);
                           if (!hb) continue;  // another's frame of that ethertype
                           heartbeats_.on_heartbeat(*hb, hb_addresses_, now());
                           metrics_
                               .counter("weft_fastdp_heartbeats_total",
                                        "Fast-path heartbeats sent and received.",
                                        {{"direction", "received"}})
                               .inc();
                         }
                         read_heartbeats();
                       });
}

void Daemon::tick_heartbeats() {
  if (!hb_socket_) return;
  const TimePoint t = now();
  heartbeats_.set_peers(fastdp_peers_, t);
  if (heartbeats_.due(t) && !hb_addresses_.empty()) {
    const auto frame = router::encode_heartbeat(
        {hb_addresses_, heartbeats_.next_seq(), heartbeats_.heard(t)}, hb_mac_);
    if (auto r = hb_socket_->send(frame); r) {
      metrics_
          .counter("weft_fastdp_heartbeats_total", "Fast-path heartbeats sent and received.",
                   {{"direction", "sent"}})
          .inc();
    }
  }
  for (const auto& [peer, s] : heartbeats_.changes(t)) {
    if (s.ok) {
      log::info("fastdp: VXLAN heartbeats from {} arrive again", peer.to_string());
    } else {
      log::warn("fastdp: {}", s.reason);
    }
  }
  for (const auto& p : fastdp_peers_) {
    metrics_
        .gauge("weft_fastdp_peer_up", "1 while VXLAN heartbeats from the peer arrive, else 0.",
               {{"peer", p.to_string()}})
        .set(heartbeats_.state(p, t).ok ? 1 : 0);
  }
}

}  // namespace weft::weftd
