// SPDX-License-Identifier: Apache-2.0
// Mesh: connection lifecycle (dial, handshake, establish, close) and timers.
// Message handling is in mesh_messages.cpp.
#include "weft/gossip/mesh.hpp"

#include "weft/base/log.hpp"

#include <algorithm>

namespace weft::gossip {
namespace {
constexpr std::size_t kRecentFailures = 16;
constexpr Duration kRecentFailureAge = std::chrono::minutes(5);
// How long a peer whose connection dropped is redialled at its last address, even when no
// topology entry mentions that address any more (a peer killed, rebooted or partitioned
// away). Long enough to ride out a restart or an outage, short enough not to dial a
// decommissioned host forever.
constexpr Duration kLostPeerRetention = std::chrono::minutes(15);

ConnectionMakerConfig maker_config(const MeshConfig& c) {
  ConnectionMakerConfig m = c.maker;
  m.default_port = c.port;  // targets without a port use the mesh port
  return m;
}

Duration jitter(Rng& rng, Duration d) {
  // Spread periodic work over [d/2, 3d/2) so neighbours do not synchronise.
  const auto span = static_cast<std::uint64_t>(d.count());
  return Duration(static_cast<Duration::rep>(span / 2 + rng.uniform(span + 1)));
}
}  // namespace

Mesh::Mesh(MeshConfig config, Rng& rng, TimePoint now)
    : config_(std::move(config)),
      rng_(rng),
      now_(now),
      topology_(config_.name, config_.nickname, config_.incarnation, config_.interner),
      maker_(maker_config(config_), rng) {}

Result<std::string> Mesh::connect(std::string_view target, TimePoint now) {
  now_ = now;
  return maker_.add_direct(target, now);
}

std::string Mesh::nickname_of(PeerName peer) const {
  if (const auto* e = topology_.find(peer)) return e->nickname;
  const auto it = forgotten_nicknames_.find(peer);
  return it == forgotten_nicknames_.end() ? std::string() : it->second;
}

std::optional<PeerName> Mesh::find_by_nickname(std::string_view nickname) const {
  for (const auto& [name, entry] : topology_.entries()) {
    if (entry->nickname == nickname) return name;
  }
  for (const auto& [name, nick] : forgotten_nicknames_) {
    if (nick == nickname) return name;
  }
  return std::nullopt;
}

bool Mesh::forget(std::string_view target) {
  if (auto a = ConnectionMaker::normalize(target, config_.port)) lost_.erase(*a);
  return maker_.forget(target);
}

GossipChannel Mesh::register_channel(std::string name, Gossiper& gossiper) {
  channels_[name] = &gossiper;
  stats_.channels[name];
  return GossipChannel(*this, std::move(name));
}

ConnId Mesh::on_accepted(std::string remote_address, TimePoint now) {
  now_ = now;
  const ConnId id = next_id_++;
  Conn& c = conns_[id];
  c.id = id;
  c.outbound = false;
  c.address = std::move(remote_address);
  c.opened = now;
  start_handshake(c);
  return id;
}

void Mesh::on_dialed(ConnId id, TimePoint now) {
  now_ = now;
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  it->second.opened = now;
  start_handshake(it->second);
}

void Mesh::on_dial_failed(ConnId id, std::string reason, TimePoint now) {
  now_ = now;
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  maker_.on_attempt_failed(it->second.address, reason, now);
  conns_.erase(it);
}

void Mesh::start_handshake(Conn& c) {
  HandshakeConfig hc;
  hc.name = config_.name;
  hc.incarnation = config_.incarnation;
  hc.static_public = config_.static_public;
  hc.static_secret = config_.static_secret;
  hc.psk = config_.psk;
  c.state = Conn::State::handshaking;
  c.handshake.emplace(hc, c.outbound, rng_);
  c.last_received = now_;
  Bytes out;
  append_frame(out, c.handshake->hello_payload());
  stats_.bytes_sent += out.size();
  c.last_sent = now_;
  effects_.push_back(SendEffect{c.id, std::move(out)});
}

void Mesh::send_handshake_frame(Conn& c, std::span<const std::uint8_t> payload) {
  Bytes out;
  append_frame(out, payload);
  stats_.bytes_sent += out.size();
  c.last_sent = now_;
  effects_.push_back(SendEffect{c.id, std::move(out)});
}

void Mesh::on_bytes(ConnId id, std::span<const std::uint8_t> bytes, TimePoint now) {
  now_ = now;
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn& c = it->second;
  c.last_received = now;
  stats_.bytes_received += bytes.size();
  if (auto fed = c.reader.feed(bytes); !fed) {
    close(id, fed.error().message());
    return;
  }
  while (true) {
    // The connection may be closed by the frame just handled.
    auto again = conns_.find(id);
    if (again == conns_.end()) return;
    auto frame = again->second.reader.next();
    if (!frame) return;
    on_frame(again->second, *frame);
  }
}

void Mesh::on_frame(Conn& c, std::span<const std::uint8_t> frame) {
  if (c.state == Conn::State::handshaking && !c.hello_received) {
    c.hello_received = true;
    auto auth = c.handshake->on_hello(frame);
    if (!auth) {
      const bool self = kind_of(auth.error()) == HandshakeError::connection_to_self;
      close(c.id, auth.error().message(), self);
      return;
    }
    // The dialler proves it knows the password first. The accepting side holds its own
    // auth frame back until that proof checks out, so a stranger who dials a weftd never
    // receives anything keyed by the password that it could test guesses against offline.
    if (c.outbound) {
      send_handshake_frame(c, *auth);
    } else {
      c.held_auth = std::move(*auth);
    }
    c.peer = c.handshake->remote_hello().name;
    return;
  }
  if (c.state == Conn::State::handshaking) {
    auto session = c.handshake->on_auth(frame);
    if (!session) {
      // Tell the dialler it failed without telling it anything else: an all-zero auth
      // frame never verifies, so it reports the same reason ("password mismatch").
      if (!c.outbound) send_handshake_frame(c, Bytes(c.held_auth.size(), 0));
      close(c.id, session.error().message());
      return;
    }
    if (!c.outbound) send_handshake_frame(c, c.held_auth);
    c.session.emplace(std::move(*session));
    c.handshake.reset();
    on_established(c);
    return;
  }
  auto opened = c.session->open(frame);
  if (!opened) {
    close(c.id, opened.error().message());
    return;
  }
  if (!*opened) return;  // an internal record (rekey)
  auto msg = decode_message(**opened);
  if (!msg) {
    close(c.id, "undecodable message from " + c.peer.to_string() + ": " + msg.error().message());
    return;
  }
  if (std::holds_alternative<Heartbeat>(*msg) || std::holds_alternative<TopologyUpdate>(*msg) ||
      std::holds_alternative<TopologyDigest>(*msg) || std::holds_alternative<DigestHash>(*msg) ||
      std::holds_alternative<TopologyRequest>(*msg)) {
    // Channel traffic is counted per channel where it is dispatched.
    auto& st = stats_.channels[std::holds_alternative<Heartbeat>(*msg) ? "heartbeat" : "topology"];
    ++st.messages_received;
    st.bytes_received += frame.size();
  }
  on_message(c, std::move(*msg));
}

Mesh::Conn* Mesh::established_to(PeerName peer) {
  for (auto& [id, c] : conns_) {
    if (c.state == Conn::State::established && c.peer == peer) return &c;
  }
  return nullptr;
}

void Mesh::on_established(Conn& c) {
  // Two connections between one pair (both dialled at once): keep the one dialled by the
  // lower name, so both ends pick the same one; with one dialler, keep the older.
  if (Conn* other = established_to(c.peer)) {
    const ConnId id = c.id;  // `c` is gone if it loses
    const PeerName peer = c.peer;
    const PeerName mine = c.outbound ? config_.name : c.peer;
    const PeerName theirs = other->outbound ? config_.name : other->peer;
    const ConnId loser = mine < theirs ? other->id : id;
    Conn& lost = conns_.at(loser);
    Conn& kept = loser == id ? *other : c;
    // The kept connection now stands for the loser's target: when it ends, that target is
    // disconnected and dialled again.
    if (lost.outbound) kept.covers_target = lost.address;
    if (!lost.covers_target.empty()) kept.covers_target = lost.covers_target;
    close(loser, "duplicate connection to " + peer.to_string(), false, true);
    if (loser == id) return;
  }
  c.state = Conn::State::established;
  c.next_digest = now_ + jitter(rng_, config_.digest_interval);
  // Channels' state goes to a new neighbour at once (Weave does the same), so a joining
  // peer learns the IPAM ring or a consensus round without waiting for the periodic gossip.
  c.next_gossip = now_;
  if (c.outbound) maker_.on_connected(c.address);
  std::erase_if(lost_, [&c](const auto& kv) { return kv.second.peer == c.peer; });
  log::info("mesh: connection {} {} established ({})", c.outbound ? "to" : "from", describe(c),
            c.session->encrypted() ? "encrypted" : "unencrypted");
  local_connections_changed();
  // Repair: each end sends its full digest; the other asks for the entries it lacks.
  send(c, TopologyDigest{false, topology_.digest()}, "topology");
}

void Mesh::on_closed(ConnId id, std::string reason, TimePoint now) {
  now_ = now;
  close(id, std::move(reason));
}

void Mesh::close(ConnId id, std::string reason, bool never_retry, bool duplicate) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn c = std::move(it->second);
  conns_.erase(it);
  effects_.push_back(CloseEffect{id, reason});
  ++stats_.terminations;
  // A handshake that fails (wrong password, version, encryption) needs the operator; a
  // refused dial or a closed connection is routine and retried.
  const bool handshake_failed = c.state == Conn::State::handshaking && !duplicate;
  if (handshake_failed) {
    log::warn("mesh: connection {} {} failed: {}", c.outbound ? "to" : "from", describe(c), reason);
  } else {
    log::info("mesh: connection {} {} ended: {}", c.outbound ? "to" : "from", describe(c), reason);
  }
  if (!duplicate && !c.covers_target.empty() && c.covers_target != c.address) {
    maker_.on_disconnected(c.covers_target, reason, now_);
  }
  if (duplicate) {
    // Both ends dialled at once and this one lost the tie-break: not a failure, the peer is
    // connected through the other connection.
    if (c.outbound) maker_.on_connected(c.address);
  } else if (c.outbound) {
    if (c.state == Conn::State::established) {
      maker_.on_disconnected(c.address, reason, now_);
    } else {
      maker_.on_attempt_failed(c.address, reason, now_, never_retry);
    }
  } else if (c.state != Conn::State::established) {
    recent_failures_.push_back({c.address, reason, now_});
    if (recent_failures_.size() > kRecentFailures) recent_failures_.pop_front();
  }
  if (c.state == Conn::State::established) {
    // Entries asked for on this connection will not come: look for them elsewhere now.
    for (auto& [name, r] : requested_) {
      if (r.asked == id && r.until > now_) {
        r.until = now_;
        request_check_at_ = now_;
      }
    }
    if (config_.maker.discovery) {
      lost_[listen_address(c)] = {c.peer, now_};
      discovery_dirty_ = true;
    }
    local_connections_changed();
  }
}

