// SPDX-License-Identifier: Apache-2.0
// Mesh: what arrives on an established connection (topology deltas, digests, channel
// traffic) and what is sent in return.
#include "weft/base/log.hpp"
#include "weft/gossip/mesh.hpp"

#include <algorithm>

namespace weft::gossip {
namespace {
enum ChannelKind { kUnicast, kBroadcast, kGossip };

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;
}  // namespace

void Mesh::send(Conn& c, const Message& msg, const std::string& stat_channel) {
  const Bytes plain = encode_message(msg);
  Bytes out;
  c.session->seal(out, plain, now_);
  auto& st = stats_.channels[stat_channel];
  ++st.messages_sent;
  st.bytes_sent += out.size();
  stats_.bytes_sent += out.size();
  c.last_sent = now_;
  effects_.push_back(SendEffect{c.id, std::move(out)});
}

void Mesh::on_message(Conn& c, Message msg) {
  std::visit(Overloaded{
                 [&](Heartbeat&) {},
                 [&](TopologyUpdate& u) { on_topology_update(c, std::move(u)); },
                 [&](TopologyDigest& d) { on_digest(c, d); },
                 [&](TopologyRequest& r) { send_entries(c, r.names); },
                 [&](DigestHash& h) { on_digest_hash(c, h); },
                 [&](ChannelUnicast& m) {
                   on_channel_message(c, m.channel, m.src, m.dst, m.payload, kUnicast);
                 },
                 [&](ChannelBroadcast& m) {
                   on_channel_message(c, m.channel, m.src, PeerName(), m.payload, kBroadcast);
                 },
                 [&](ChannelGossip& m) {
                   on_channel_message(c, m.channel, m.src, PeerName(), m.payload, kGossip);
                 },
             },
             msg);
}

// Topology spreads by lazy push: versions are announced (a partial digest, 16 bytes an
// entry) to every neighbour, and an entry's body is pulled once, from the first neighbour
// that announced it. Flooding bodies instead made every peer receive each entry from about
// half of its neighbours, which dominated the cost of a 1,000-peer mesh.
void Mesh::on_digest(Conn& c, const TopologyDigest& d) {
  stats_.digest_items_received += d.items.size();
  TopologyRequest want;
  for (const auto& item : d.items) {
    const auto have = topology_.version_of(item.name);
    if (item.version <= have) continue;
    if (have == 0 && item.name != config_.name && !topology_.is_mentioned(item.name)) continue;
    auto& r = requested_[item.name];
    if (r.version >= item.version && r.until > now_) continue;  // already asked someone
    note_request(r, item.version, c.id);
    want.names.push_back(item.name);
  }
  if (!want.names.empty()) send(c, want, "topology");
  if (d.reply_wanted) send(c, TopologyDigest{false, topology_.digest()}, "topology");
}

void Mesh::note_request(Requested& r, std::uint64_t version, ConnId asked) {
  r = {version, now_ + config_.request_timeout, asked};
  // Every recorded pull arms the check that notices it never arrived (check_requests).
  if (!request_check_at_) request_check_at_ = r.until;
}

void Mesh::on_digest_hash(Conn& c, const DigestHash& h) {
  if (h.hash == topology_.digest_hash()) return;
  // While a change is still spreading, hashes differ for a moment and announce-then-pull
  // is already closing the gap; a full digest (N x 16 bytes each way) then would make the
  // cost of one join grow with N. Check again once things are quiet instead; only a
  // mismatch that outlives the change gets full digests.
  if (now_ - last_change_ < config_.request_timeout || !requested_.empty()) {
    c.next_digest = std::min(c.next_digest, now_ + config_.request_timeout);
    return;
  }
  send(c, TopologyDigest{true, topology_.digest()}, "topology");
}

void Mesh::on_topology_update(Conn& c, TopologyUpdate u) {
  stats_.entries_received += u.entries.size();
  const auto merged = topology_.merge(std::move(u.entries));
  if (merged.changed.empty()) return;
  last_change_ = now_;
  // Peers these entries connect to but we have not heard of: ask the same neighbour.
  TopologyRequest want;
  for (auto name : merged.unknown) {
    auto& r = requested_[name];
    if (r.until > now_) continue;
    note_request(r, 1, c.id);
    want.names.push_back(name);
  }
  if (!want.names.empty()) send(c, want, "topology");
  for (auto name : merged.changed) {
    requested_.erase(name);
    // Our own entry was bumped past an old copy: everyone needs it, the sender too.
    queue_announce(name, name == config_.name ? std::nullopt : std::optional<ConnId>(c.id));
  }
  gc_at_ = now_ + config_.gc_delay;
  discovery_dirty_ = true;
}

void Mesh::send_entries(Conn& c, const std::vector<PeerName>& names) {
  // Split so that no message exceeds the frame limit (a 5,000-peer topology would).
  constexpr std::size_t kChunkBytes = kMaxMessageBytes / 2;
  TopologyUpdate u;
  std::size_t bytes = 0;
  for (auto name : names) {
    auto e = topology_.shared(name);
    if (!e) continue;
    std::size_t size = 64 + e->nickname.size();
    for (const auto& conn : e->connections) size += 16 + conn.address.size();
    if (!u.entries.empty() && bytes + size > kChunkBytes) {
      send(c, u, "topology");
      u.entries.clear();
      bytes = 0;
    }
    u.entries.push_back(*e);
    bytes += size;
  }
  if (!u.entries.empty()) send(c, u, "topology");
}

void Mesh::queue_announce(PeerName name, std::optional<ConnId> except) {
  for (auto& [id, c] : conns_) {
    if (c.state != Conn::State::established || (except && *except == id)) continue;
    c.pending_announce.push_back(name);
    if (!c.flush_at) c.flush_at = now_ + config_.topology_flush;
  }
}

void Mesh::flush_announce(Conn& c) {
  c.flush_at.reset();
  TopologyDigest d;
  auto& names = c.pending_announce;
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (auto name : names) {
    if (const auto v = topology_.version_of(name); v > 0) d.items.push_back({name, v});
  }
  // Release rather than clear: while a mesh forms a batch can name most peers, and keeping
  // that capacity on every connection would cost N x 8 bytes per connection for good.
  std::vector<PeerName>().swap(c.pending_announce);
  if (!d.items.empty()) send(c, d, "topology");
}

void Mesh::on_channel_message(Conn& c, const std::string& channel, PeerName src, PeerName dst,
                              std::span<const std::uint8_t> payload, int kind) {
  auto& st = stats_.channels[channel];
  ++st.messages_received;
  st.bytes_received += payload.size();
  auto it = channels_.find(channel);
  if (kind == kUnicast && dst != config_.name) {
    route_unicast(channel, src, dst, Bytes(payload.begin(), payload.end()));  // relay
    return;
  }
  if (it == channels_.end()) {
    ++st.merge_failures;
    log::warn("mesh: message on unknown channel '{}' from {}", channel, src.to_string());
    return;
  }
  Gossiper& g = *it->second;
  if (kind == kUnicast) {
    if (auto r = g.on_unicast(src, payload); !r) {
      ++st.merge_failures;
      log::warn("mesh: channel {}: unicast from {} failed: {}", channel, src.to_string(),
                r.error().message());
    }
    return;
  }
  auto delta = kind == kBroadcast ? g.on_broadcast(src, payload) : g.on_gossip(src, payload);
  if (!delta) {
    // A channel that cannot merge is its own problem: counted, logged, connection kept.
    ++st.merge_failures;
    log::warn("mesh: channel {}: merge of data from {} failed: {}", channel, src.to_string(),
              delta.error().message());
    return;
  }
  if (!*delta) return;  // nothing new: do not pass it on
  if (kind == kBroadcast) {
    for (auto next : topology_.routes().broadcast_next(src)) {
      if (next == c.peer) continue;
      if (Conn* n = established_to(next)) {
        send(*n, ChannelBroadcast{channel, src, Bytes(payload.begin(), payload.end())}, channel);
      }
    }
  } else {
    for (auto& [id, n] : conns_) {
      if (n.state == Conn::State::established && id != c.id) {
        send(n, ChannelGossip{channel, config_.name, **delta}, channel);
      }
    }
  }
}

void Mesh::channel_unicast(const std::string& channel, PeerName dst, Bytes payload) {
  route_unicast(channel, config_.name, dst, std::move(payload));
}

void Mesh::route_unicast(const std::string& channel, PeerName src, PeerName dst, Bytes payload) {
  auto hop = topology_.routes().next_hop(dst);
  Conn* c = hop ? established_to(*hop) : nullptr;
  if (!c) {
    ++stats_.channels[channel].undeliverable;
    log::debug("mesh: channel {}: no route to {}", channel, dst.to_string());
    return;
  }
  send(*c, ChannelUnicast{channel, src, dst, std::move(payload)}, channel);
}

void Mesh::channel_broadcast(const std::string& channel, Bytes payload) {
  for (auto next : topology_.routes().broadcast_next(config_.name)) {
    if (Conn* c = established_to(next)) {
      send(*c, ChannelBroadcast{channel, config_.name, payload}, channel);
    }
  }
}

void Mesh::channel_gossip(const std::string& channel, Bytes payload) {
  for (auto& [id, c] : conns_) {
    if (c.state == Conn::State::established) {
      send(c, ChannelGossip{channel, config_.name, payload}, channel);
    }
  }
}

void GossipChannel::unicast(PeerName dst, Bytes payload) {
  mesh_->channel_unicast(name_, dst, std::move(payload));
}
void GossipChannel::broadcast(Bytes payload) {
  mesh_->channel_broadcast(name_, std::move(payload));
}
void GossipChannel::gossip(Bytes payload) {
  mesh_->channel_gossip(name_, std::move(payload));
}

}  // namespace weft::gossip
