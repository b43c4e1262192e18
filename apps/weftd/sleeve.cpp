// SPDX-License-Identifier: Apache-2.0
// weftd's sleeve (sleeve.hpp): the per-packet path. Frames read from weft-tap become
// records for their next hops, packed several to a datagram while they fit, sealed, and
// sent in one sendmmsg per loop turn; datagrams read by recvmmsg are opened by their
// sender's link, and each record is written to weft-tap or passed on to its next hop.
#include "sleeve.hpp"

#include "weft/base/log.hpp"
#include "weft/gossip/mesh_runner.hpp"
#include "weft/router/offload.hpp"
#include "weft/router/pmtu.hpp"
#include "weft/router/sleeve_control.hpp"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <unistd.h>

namespace weft::weftd {

namespace {

constexpr std::size_t kBurst = 64;             // frames or datagrams per loop turn
constexpr std::size_t kSlotBytes = 16 * 1024;  // a datagram of up to a 9000-byte jumbo underlay
constexpr std::size_t kGroSlotBytes = 65536;   // a UDP GRO run of datagrams
// One TAP read: a virtio-net header and a frame of up to 64 KiB of IP (a TCP super-frame).
constexpr std::size_t kMaxRead = 128 * 1024;
constexpr auto kProbeTick = std::chrono::milliseconds(100);

TimePoint now() {
  return gossip::steady_now();
}

// The AEAD this host seals with: whichever seals 1400-byte datagrams faster here (the
// receiver opens either). AES-256-GCM needs AES-NI; without it ChaCha20-Poly1305 wins anyway.
router::SleeveCipher measure_cipher() {
  using Clock = std::chrono::steady_clock;
  if (!router::aes256gcm_available()) return router::SleeveCipher::chacha20poly1305;
  const std::vector<std::uint8_t> frame(1400, 0x5a);
  auto rate = [&](router::SleeveCipher c) {
    router::SleeveSealer s(PeerName(1), c, router::SleeveKey{1});
    std::vector<std::uint8_t> d;
    constexpr int kRounds = 2000;
    const auto t0 = Clock::now();
    for (int i = 0; i < kRounds; ++i) {
      s.begin(d);
      (void)s.append(d, {PeerName(1), PeerName(2), 1, frame}, 2000);
      s.finish(d, kEpoch);
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    return kRounds * 1400.0 * 8 / secs / 1e9;
  };
  // Interleaved rounds, best of each: a busy neighbour on the core slows one round, not
  // one cipher.
  double aes = 0, chacha = 0;
  for (int round = 0; round < 3; ++round) {
    aes = std::max(aes, rate(router::SleeveCipher::aes256gcm));
    chacha = std::max(chacha, rate(router::SleeveCipher::chacha20poly1305));
  }
  const auto pick =
      aes >= chacha ? router::SleeveCipher::aes256gcm : router::SleeveCipher::chacha20poly1305;
  log::info(
      "sleeve: sealing 1400-byte frames on this core: aes-256-gcm {:.1f} Gbit/s, "
      "chacha20-poly1305 {:.1f} Gbit/s; encrypted links seal with {}",
      aes, chacha, router::to_string(pick));
  return pick;
}

}  // namespace

struct Sleeve::LinkState {
  Link link;
  router::SleeveSealer tx;
  router::SleeveOpener rx;
  std::vector<std::uint8_t> pending;  // the datagram being filled (empty: none)
  std::vector<std::vector<std::uint8_t>> ready;
  std::vector<std::vector<std::uint8_t>> ready_fragmentable;  // sent without DF (IPv6 <= 1280)
  router::PathMtuProber pmtu;
  LinkStats stats;
  LinkStats published;
  std::uint64_t published_probes = 0, published_searches = 0, published_hints = 0;
  std::size_t logged_limit = 0;  // the path MTU last logged (0: none yet)
  std::uint64_t logged_hints = 0;
  router::PathMtuProber::State logged_state = router::PathMtuProber::State::probing;
  bool warned = false;
  bool probe_warned = false;