void Mesh::check_requests() {
  // An entry asked for and never delivered (the connection it was asked on closed, or lost
  // a duplicate tie-break) would otherwise wait for the next periodic digest check, up to
  // 45 s. Compare digest hashes with every neighbour now instead: any that holds the entry
  // answers with its digest and the entry is pulled from it.
  request_check_at_.reset();
  bool missed = false;
  for (auto it = requested_.begin(); it != requested_.end();) {
    if (it->second.until > now_) {
      if (!request_check_at_ || it->second.until < *request_check_at_) {
        request_check_at_ = it->second.until;
      }
      ++it;
      continue;
    }
    missed |= topology_.version_of(it->first) < it->second.version;
    it = requested_.erase(it);
  }
  if (!missed) return;
  ++stats_.request_repairs;
  for (auto& [id, c] : conns_) {
    if (c.state == Conn::State::established) c.next_digest = now_;
  }
}

std::string Mesh::listen_address(const Conn& c) const {
  if (c.outbound) return c.address;
  // An inbound connection's port is ephemeral; the peer listens on the mesh port.
  const auto colon = c.address.rfind(':');
  return c.address.substr(0, colon) + ":" + std::to_string(config_.port);
}

void Mesh::local_connections_changed() {
  std::vector<ConnectionEntry> entries;
  for (const auto& [id, c] : conns_) {
    if (c.state != Conn::State::established) continue;
    ConnectionEntry e;
    e.peer = c.peer;
    e.outbound = c.outbound;
    e.established = true;
    e.address = listen_address(c);
    entries.push_back(std::move(e));
  }
  if (topology_.set_local_connections(std::move(entries))) {
    last_change_ = now_;
    queue_announce(config_.name, std::nullopt);
    gc_at_ = now_ + config_.gc_delay;
    discovery_dirty_ = true;
  }
}

