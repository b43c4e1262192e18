// SPDX-License-Identifier: Apache-2.0
#include "weft/api/status_text.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace weft::api {
namespace {

// weave pads keys to 15 columns; a longer key widens the block instead of breaking it.
constexpr std::size_t kKeyWidth = 15;

std::string pad_right(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string peer_label(const std::string& name, const std::string& nickname) {
  return name + "(" + nickname + ")";
}

}  // namespace

std::string render_block(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::size_t width = kKeyWidth;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  std::string out;
  for (const auto& [key, value] : rows) {
    out.append(width - key.size(), ' ');
    out += key + ": " + value + "\n";
  }
  return out;
}

std::string format_duration(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  const std::int64_t d = seconds / 86400, h = seconds / 3600 % 24, m = seconds / 60 % 60,
                     s = seconds % 60;
  char buf[48];
  if (d > 0) {
    std::snprintf(buf, sizeof buf, "%lldd %lldh", static_cast<long long>(d),
                  static_cast<long long>(h));
  } else if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lldh %lldm", static_cast<long long>(h),
                  static_cast<long long>(m));
  } else if (m > 0) {
    std::snprintf(buf, sizeof buf, "%lldm %llds", static_cast<long long>(m),
                  static_cast<long long>(s));
  } else {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  }
  return buf;
}

std::string render_status(const Report& r) {
  std::string out = render_block({{"Version", r.version + " (" + r.commit + ")"}});
  out += "\n";

  const auto& rt = r.router;
  // "5 (1 established, 1 pending, 1 retrying, 1 failed, 1 connecting)", as weave prints it.
  std::string conns = std::to_string(rt.connections.size());
  std::vector<std::string> parts;
  for (const char* state : {"established", "pending", "retrying", "failed", "connecting"}) {
    const auto n = std::count_if(rt.connections.begin(), rt.connections.end(),
                                 [&](const ConnectionInfo& c) { return c.state == state; });
    if (n > 0) parts.push_back(std::to_string(n) + " " + state);
  }
  if (!parts.empty()) {
    conns += " (";
    for (std::size_t i = 0; i < parts.size(); ++i) conns += (i ? ", " : "") + parts[i];
    conns += ")";
  }
  std::size_t links = 0;
  for (const auto& p : r.router.peers) {
    for (const auto& c : p.connections) links += c.established ? 1 : 0;
  }
  out += render_block({
      {"Service", "router"},
      {"Protocol", rt.protocol + " " + std::to_string(rt.protocol_min_version) + ".." +
                       std::to_string(rt.protocol_max_version)},
      {"Name", peer_label(rt.name, rt.nickname)},
      {"Encryption", rt.encryption},
      {"PeerDiscovery", rt.peer_discovery ? "enabled" : "disabled"},
      {"Targets", std::to_string(rt.targets.size())},
      {"Connections", conns},
      {"Peers", std::to_string(rt.peers.size()) + " (with " + std::to_string(links) +
                    " established connections)"},
  });
  out += "\n";

  if (!r.ipam.range.empty()) {
    out += render_block({
        {"Service", "ipam"},
        {"Status", r.ipam.status},
        {"Range", r.ipam.range},
        {"DefaultSubnet", r.ipam.default_subnet},
        {"Bootstrap", r.ipam.bootstrap},
        {"Allocations", std::to_string(r.ipam.allocations) +
                            (r.ipam.pending ? " (" + std::to_string(r.ipam.pending) + " waiting)"
                                            : std::string())},
    });
    out += "\n";
  }

  if (!r.fastdp.status.empty()) {
    std::string peers = std::to_string(r.fastdp.peers.size());
    for (std::size_t i = 0; i < r.fastdp.peers.size(); ++i) {
      peers += (i ? ", " : " (") + r.fastdp.peers[i];
    }
    if (!r.fastdp.peers.empty()) peers += ")";
    std::vector<std::pair<std::string, std::string>> rows{{"Service", "fastdp"},
                                                          {"Status", r.fastdp.status}};
    if (!r.fastdp.bridge.empty()) {
      rows.emplace_back("Bridge", r.fastdp.bridge + " (MTU " + std::to_string(r.fastdp.mtu) + ")");
      rows.emplace_back("VXLAN", r.fastdp.vxlan + " (UDP " + std::to_string(r.fastdp.port) + ")");
      rows.emplace_back("FloodPeers", peers);
      rows.emplace_back("Heartbeats", std::to_string(r.fastdp.heartbeats_ok) + " of " +
                                          std::to_string(r.fastdp.peers.size()) +
                                          " peers heard over VXLAN");
    }
    if (!r.fastdp.sleeve.empty()) {
      std::string sleeve = r.fastdp.sleeve;
      if (!r.fastdp.sleeve_cipher.empty()) {
        sleeve += " (" + r.fastdp.sleeve_cipher + "), " + std::to_string(r.fastdp.sleeve_peers) +
                  " peers";
      }
      rows.emplace_back("Sleeve", sleeve);
    }
    if (!r.fastdp.expose.empty()) {
      rows.emplace_back("Expose", r.fastdp.address.empty()
                                      ? r.fastdp.expose
                                      : r.fastdp.address + " (" + r.fastdp.expose + ")");
    }
    if (!r.fastdp.egress.empty()) rows.emplace_back("Egress", r.fastdp.egress);
    out += render_block(rows);
    out += "\n";
  }

  if (!r.dns.status.empty()) {
    std::vector<std::pair<std::string, std::string>> rows{{"Service", "dns"},
                                                          {"Status", r.dns.status}};
    if (!r.dns.domain.empty()) {
      rows.emplace_back("Domain", r.dns.domain);
      if (!r.dns.listen.empty()) rows.emplace_back("Listen", r.dns.listen + " (UDP and TCP)");
      std::string up;
      for (std::size_t i = 0; i < r.dns.upstream.size(); ++i)
        up += (i ? ", " : "") + r.dns.upstream[i];
      if (up.empty()) {
        up = r.dns.upstream_problem.empty() ? "none" : "none: " + r.dns.upstream_problem;
      }
      rows.emplace_back("Upstream", up);
      rows.emplace_back("TTL", std::to_string(r.dns.ttl));
      rows.emplace_back("Entries", std::to_string(r.dns.entries.size()));
    }
    out += render_block(rows);
    out += "\n";
  }

  const auto& d = r.daemon;
  std::string api = d.api_socket;
  if (!d.api_tcp.empty()) {
    api += ", " + d.api_tcp + (d.api_tcp_writable ? " (read-write)" : " (read-only)");
  }
  out += render_block({
      {"Service", "daemon"},
      {"PID", std::to_string(d.pid)},
      {"Uptime", format_duration(d.uptime_seconds)},
      {"DataDir", d.data_dir},
      {"RunDir", d.run_dir},
      {"API", api},
  });
  return out;
}