  LinkState(const Link& l, PeerName self, router::SleeveCipher cipher, std::size_t max_datagram)
      : link(l),
        tx(self, l.keys.encrypted ? cipher : router::SleeveCipher::plaintext, l.keys.send),
        rx(l.peer, l.keys.encrypted, l.keys.recv),
        // Random ids: on links without a password, acks are not authenticated; guessing
        // one must not be as easy as counting from 1.
        pmtu(max_datagram, randombytes_random()) {}

  [[nodiscard]] std::uint16_t ip_mtu() const {
    return router::sleeve_ip_mtu(pmtu.limit(), tx.overhead());
  }
};

Sleeve::Sleeve(boost::asio::io_context& io, MetricsRegistry& metrics, PeerName self)
    : io_(io), metrics_(metrics), self_(self), cipher_(measure_cipher()), forwarder_(self) {}

Sleeve::~Sleeve() = default;

Result<void> Sleeve::start(netlink::Netlink& nl, const std::string& bridge, std::uint32_t mtu,
                           const IpAddress& host, std::uint16_t port, std::size_t max_datagram) {
  max_datagram_ = max_datagram;
  auto tap = router::TapDevice::open("weft-tap", /*offload=*/true);
  if (!tap) return tap.error();
  if (auto r = nl.set_mtu("weft-tap", mtu); !r) return r.error();
  if (auto r = nl.set_master("weft-tap", bridge); !r) return r.error();
  if (auto r = nl.set_up("weft-tap"); !r) return r.error();
  auto udp = UdpSocket::bind(host, port, /*gro=*/true);
  if (!udp) return udp.error();
  // Datagrams are sized per peer by probes (pmtu_probe.hpp), so the kernel must neither
  // fragment them nor hold them to a path MTU it cached from ICMP: fragments cost the
  // receiver reassembly and many firewalls drop them, and a cached MTU below a GSO
  // message's segment size makes the kernel refuse the whole message.
  if (auto r = udp->never_fragment(); !r) return r.error();
  // Routers' "fragmentation needed" then starts a path check at once (a hint: the probes
  // decide). Without it, a path that shrank is found at the next 10 s check.
  if (auto r = udp->report_path_errors(); !r) log::warn("sleeve: {}", r.error().message());
  tap_.emplace(std::move(*tap));
  udp_.emplace(std::move(*udp));
  frame_buf_.resize(kMaxRead);
  slots_.resize(kBurst);
  for (auto& s : slots_) s.bytes.resize(udp_->gro() ? kGroSlotBytes : kSlotBytes);
  // Asio waits on duplicates of the fds for readability; reads go through the wrappers.
  tap_wait_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, ::dup(tap_->fd()));
  udp_wait_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, ::dup(udp_->fd()));
  probe_timer_ = std::make_unique<boost::asio::steady_timer>(io_);
  log::info("sleeve: weft-tap on {} (mtu {}, {}), UDP {}:{} ({}, {}); encrypted links seal with {}",
            bridge, mtu, tap_->offload() ? "TSO in, GRO out" : "no offloads", host.to_string(),
            port, udp_->gso() ? "GSO" : "no GSO", udp_->gro() ? "GRO" : "no GRO",
            router::to_string(cipher_));
  read_tap();
  read_udp();
  probe_paths();
  return ok();
}

void Sleeve::stop() {
  stopping_ = true;
  tap_wait_.reset();
  udp_wait_.reset();
  probe_timer_.reset();
}