void Mesh::on_tick(TimePoint now) {
  now_ = now;
  if (request_check_at_ && *request_check_at_ <= now) check_requests();
  std::vector<std::pair<ConnId, std::string>> to_close;
  for (auto& [id, c] : conns_) {
    if (c.state == Conn::State::handshaking && now - c.opened >= config_.handshake_timeout) {
      to_close.emplace_back(id, "handshake timed out");
      continue;
    }
    if (c.state != Conn::State::established) continue;
    if (now - c.last_received >= config_.heartbeat_timeout) {
      to_close.emplace_back(id, "no data for " +
                                    std::to_string(to_millis(config_.heartbeat_timeout) / 1000) +
                                    " s (heartbeat timeout)");
      continue;
    }
    if (c.flush_at && *c.flush_at <= now) flush_announce(c);
    if (c.next_digest <= now) {
      send(c, DigestHash{topology_.digest_hash(), static_cast<std::uint32_t>(topology_.size())},
           "topology");
      c.next_digest = now + jitter(rng_, config_.digest_interval);
    }
    if (c.next_gossip <= now) {
      for (auto& [name, g] : channels_) {
        if (auto data = g->gossip()) send(c, ChannelGossip{name, config_.name, *data}, name);
      }
      c.next_gossip = now + jitter(rng_, config_.gossip_interval);
    }
    if (now - c.last_sent >= config_.heartbeat_interval) send(c, Heartbeat{}, "heartbeat");
  }
  for (auto& [id, reason] : to_close) close(id, reason);

  if (gc_at_ && *gc_at_ <= now) {
    gc_at_.reset();
    // Nicknames outlive the entries, so `weft rmpeer NICKNAME` and status can still name a
    // peer that is gone (bounded: the oldest are dropped first).
    for (const auto& [name, entry] : topology_.entries()) {
      if (name == config_.name || topology_.routes().is_reachable(name)) continue;
      if (forgotten_nicknames_.emplace(name, entry->nickname).second) {
        forgotten_order_.push_back(name);
      }
    }
    while (forgotten_order_.size() > kForgottenNicknames) {
      forgotten_nicknames_.erase(forgotten_order_.front());
      forgotten_order_.pop_front();
    }
    for (auto gone : topology_.remove_unreachable()) {
      log::debug("mesh: forgot unreachable peer {}", gone.to_string());
      discovery_dirty_ = true;
    }
  }
  for (const auto& [address, lost] : lost_) {
    if (now - lost.at > kLostPeerRetention) discovery_dirty_ = true;
  }
  if (discovery_dirty_) update_discovery();
  while (!recent_failures_.empty() && now - recent_failures_.front().at > kRecentFailureAge) {
    recent_failures_.pop_front();
  }
  dial_due();
}

