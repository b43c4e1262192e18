// SPDX-License-Identifier: Apache-2.0
// weftd's sleeve (decision 0012): TAP weft-tap on the bridge, UDP on the mesh port, frames
// sealed per hop with libsodium under keys exported from each control connection, MAC
// learning and relaying by router::SleeveForwarder. The daemon decides which peers take it
// (overlay.cpp) and hands over links and paths once a second; everything per packet is here.
#pragma once

#include "weft/base/metrics.hpp"
#include "weft/base/udp_socket.hpp"
#include "weft/gossip/mesh.hpp"
#include "weft/netlink/netlink.hpp"
#include "weft/router/coalesce.hpp"
#include "weft/router/icmp_budget.hpp"
#include "weft/router/pmtu_probe.hpp"
#include "weft/router/sleeve_crypto.hpp"
#include "weft/router/sleeve_forward.hpp"
#include "weft/router/tap_device.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace weft::weftd {

class Sleeve {
 public:
  /// A directly connected peer the sleeve can send to.
  struct Link {
    PeerName peer;
    gossip::SleeveKeys keys;
    UdpEndpoint endpoint;  // its host on the mesh port
  };
  /// What the sleeve carries to a direct peer: datagrams of up to `datagram` bytes (the
  /// path MTU found by probes, pmtu_probe.hpp), so IP packets of up to `ip_mtu`.
  struct PathMtu {
    std::size_t datagram = 0;
    std::uint32_t ip_mtu = 0;
    router::PathMtuProber::State state = router::PathMtuProber::State::probing;
  };
  struct LinkStats {
    std::uint64_t packets_sent = 0, bytes_sent = 0, packets_received = 0, bytes_received = 0;
    std::uint64_t decrypt_failures = 0, replays = 0;
  };

  Sleeve(boost::asio::io_context& io, MetricsRegistry& metrics, PeerName self);
  ~Sleeve();

  /// Creates weft-tap on `bridge` with `mtu` and binds UDP host:port. `max_datagram`: the
  /// largest datagram the underlay carries unfragmented (its MTU - 28).
  Result<void> start(netlink::Netlink& nl, const std::string& bridge, std::uint32_t mtu,
                     const IpAddress& host, std::uint16_t port, std::size_t max_datagram);
  void stop();

  /// Links to direct peers (keys change with each handshake: a new connection gets new
  /// sealers), the peers whose pods this host reaches over the sleeve, and the next hop to
  /// every reachable peer.
  void update(const std::vector<Link>& links, std::set<PeerName> sleeve_peers,
              std::map<PeerName, PeerName> next_hops);

  [[nodiscard]] bool running() const noexcept { return tap_.has_value(); }
  [[nodiscard]] router::SleeveCipher cipher() const noexcept { return cipher_; }
  [[nodiscard]] std::string tap_name() const { return tap_ ? tap_->name() : std::string(); }
  /// Peers in the sleeve set now that are not in `next` (they moved to the fast path).
  [[nodiscard]] std::vector<PeerName> left_sleeve(const std::set<PeerName>& next) const;
  /// The path MTU to a direct peer (nullopt: no link to it).
  [[nodiscard]] std::optional<PathMtu> path_mtu(PeerName peer) const;
  [[nodiscard]] std::vector<MacAddress> macs_of(PeerName peer) const {
    return forwarder_.macs_of(peer);
  }
  /// Publishes per-peer counters as metrics (once a second; the data path only counts).
  void publish_metrics();

 private:
  struct LinkState;
  void read_tap();
  void drain_tap();
  void read_udp();
  void on_datagram(std::span<std::uint8_t> bytes, const UdpEndpoint& from, TimePoint now);
  /// A probe (answered) or a probe's answer from the link's other end.
  void on_control(LinkState& l, const router::SleeveRecord& record, std::size_t datagram_bytes,
                  TimePoint now);
  /// Sends the path MTU probes that are due, every 100 ms.
  void probe_paths();
  /// Routers' "fragmentation needed" for our datagrams, as hints to the links' probers.
  void take_path_hints(TimePoint now);
  void send_probe(LinkState& l, const router::PathMtuProbe& probe, TimePoint now);
  /// "Fragmentation needed" for a frame too big for its link: to the local pod that sent it,
  /// or back over the sleeve to the peer it came from. Returns the reason the frame is
  /// dropped with: too_big_answered, too_big_rate_limited, or too_big (no answer is due).
  const char* answer_too_big(const router::SleeveHop& hop, std::uint16_t mtu, TimePoint now);
  void queue(const router::SleeveHop& hop, TimePoint now);
  /// Seals the link's datagram in progress, if it holds records, for the next flush.
  void close_datagram(LinkState& l, TimePoint now);
  void flush(TimePoint now);
  /// Sends the links' sealed datagrams: those that carry DF, or those the underlay may
  /// fragment (IPv6 up to 1280 bytes over a narrower path). flush sends both, in that order.
  void send_ready(bool fragmentable);
  /// Writes the batch's frames for the bridge, merged by the coalescer.
  void write_coalesced();
  void tap_result(const Result<bool>& w);
  void drop(const char* reason, std::uint64_t n = 1);

  boost::asio::io_context& io_;
  MetricsRegistry& metrics_;
  PeerName self_;
  router::SleeveCipher cipher_;
  std::size_t max_datagram_ = 1472;
  std::optional<router::TapDevice> tap_;
  std::optional<UdpSocket> udp_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> tap_wait_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> udp_wait_;
  std::unique_ptr<boost::asio::steady_timer> probe_timer_;
  std::vector<std::uint8_t> probe_buf_;
  router::SleeveForwarder forwarder_;
  router::FrameCoalescer coalescer_;
  std::uint64_t published_gro_segments_ = 0, published_gro_frames_ = 0;
  std::uint64_t fragmented_ = 0, published_fragmented_ = 0;
  std::uint64_t outer_fragmented_ = 0, published_outer_fragmented_ = 0;
  // ICMP errors this host originates (router/icmp_budget.hpp): 1,000 a second, 100 to any
  // one pod, so a pod flooding oversized packets neither makes weftd answer without bound
  // nor leaves other pods without the answers their path MTU discovery needs.
  router::IcmpBudget icmp_budget_;
  std::map<PeerName, std::unique_ptr<LinkState>> links_;
  std::vector<std::uint8_t> frame_buf_;
  std::vector<std::uint8_t> segments_;                 // a super-frame's segments
  std::vector<std::span<const std::uint8_t>> frames_;  // one read's wire-ready frames
  std::vector<UdpSlot> slots_;
  std::vector<router::SleeveRecord> records_;
  std::map<std::string, std::uint64_t> drops_;  // by reason, not yet published
  bool stopping_ = false;
};

}  // namespace weft::weftd