void Sleeve::update(const std::vector<Link>& links, std::set<PeerName> sleeve_peers,
                    std::map<PeerName, PeerName> next_hops) {
  std::map<PeerName, std::unique_ptr<LinkState>> next;
  for (const auto& l : links) {
    auto it = links_.find(l.peer);
    if (it != links_.end() && it->second->link.keys.conn == l.keys.conn) {
      // Same connection: keep counters, replay windows and an endpoint learned from the
      // peer's own (authenticated) datagrams, which may differ behind NAT.
      next[l.peer] = std::move(it->second);
      continue;
    }
    log::info("sleeve: link to {} at {}:{} ({})", l.peer.to_string(), l.endpoint.ip.to_string(),
              l.endpoint.port, l.keys.encrypted ? "encrypted" : "unencrypted");
    auto state = std::make_unique<LinkState>(l, self_, cipher_, max_datagram_);
    // A new connection to the same host keeps what its path was found to carry.
    if (it != links_.end() && it->second->link.endpoint.ip == l.endpoint.ip) {
      state->pmtu = std::move(it->second->pmtu);
      state->logged_limit = it->second->logged_limit;
      state->logged_state = it->second->logged_state;
      state->published_probes = state->pmtu.probes_sent();
      state->published_searches = state->pmtu.searches();
      state->published_hints = state->pmtu.hints_taken();
      state->logged_hints = state->pmtu.hints_taken();
    }
    next[l.peer] = std::move(state);
  }
  links_ = std::move(next);
  // A next hop without a link (the connection just ended) cannot carry anything.
  std::erase_if(next_hops, [&](const auto& kv) { return !links_.contains(kv.second); });
  forwarder_.set_paths(std::move(sleeve_peers), std::move(next_hops));
  forwarder_.expire(now());
}

std::optional<Sleeve::PathMtu> Sleeve::path_mtu(PeerName peer) const {
  const auto it = links_.find(peer);
  if (it == links_.end()) return std::nullopt;
  const LinkState& l = *it->second;
  return PathMtu{l.pmtu.limit(), l.ip_mtu(), l.pmtu.state()};
}

void Sleeve::take_path_hints(TimePoint t) {
  for (const auto& report : udp_->take_path_reports()) {
    for (auto& [peer, l] : links_) {
      if (l->link.endpoint != report.to) continue;
      // The router's MTU is of IP: the datagram is that less the IPv4 and UDP headers.
      l->pmtu.hint(report.mtu > 28 ? report.mtu - 28u : 0, t);  // logged in probe_paths
    }
  }
}

void Sleeve::probe_paths() {
  if (!probe_timer_ || stopping_) return;
  const TimePoint t = now();
  // Every tick, flagged or not: an error a partly successful send consumed is not flagged.
  if (udp_) take_path_hints(t);
  for (auto& [peer, l] : links_) {
    for (const auto& p : l->pmtu.due(t)) send_probe(*l, p, t);
    if (l->pmtu.hints_taken() != l->logged_hints) {
      l->logged_hints = l->pmtu.hints_taken();
      log::info(
          "sleeve: a router says the path to {} carries {}-byte datagrams, below {}: "
          "checking it",
          peer.to_string(), l->pmtu.last_hint(), l->pmtu.limit());
    }
    const auto state = l->pmtu.state();
    if (state != router::PathMtuProber::State::probing &&
        (state != l->logged_state || l->pmtu.limit() != l->logged_limit)) {
      if (state == router::PathMtuProber::State::verified) {
        log::info("sleeve: path MTU to {}: {}-byte datagrams reach it (IP MTU {}{})",
                  peer.to_string(), l->pmtu.limit(), l->ip_mtu(),
                  l->pmtu.limit() < l->pmtu.ceiling() ? ", below this host's underlay" : "");
      } else {
        log::warn(
            "sleeve: path MTU to {}: no probe answered, not even {} bytes (an older weftd, or "
            "the path is down); datagrams of up to {} bytes are sent unverified",
            peer.to_string(), router::PathMtuProber::kFloor, l->pmtu.limit());
      }
      l->logged_state = state;
      l->logged_limit = l->pmtu.limit();
    }
  }
  // Probes went out directly (send_probe); answers are queued in read turns, which flush.
  probe_timer_->expires_after(kProbeTick);
  probe_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) probe_paths();
  });
}