void Mesh::dial_due() {
  for (auto& address : maker_.take_due(now_, conns_.size())) {
    const ConnId id = next_id_++;
    Conn& c = conns_[id];
    c.id = id;
    c.outbound = true;
    c.address = address;
    c.opened = now_;
    c.state = Conn::State::connecting;
    effects_.push_back(DialEffect{id, address});
  }
}

void Mesh::update_discovery() {
  discovery_dirty_ = false;
  if (!config_.maker.discovery) return;
  // One pass over the connections, not one per topology edge: this runs on every
  // topology change, and N peers have ~N x 8 edges.
  std::set<PeerName> established;
  for (const auto& [id, c] : conns_) {
    if (c.state == Conn::State::established) established.insert(c.peer);
  }
  std::set<std::string> addresses;
  for (const auto& [name, e] : topology_.entries()) {
    for (const auto& conn : e->connections) {
      if (conn.peer == config_.name || established.count(conn.peer) > 0) continue;
      addresses.insert(conn.address);
    }
  }
  std::erase_if(lost_, [this](const auto& kv) { return now_ - kv.second.at > kLostPeerRetention; });
  for (const auto& [address, lost] : lost_) {
    if (established.count(lost.peer) == 0) addresses.insert(address);
  }
  maker_.set_discovered(addresses, now_);
}