std::string render_status_peers(const Report& r) {
  std::string out;
  for (const auto& p : r.router.peers) {
    out += peer_label(p.name, p.nickname) + "\n";
    for (const auto& c : p.connections) {
      out += std::string("   ") + (c.outbound ? "-> " : "<- ") + pad_right(c.address, 21) + " " +
             pad_right(peer_label(c.name, c.nickname), 37) + " " +
             (c.established ? "established" : "pending") + "\n";
    }
  }
  return out;
}

std::string render_status_connections(const Report& r) {
  std::string out;
  for (const auto& c : r.router.connections) {
    out += std::string(c.outbound ? "-> " : "<- ") + pad_right(c.address, 21) + " " +
           pad_right(c.state, 11) + " " + (c.encrypted ? "encrypted   " : "unencrypted ") + c.info;
    if (!c.overlay.empty()) out += " " + c.overlay + " mtu=" + std::to_string(c.mtu);
    if (!c.overlay_reason.empty()) out += " (" + c.overlay_reason + ")";
    if (!c.path_mtu.empty()) out += " pmtu=" + c.path_mtu;
    if (!c.overlay_problem.empty()) {
      out += (c.overlay.empty() ? " no overlay: " : " failing: ") + c.overlay_problem;
    }
    out += "\n";
  }
  return out;
}

std::string render_status_targets(const Report& r) {
  std::string out;
  for (const auto& t : r.router.targets) out += t + "\n";
  return out;
}

std::string render_status_routes(const Report& r) {
  std::string out;
  for (const auto& rt : r.router.routes) {
    out +=
        pad_right(peer_label(rt.destination, rt.destination_nickname), 37) + " via " +
        (rt.via == rt.destination ? std::string("direct") : peer_label(rt.via, rt.via_nickname)) +
        "\n";
  }
  return out;
}

std::string format_count(double n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, n < 1e15 ? "%.0f" : "%.3g", n);
  return buf;
}

std::string render_status_ipam(const Report& r) {
  std::string out;
  for (const auto& p : r.ipam.peers) {
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.1f%%", p.percent);
    out += pad_right(peer_label(p.name, p.nickname), 37) + " " + format_count(p.owned) + " IPs (" +
           pct + " of total)";
    if (p.removed && !p.awaiting.empty()) {
      // Its space has no owner until every peer holding the ring acknowledged the removal.
      out += " - removed (rmpeer), its space unused until acknowledged by:";
      for (const auto& a : p.awaiting) out += " " + a;
    } else if (p.removed) {
      out += " - removed (rmpeer)";
    } else if (!p.reachable) {
      out += " - unreachable!";
    } else {
      out += " (" + format_count(p.active) + " active)";
    }
    out += "\n";
  }
  if (r.ipam.peers.empty()) out += "no ring yet: " + r.ipam.status + "\n";
  return out;
}

std::string render_status_dns(const Report& r) {
  std::string out;
  for (const auto& e : r.dns.entries) {
    std::string line =
        pad_right(e.name, 30) + " " + pad_right(e.address, 16) + " " + pad_right(e.container, 24) +
        " " + (e.origin_nickname.empty() ? e.origin : peer_label(e.origin, e.origin_nickname));
    out += line + "\n";
  }
  if (r.dns.entries.empty()) out += "no names registered (dns: " + r.dns.status + ")\n";
  return out;
}

std::string render_ps(const std::vector<AllocationInfo>& allocations) {
  std::string out;
  for (const auto& a : allocations) {
    // The address stays the second column (scripts cut it); pod details follow when known.
    std::string line = pad_right(a.id, 40) + " " + pad_right(a.address, 20) + " " + a.subnet;
    if (!a.interface.empty() || !a.mac.empty() || !a.pod.empty()) {
      line = pad_right(line, 82) + " " + pad_right(a.interface.empty() ? "-" : a.interface, 6) +
             " " + pad_right(a.mac.empty() ? "-" : a.mac, 17) + " " + a.pod;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace weft::api