void Sleeve::send_probe(LinkState& l, const router::PathMtuProbe& p, TimePoint t) {
  const auto message = router::encode_sleeve_control(
      {router::SleeveControlKind::probe, p.id, static_cast<std::uint16_t>(p.size)},
      router::sleeve_probe_padding(p.size, l.tx.overhead()));
  l.tx.begin(probe_buf_);
  if (!l.tx.append(probe_buf_, {self_, PeerName(), 1, message}, p.size)) return;
  l.tx.finish(probe_buf_, t);
  const UdpOutgoing out{probe_buf_, l.link.endpoint};
  auto sent = udp_->send(std::span(&out, 1));
  if (!sent) {
    if (!l.probe_warned)
      log::warn("sleeve: path MTU probe to {}: {}", l.link.peer.to_string(),
                sent.error().message());
    l.probe_warned = true;
    drop("probe_not_sent");
    return;
  }
  if (*sent == 1) {
    ++l.stats.packets_sent;
    l.stats.bytes_sent += probe_buf_.size();
  }
}

void Sleeve::on_control(LinkState& l, const router::SleeveRecord& r, std::size_t datagram_bytes,
                        TimePoint t) {
  auto m = router::decode_sleeve_control(r.frame);
  if (!m) {
    drop("malformed");
    return;
  }
  if (m->kind == router::SleeveControlKind::probe_ack) {
    l.pmtu.acked(m->id, m->size, t);
    return;
  }
  // A probe proves its size only if it arrived whole at that size.
  if (m->size != datagram_bytes) {
    drop("probe_size");
    return;
  }
  const auto ack =
      router::encode_sleeve_control({router::SleeveControlKind::probe_ack, m->id, m->size});
  queue({l.link.peer, {self_, PeerName(), 1, ack}}, t);  // sent with this turn's datagrams
}

std::vector<PeerName> Sleeve::left_sleeve(const std::set<PeerName>& next) const {
  std::vector<PeerName> out;
  for (const PeerName p : forwarder_.sleeve_peers()) {
    if (!next.contains(p)) out.push_back(p);
  }
  return out;
}

void Sleeve::drop(const char* reason, std::uint64_t n) {
  drops_[reason] += n;
}

void Sleeve::read_tap() {
  if (!tap_wait_ || stopping_) return;
  tap_wait_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                        [this](const boost::system::error_code& ec) {
                          if (ec || stopping_ || !tap_) return;
                          drain_tap();
                          read_tap();
                        });
}

void Sleeve::drain_tap() {
  const TimePoint t = now();
  for (std::size_t i = 0; i < kBurst; ++i) {
    auto n = tap_->read(frame_buf_);
    if (!n) {
      log::error("sleeve: {}", n.error().message());
      break;
    }
    if (!*n) break;
    const std::span<std::uint8_t> read(frame_buf_.data(), **n);
    frames_.clear();
    if (tap_->vnet_header()) {
      // A TCP super-frame becomes its segments, checksums completed (offload.hpp).
      if (auto r = router::finish_offloads(read, segments_, frames_); !r) {
        drop("offload");
        continue;
      }
    } else {
      frames_.emplace_back(read.data(), read.size());
    }
    // queue copies each frame into its datagram, so the buffers are free again and
    // frames to one peer share datagrams.
    for (const auto frame : frames_) {
      for (const auto& hop : forwarder_.from_bridge(frame, t)) queue(hop, t);
    }
    // A super-frame fills dozens of datagrams: send them before reading more, so the
    // socket's queue takes them in bursts it can hold.
    if (frames_.size() > 1) flush(t);
  }
  flush(now());
}

