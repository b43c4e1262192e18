// SPDX-License-Identifier: Apache-2.0
#include "mesh_sim.hpp"

#include <sodium.h>

namespace weft::testing {

using gossip::CloseEffect;
using gossip::DialEffect;
using gossip::SendEffect;

namespace {
constexpr Duration kConnectTimeout = std::chrono::seconds(1);
}

MeshSim::MeshSim(std::uint64_t seed, SimConfig net, gossip::MeshConfig base)
    : net_(seed, net), base_(std::move(base)), names_(seed ^ 0x5eed) {}

NodeId MeshSim::add_peer() {
  const NodeId n = net_.add_node();
  Peer p;
  p.rng = std::make_unique<Xoshiro256Rng>(names_.next());
  gossip::MeshConfig cfg = base_;
  cfg.name = PeerName::from_random(p.rng->next());
  cfg.nickname = "p" + std::to_string(n);
  cfg.incarnation = p.rng->next();
  for (auto& b : cfg.static_secret) b = static_cast<std::uint8_t>(p.rng->next());
  crypto_scalarmult_base(cfg.static_public.data(), cfg.static_secret.data());
  p.mesh = std::make_unique<gossip::Mesh>(cfg, *p.rng, net_.now());
  p.config = std::move(cfg);
  peers_.push_back(std::move(p));
  return n;
}

void MeshSim::restart(NodeId n) {
  Peer& p = peers_.at(n);
  WEFT_ASSERT(!net_.is_up(n), "restart() follows crash()");
  net_.restart(n);
  p.config.incarnation = p.rng->next();
  p.mesh = std::make_unique<gossip::Mesh>(p.config, *p.rng, net_.now());
  p.tick_at = TimePoint::max();
}

std::optional<NodeId> MeshSim::resolve(const std::string& address) const {
  if (address.size() < 2 || address[0] != 'p') return std::nullopt;
  const auto colon = address.find(':');
  const auto n = static_cast<NodeId>(std::stoul(address.substr(1, colon - 1)));
  if (n >= peers_.size()) return std::nullopt;
  return n;
}

void MeshSim::after_event(NodeId n) {
  Peer& p = peers_[n];
  for (auto& effect : p.mesh->take_effects()) {
    if (auto* d = std::get_if<DialEffect>(&effect)) {
      auto to = resolve(d->address);
      if (!to) {
        p.mesh->on_dial_failed(d->conn, "no such host", net_.now());
        continue;
      }
      p.dialing[d->conn] = *to;
      if (!net_.linked(n, *to)) {
        // Across a partition a router answers "no route to host" after a round trip.
        const auto conn = d->conn;
        net_.schedule(net_.now() + 2 * net_.link_latency(n, *to), [this, n, conn] {
          if (peers_[n].dialing.erase(conn) > 0) {
            peers_[n].mesh->on_dial_failed(conn, "no route to host", net_.now());
            after_event(n);
          }
        });
        continue;
      }
      net_.send(n, *to, SimPacket{SimPacket::Kind::syn, d->conn, 0, {}});
      // A dial that gets no answer (partition, crashed host) fails after the timeout.
      const auto conn = d->conn;
      net_.schedule(net_.now() + kConnectTimeout, [this, n, conn] {
        Peer& q = peers_[n];
        if (q.dialing.erase(conn) > 0) {
          q.mesh->on_dial_failed(conn, "connect timed out", net_.now());
          after_event(n);
        }
      });
    } else if (auto* s = std::get_if<SendEffect>(&effect)) {
      auto it = p.remote.find(s->conn);
      if (it == p.remote.end()) continue;
      net_.send(n, it->second.first,
                SimPacket{SimPacket::Kind::data, s->conn, it->second.second, std::move(s->bytes)});
    } else if (auto* c = std::get_if<CloseEffect>(&effect)) {
      p.dialing.erase(c->conn);
      auto it = p.remote.find(c->conn);
      if (it == p.remote.end()) continue;
      net_.send(n, it->second.first,
                SimPacket{SimPacket::Kind::fin, c->conn, it->second.second, {}});
      p.remote.erase(it);
    }
  }
  schedule_tick(n);
}

void MeshSim::schedule_tick(NodeId n) {
  Peer& p = peers_[n];
  const TimePoint next = p.mesh->next_deadline();
  if (next == TimePoint::max() || next >= p.tick_at) return;
  p.tick_at = next;
  net_.schedule(next, [this, n, next] {
    Peer& q = peers_[n];
    if (q.tick_at != next) return;  // superseded by an earlier tick
    q.tick_at = TimePoint::max();
    q.mesh->on_tick(net_.now());
    after_event(n);
  });
}

void MeshSim::deliver(NodeId from, NodeId to, SimPacket& pkt) {
  Peer& p = peers_[to];
  const auto now = net_.now();
  switch (pkt.kind) {
    case SimPacket::Kind::syn: {
      const auto conn = p.mesh->on_accepted(address_of(from).substr(0, address_of(from).find(':')) +
                                                ":" + std::to_string(40000 + pkt.from_conn % 20000),
                                            now);
      p.remote[conn] = {from, pkt.from_conn};
      net_.send(to, from, SimPacket{SimPacket::Kind::syn_ack, conn, pkt.from_conn, {}});
      break;
    }
    case SimPacket::Kind::syn_ack: {
      if (p.dialing.erase(pkt.to_conn) == 0) {
        // We gave up on this dial already: tell the other end.
        net_.send(to, from, SimPacket{SimPacket::Kind::fin, pkt.to_conn, pkt.from_conn, {}});
        return;
      }
      p.remote[pkt.to_conn] = {from, pkt.from_conn};
      p.mesh->on_dialed(pkt.to_conn, now);
      break;
    }
    case SimPacket::Kind::data:
      if (p.remote.count(pkt.to_conn) == 0) return;
      p.mesh->on_bytes(pkt.to_conn, pkt.bytes, now);
      break;
    case SimPacket::Kind::fin:
      if (p.remote.erase(pkt.to_conn) == 0) return;
      p.mesh->on_closed(pkt.to_conn, "connection closed by peer", now);
      break;
  }
  after_event(to);
}

void MeshSim::run_until(TimePoint t) {
  // Effects of calls made from outside (connect()) are picked up first.
  for (NodeId n = 0; n < peers_.size(); ++n) after_event(n);
  net_.run_until(t, [this](NodeId from, NodeId to, SimPacket& p) { deliver(from, to, p); });
}

void MeshSim::crash(NodeId n) {
  net_.crash(n);
  peers_.at(n).remote.clear();
  peers_.at(n).dialing.clear();
  for (NodeId m = 0; m < peers_.size(); ++m) {
    Peer& p = peers_[m];
    std::vector<gossip::ConnId> cut;
    for (const auto& [conn, far] : p.remote) {
      if (far.first == n) cut.push_back(conn);
    }
    for (auto conn : cut) {
      p.remote.erase(conn);
      p.mesh->on_closed(conn, "connection reset by peer", net_.now());
    }
    if (!cut.empty()) after_event(m);
  }
}

void MeshSim::partition(const std::vector<NodeId>& side) {
  net_.partition(side);
  // TCP across the cut breaks: both ends see their connections reset.
  for (NodeId n = 0; n < peers_.size(); ++n) {
    Peer& p = peers_[n];
    std::vector<gossip::ConnId> cut;
    for (const auto& [conn, far] : p.remote) {
      if (!net_.linked(n, far.first)) cut.push_back(conn);
    }
    for (auto conn : cut) {
      p.remote.erase(conn);
      p.mesh->on_closed(conn, "connection reset (network partition)", net_.now());
    }
    after_event(n);
  }
}

std::uint64_t MeshSim::bytes_sent(NodeId n) const {
  return peers_.at(n).mesh->stats().bytes_sent;
}

}  // namespace weft::testing