TimePoint Mesh::next_deadline() const {
  TimePoint next = maker_.next_deadline();
  for (const auto& [id, c] : conns_) {
    if (c.state == Conn::State::handshaking) {
      next = std::min(next, c.opened + config_.handshake_timeout);
    }
    if (c.state != Conn::State::established) continue;
    if (c.flush_at) next = std::min(next, *c.flush_at);
    next = std::min({next, c.next_digest, c.next_gossip, c.last_sent + config_.heartbeat_interval,
                     c.last_received + config_.heartbeat_timeout});
  }
  if (gc_at_) next = std::min(next, *gc_at_);
  if (request_check_at_) next = std::min(next, *request_check_at_);
  return next;
}

std::vector<Effect> Mesh::take_effects() {
  std::vector<Effect> out;
  out.swap(effects_);
  return out;
}

std::size_t Mesh::established_count() const {
  return static_cast<std::size_t>(std::count_if(conns_.begin(), conns_.end(), [](const auto& kv) {
    return kv.second.state == Conn::State::established;
  }));
}

std::string Mesh::describe(const Conn& c) const {
  std::string s = c.address;
  if (c.peer.is_valid()) {
    s += " (" + c.peer.to_string();
    if (const auto* e = topology_.find(c.peer); e && !e->nickname.empty()) s += " " + e->nickname;
    s += ")";
  }
  return s;
}

std::optional<SleeveKeys> Mesh::sleeve_keys(PeerName peer) const {
  for (const auto& [id, c] : conns_) {
    if (c.state != Conn::State::established || c.peer != peer || !c.session) continue;
    // Labels by role, so the dialler's send key is the acceptor's receive key.
    const auto dialler_to_acceptor = c.session->export_key("sleeve dialler->acceptor");
    const auto acceptor_to_dialler = c.session->export_key("sleeve acceptor->dialler");
    SleeveKeys k;
    k.conn = id;
    k.encrypted = c.session->encrypted();
    k.send = c.outbound ? dialler_to_acceptor : acceptor_to_dialler;
    k.recv = c.outbound ? acceptor_to_dialler : dialler_to_acceptor;
    return k;
  }
  return std::nullopt;
}

std::vector<ConnectionStatus> Mesh::connections(TimePoint now) const {
  std::vector<ConnectionStatus> out;
  for (const auto& [id, c] : conns_) {
    ConnectionStatus s;
    s.id = id;
    s.address = c.address;
    s.outbound = c.outbound;
    s.peer = c.peer;
    switch (c.state) {
      case Conn::State::connecting: s.state = "connecting"; break;
      case Conn::State::handshaking: s.state = "pending"; break;
      case Conn::State::established: s.state = "established"; break;
    }
    s.encrypted = c.session ? c.session->encrypted() : config_.psk.has_value();
    if (c.peer.is_valid()) {
      const auto* e = topology_.find(c.peer);
      s.info = c.peer.to_string() + "(" + (e ? e->nickname : std::string()) + ")";
    }
    out.push_back(std::move(s));
  }
  // Outbound targets that are waiting after a failure (retrying), and recent inbound failures.
  for (const auto& t : maker_.status()) {
    if (t.state != "failed") continue;
    ConnectionStatus s;
    s.address = t.address;
    s.outbound = true;
    s.state = "failed";
    s.info =
        t.last_error + ", retry: " +
        (t.never_retry
             ? std::string("never")
             : std::to_string(std::max<std::int64_t>(0, to_millis(t.next_try - now) / 1000)) + "s");
    s.encrypted = config_.psk.has_value();
    out.push_back(std::move(s));
  }
  for (const auto& f : recent_failures_) {
    ConnectionStatus s;
    s.address = f.address;
    s.outbound = false;
    s.state = "failed";
    s.info = f.reason + " (" + std::to_string(to_millis(now - f.at) / 1000) + "s ago)";
    s.encrypted = config_.psk.has_value();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace weft::gossip