void Sleeve::queue(const router::SleeveHop& hop, TimePoint t) {
  auto it = links_.find(hop.next);
  if (it == links_.end()) {
    drop("no_link");
    return;
  }
  LinkState& l = *it->second;
  const std::size_t limit = l.pmtu.limit();  // this link's path MTU
  if (l.pending.empty()) l.tx.begin(l.pending);
  if (l.tx.append(l.pending, hop.record, limit)) return;
  if (l.pending.size() > router::kSleeveHeaderBytes) {
    close_datagram(l, t);
    l.tx.begin(l.pending);
    if (l.tx.append(l.pending, hop.record, limit)) return;
  }
  // Larger than a datagram to this peer carries (the pod's MTU is the fast path's and the
  // peer fell back to the sleeve, or the path to it is narrower than this host's underlay):
  // as a router would, IPv4 without DF is fragmented, and a DF packet gets "fragmentation
  // needed" (IPv6: "packet too big") with the MTU that fits, so its sender's stack lowers
  // the path MTU.
  l.pending.clear();
  if (const auto pieces = router::fragment_ipv4(hop.record.frame, l.ip_mtu()); !pieces.empty()) {
    ++fragmented_;
    for (const auto& piece : pieces) {
      router::SleeveHop h = hop;
      h.record.frame = piece;
      queue(h, t);  // each fits (and a piece that did not could not be cut again)
    }
    return;
  }
  // IPv6 of up to 1280 bytes crosses every link whole (RFC 8200 section 5), and hosts ignore
  // "packet too big" below that: over a path narrower than 1280, such a packet goes in a
  // datagram of its own without DF, for the underlay to fragment and the peer's kernel to
  // put together again.
  if (router::ipv6_within_minimum_mtu(hop.record.frame)) {
    std::vector<std::uint8_t> d;
    l.tx.begin(d);
    if (l.tx.append(d, hop.record, l.pmtu.ceiling())) {
      l.tx.finish(d, t);
      l.ready_fragmentable.push_back(std::move(d));  // counted once sent (send_ready)
      return;
    }
  }
  drop(answer_too_big(hop, l.ip_mtu(), t));
}

const char* Sleeve::answer_too_big(const router::SleeveHop& hop, std::uint16_t mtu, TimePoint t) {
  constexpr const char* kUnanswered = "too_big";
  constexpr const char* kAnswered = "too_big_answered";
  // nullopt for an ICMP error itself, so answering can never loop.
  auto icmp = router::icmp_frag_needed(hop.record.frame, mtu);
  if (!icmp) icmp = router::icmp6_packet_too_big(hop.record.frame, mtu);
  if (!icmp) return kUnanswered;
  // Taken only for an answer about to go out, so frames never answered spend nothing.
  constexpr const char* kLimited = "too_big_rate_limited";
  // Counted against the address the answer goes to: the packet's source.
  const auto to = router::frame_source(hop.record.frame);
  if (hop.record.origin == self_) {
    if (!icmp_budget_.take(to, t)) return kLimited;
    auto w = tap_->write(*icmp);
    return w && *w ? kAnswered : kUnanswered;
  }
  // Relayed for another peer's pod: the answer goes back to that peer in the name of the
  // peer the frame was going to, whose pod's MAC it carries (so MAC learning stays right).
  // Only for a unicast destination: a broadcast's answer would carry a group MAC as its
  // source. (A flooded unknown unicast names a guessed peer; the next frame from the pod
  // itself corrects what the origin learns.)
  if ((hop.record.frame[0] & 0x01) != 0) return kUnanswered;
  const auto back = forwarder_.next_hop(hop.record.origin);
  if (!back) return kUnanswered;
  if (!icmp_budget_.take(to, t)) return kLimited;
  queue({*back, {hop.record.destination, hop.record.origin, router::kSleeveDefaultTtl, *icmp}}, t);
  return kAnswered;
}

void Sleeve::close_datagram(LinkState& l, TimePoint t) {
  if (l.pending.size() > router::kSleeveHeaderBytes) {  // holds records: seal it
    l.tx.finish(l.pending, t);
    l.ready.push_back(std::move(l.pending));
  }
  l.pending.clear();
}

void Sleeve::flush(TimePoint t) {
  for (auto& [peer, l] : links_) close_datagram(*l, t);
  send_ready(false);
  send_ready(true);
}

