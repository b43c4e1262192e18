// SPDX-License-Identifier: Apache-2.0
#include "weft/router/heartbeat.hpp"

#include "weft/base/bytes.hpp"

#include "nft_script.hpp"

#include <algorithm>

namespace weft::router {

namespace {
constexpr std::string_view kMagic = "WFHB";
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kMinFrame = 60;  // Ethernet minimum without the FCS
}  // namespace

std::string heartbeat_filter_ruleset(const std::string& vxlan, const std::string& tap) {
  std::string isolation;
  if (!tap.empty()) {
    // Split horizon between the overlays: a frame that came in over one never leaves by
    // the other, so each peer gets one copy of a broadcast (sleeve_forward.hpp).
    isolation = "    iifname \"" + vxlan + "\" oifname \"" + tap + "\" drop\n" + "    iifname \"" +
                tap + "\" oifname \"" + vxlan + "\" drop\n";
  }
  return heartbeat_filter_teardown() +
         "table bridge weft {\n"
         "  chain forward {\n"
         "    type filter hook forward priority 0; policy accept;\n"
         "    iifname \"" +
         vxlan + "\" ether type 0x88b5 drop\n" + isolation +
         "  }\n"
         "}\n";
}

std::string heartbeat_filter_teardown() {
  return detail::drop_table("bridge weft");
}

std::vector<std::uint8_t> encode_heartbeat(const Heartbeat& hb, const MacAddress& src) {
  ByteWriter w;
  w.write_bytes(kHeartbeatMac.bytes());
  w.write_bytes(src.bytes());
  w.write_u16(kHeartbeatEtherType);
  w.write_bytes(kMagic);
  w.write_u8(kVersion);
  w.write_u64(hb.seq);
  const std::size_t n = std::min(hb.senders.size(), kMaxHeartbeatAddresses);
  w.write_u8(static_cast<std::uint8_t>(n));
  for (std::size_t i = 0; i < n; ++i) {
    w.write_u8(hb.senders[i].is_v4() ? 4 : 6);
    w.write_bytes(hb.senders[i].bytes());
  }
  const std::size_t m = std::min(hb.heard.size(), kMaxHeardPeers);
  w.write_u8(static_cast<std::uint8_t>(m));
  for (std::size_t i = 0; i < m; ++i) {
    w.write_u8(hb.heard[i].is_v4() ? 4 : 6);
    w.write_bytes(hb.heard[i].bytes());
  }
  auto out = w.take();
  if (out.size() < kMinFrame) out.resize(kMinFrame, 0);
  return out;
}

Result<Heartbeat> decode_heartbeat(std::span<const std::uint8_t> frame) {
  ByteReader r(frame);
  auto dst = r.read_bytes(6, "destination MAC");
  if (!dst) return dst.error();
  if (!std::equal(dst->begin(), dst->end(), kHeartbeatMac.bytes().begin())) {
    return Error(Errc::parse_error, "not to the heartbeat MAC");
  }
  if (auto s = r.skip(6, "source MAC"); !s) return s.error();
  auto type = r.read_u16("ethertype");
  if (!type) return type.error();
  if (*type != kHeartbeatEtherType) return Error(Errc::parse_error, "not a heartbeat ethertype");
  auto magic = r.read_bytes(kMagic.size(), "magic");
  if (!magic) return magic.error();
  if (!std::equal(magic->begin(), magic->end(), kMagic.begin())) {
    return Error(Errc::parse_error, "bad heartbeat magic");
  }
  auto version = r.read_u8("version");
  if (!version) return version.error();
  if (*version != kVersion) {
    return Error(Errc::parse_error, "heartbeat version " + std::to_string(*version));
  }
  Heartbeat hb;
  auto seq = r.read_u64("sequence");
  if (!seq) return seq.error();
  hb.seq = *seq;
  auto count = r.read_u8("address count");
  if (!count) return count.error();
  if (*count == 0 || *count > kMaxHeartbeatAddresses) {
    return Error(Errc::parse_error, "heartbeat with " + std::to_string(*count) + " addresses");
  }
  auto read_addresses = [&r](std::size_t n, std::vector<IpAddress>& out) -> Result<void> {
    for (std::size_t i = 0; i < n; ++i) {
      auto family = r.read_u8("address family");
      if (!family) return family.error();
      if (*family != 4 && *family != 6) return Error(Errc::parse_error, "bad address family");
      auto addr = r.read_bytes(*family == 4 ? 4 : 16, "address");
      if (!addr) return addr.error();
      auto ip = IpAddress::from_bytes(*addr);
      if (!ip) return ip.error();
      out.push_back(*ip);
    }
    return ok();
  };
  if (auto a = read_addresses(*count, hb.senders); !a) return a.error();
  auto heard = r.read_u8("heard count");
  if (!heard) return heard.error();
  if (*heard > kMaxHeardPeers) {
    return Error(Errc::parse_error, "heartbeat with " + std::to_string(*heard) + " heard peers");
  }
  if (auto a = read_addresses(*heard, hb.heard); !a) return a.error();
  // What follows is Ethernet padding (or a later version's fields): not ours to judge.
  return hb;
}

void HeartbeatMonitor::set_peers(const std::set<IpAddress>& peers, TimePoint now) {
  std::erase_if(peers_, [&](const auto& kv) { return peers.count(kv.first) == 0; });
  for (const auto& p : peers) peers_.try_emplace(p, Peer{now, std::nullopt, std::nullopt, true});
}

void HeartbeatMonitor::on_heartbeat(const Heartbeat& hb, const std::vector<IpAddress>& self,
                                    TimePoint now) {
  const bool hears_us = std::any_of(hb.heard.begin(), hb.heard.end(), [&](const IpAddress& a) {
    return std::find(self.begin(), self.end(), a) != self.end();
  });
  for (const auto& sender : hb.senders) {
    if (auto it = peers_.find(sender); it != peers_.end()) {
      it->second.last = now;
      if (hears_us) it->second.hears_us = now;
    }
  }
}

std::vector<IpAddress> HeartbeatMonitor::heard(TimePoint now) const {
  std::vector<IpAddress> out;
  for (const auto& [ip, p] : peers_) {
    if (p.last && now - *p.last <= kFailAfter) out.push_back(ip);
  }
  return out;
}

PeerHeartbeat HeartbeatMonitor::state(const IpAddress& peer, TimePoint now) const {
  const auto it = peers_.find(peer);
  if (it == peers_.end()) return {false, "not a fast-path peer"};
  const Peer& p = it->second;
  const TimePoint heard = p.last.value_or(p.since);
  if (now - heard > kFailAfter) {
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - heard).count();
    return {false,
            std::string(p.last ? "no VXLAN heartbeat from " : "never a VXLAN heartbeat from ") +
                peer.to_string() + " for " + std::to_string(secs) +
                " s: is UDP 6784 blocked between the hosts?"};
  }
  const TimePoint heard_us = p.hears_us.value_or(p.since);
  if (now - heard_us > kFailAfter) {
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - heard_us).count();
    return {false, peer.to_string() + " has not heard this host's VXLAN heartbeats for " +
                       std::to_string(secs) + " s: is UDP 6784 blocked towards it?"};
  }
  return {true, ""};
}

bool HeartbeatMonitor::due(TimePoint now) {
  if (now < next_send_) return false;
  next_send_ = now + kHeartbeatEvery;
  return true;
}

std::vector<std::pair<IpAddress, PeerHeartbeat>> HeartbeatMonitor::changes(TimePoint now) {
  std::vector<std::pair<IpAddress, PeerHeartbeat>> out;
  for (auto& [ip, p] : peers_) {
    auto s = state(ip, now);
    if (s.ok != p.reported_ok) {
      p.reported_ok = s.ok;
      out.emplace_back(ip, std::move(s));
    }
  }
  return out;
}

}  // namespace weft::router