void Sleeve::send_ready(bool fragmentable) {
  std::vector<UdpOutgoing> out;
  std::vector<LinkState*> from;  // whose datagram each is, to count only what went out
  for (auto& [peer, l] : links_) {
    for (const auto& d : fragmentable ? l->ready_fragmentable : l->ready) {
      out.push_back({d, l->link.endpoint});
      from.push_back(l.get());
    }
  }
  if (!out.empty()) {
    auto sent = fragmentable ? udp_->send_fragmentable(out) : udp_->send(out);
    if (!sent) log::error("sleeve: {}", sent.error().message());
    // The socket hands the kernel datagrams in order and stops at a full queue: the first
    // *sent went out (or, for a peer found unreachable, were given up on), the rest are lost.
    const std::size_t n = sent ? std::min(*sent, out.size()) : 0;
    for (std::size_t i = 0; i < n; ++i) {
      ++from[i]->stats.packets_sent;
      from[i]->stats.bytes_sent += out[i].bytes.size();
    }
    if (fragmentable) outer_fragmented_ += n;
    if (n < out.size()) drop(sent ? "send_queue_full" : "send_failed", out.size() - n);
  }
  for (auto& [peer, l] : links_) (fragmentable ? l->ready_fragmentable : l->ready).clear();
}

void Sleeve::read_udp() {
  if (!udp_wait_ || stopping_) return;
  udp_wait_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                        [this](const boost::system::error_code& ec) {
                          if (ec || stopping_ || !udp_) return;
                          for (int turn = 0; turn < 4; ++turn) {
                            auto n = udp_->receive(slots_);
                            if (udp_->path_errors_waiting()) take_path_hints(now());
                            if (!n) {
                              log::error("sleeve: {}", n.error().message());
                              break;
                            }
                            const TimePoint t = now();
                            for (std::size_t i = 0; i < *n; ++i) {
                              for_each_datagram(slots_[i], [&](std::span<std::uint8_t> d) {
                                on_datagram(d, slots_[i].from, t);
                              });
                            }
                            write_coalesced();  // before the slots are reused
                            flush(t);
                            if (*n < slots_.size()) break;
                          }
                          read_udp();
                        });
}

void Sleeve::on_datagram(std::span<std::uint8_t> bytes, const UdpEndpoint& from, TimePoint t) {
  auto h = router::decode_sleeve_header(bytes);
  if (!h) {
    drop("malformed");
    return;
  }
  auto it = links_.find(h->sender);
  if (it == links_.end()) {
    drop("unknown_sender");
    return;
  }
  LinkState& l = *it->second;
  records_.clear();
  auto opened = l.rx.open(bytes, records_);
  if (!opened) {
    if (opened.error().code() == Errc::corrupt) {
      ++l.stats.decrypt_failures;
    } else if (opened.error().code() == Errc::out_of_range) {
      ++l.stats.replays;
    } else {
      drop("malformed");
    }
    if (!l.warned) {
      log::warn("sleeve: {}", opened.error().message());
      l.warned = true;  // once per link: a flood of forgeries must not flood the log
    }
    return;
  }
  ++l.stats.packets_received;
  l.stats.bytes_received += bytes.size();
  // Authenticated: the peer is where this came from (roaming, NAT). Unsealed datagrams
  // prove nothing about their source, so they do not move the endpoint.
  if (l.link.keys.encrypted) l.link.endpoint = from;
  for (const auto& r : records_) {
    if (router::is_sleeve_control(r)) {
      on_control(l, r, bytes.size(), t);
      continue;
    }
    const auto d = forwarder_.from_peer(r, t);
    if (d.to_bridge) {
      if (tap_->vnet_header()) {
        coalescer_.add(r.frame);  // written after the batch, merged where GRO would
      } else {
        tap_result(tap_->write(r.frame));
      }
    } else if (d.relay) {
      queue(*d.relay, t);
    } else if (d.dropped) {
      drop(d.dropped);
    }
  }
}

void Sleeve::tap_result(const Result<bool>& w) {
  if (!w) {
    log::error("sleeve: {}", w.error().message());
  } else if (!*w) {
    drop("tap_queue_full");
  }
}

void Sleeve::write_coalesced() {
  coalescer_.flush(
      [this](const router::VnetHeader& h, std::span<const std::span<const std::uint8_t>> parts) {
        const auto vnet = router::encode_vnet_header(h);
        tap_result(tap_->write(vnet, parts));
      });
}

void Sleeve::publish_metrics() {
  // The data path only counts; a counter gets what was added since the last publish.
  const auto add = [&](const char* name, const char* help, const MetricLabels& labels,
                       std::uint64_t now_v, std::uint64_t& was) {
    if (now_v > was) metrics_.counter(name, help, labels).inc(static_cast<double>(now_v - was));
    was = now_v;
  };
  for (auto& [peer, l] : links_) {
    const std::string p = peer.to_string();
    add("weft_sleeve_packets_total", "Sleeve datagrams by peer and direction.",
        {{"peer", p}, {"direction", "sent"}}, l->stats.packets_sent, l->published.packets_sent);
    add("weft_sleeve_packets_total", "Sleeve datagrams by peer and direction.",
        {{"peer", p}, {"direction", "received"}}, l->stats.packets_received,
        l->published.packets_received);
    add("weft_sleeve_bytes_total", "Sleeve datagram bytes by peer and direction.",
        {{"peer", p}, {"direction", "sent"}}, l->stats.bytes_sent, l->published.bytes_sent);
    add("weft_sleeve_bytes_total", "Sleeve datagram bytes by peer and direction.",
        {{"peer", p}, {"direction", "received"}}, l->stats.bytes_received,
        l->published.bytes_received);
    add("weft_sleeve_decrypt_failures_total",
        "Sleeve datagrams that failed authentication (tampered, or another key).", {{"peer", p}},
        l->stats.decrypt_failures, l->published.decrypt_failures);
    add("weft_sleeve_replays_total", "Sleeve datagrams dropped as replayed or too old.",
        {{"peer", p}}, l->stats.replays, l->published.replays);
    add("weft_sleeve_pmtu_probes_total", "Path MTU probes sent to the peer.", {{"peer", p}},
        l->pmtu.probes_sent(), l->published_probes);
    add("weft_sleeve_pmtu_searches_total",
        "Path MTU searches: the limit went unanswered (a narrower path, or a peer that "
        "answers no probes).",
        {{"peer", p}}, l->pmtu.searches(), l->published_searches);
    add("weft_sleeve_pmtu_hints_total",
        "Routers' ICMP 'fragmentation needed' for datagrams to the peer that brought a path "
        "check forward.",
        {{"peer", p}}, l->pmtu.hints_taken(), l->published_hints);
    metrics_
        .gauge("weft_sleeve_path_mtu",
               "The largest IP packet the sleeve carries to the peer unfragmented (path MTU "
               "found by probes, less the sleeve's overhead).",
               {{"peer", p}})
        .set(static_cast<double>(l->ip_mtu()));
  }
  add("weft_sleeve_gro_segments_total",
      "Received TCP segments merged into super-frames before weft-tap (receive offload).", {},
      coalescer_.merged_segments(), published_gro_segments_);
  add("weft_sleeve_gro_frames_total", "Super-frames written to weft-tap with GSO.", {},
      coalescer_.super_frames(), published_gro_frames_);
  add("weft_sleeve_fragmented_total",
      "IPv4 packets without DF cut into fragments to fit a peer's path MTU.", {}, fragmented_,
      published_fragmented_);
  add("weft_sleeve_underlay_fragmented_total",
      "IPv6 packets of up to 1280 bytes sent sealed without DF over a path narrower than "
      "that, for the underlay to fragment.",
      {}, outer_fragmented_, published_outer_fragmented_);
  for (auto& [reason, n] : drops_) {
    metrics_
        .counter("weft_sleeve_dropped_total", "Frames and datagrams the sleeve dropped, by why.",
                 {{"reason", reason}})
        .inc(static_cast<double>(n));
  }
  drops_.clear();
}

}  // namespace weft::weftd
