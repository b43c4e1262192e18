// SPDX-License-Identifier: Apache-2.0
#include "weft/api/report.hpp"

#include <nlohmann/json.hpp>

namespace weft::api {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PeerConnection, name, nickname, address, outbound,
                                                established)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PeerInfo, name, nickname, connections)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ConnectionInfo, address, outbound, state, info,
                                                encrypted, overlay, mtu, path_mtu, overlay_problem,
                                                overlay_reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RouteInfo, destination, destination_nickname, via,
                                                via_nickname)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RouterReport, name, nickname, protocol,
                                                protocol_min_version, protocol_max_version,
                                                encryption, peer_discovery, port, targets,
                                                terminations, connections, peers, routes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(IpamEntry, token, size, peer, nickname, version,
                                                free, reachable)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(IpamPeer, name, nickname, owned, percent, active,
                                                reachable, removed, awaiting)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(IpamReport, status, range, default_subnet,
                                                bootstrap, allocations, pending, seeds, entries,
                                                peers)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FastPathReport, status, bridge, vxlan, mtu, port,
                                                peers, address, expose, egress, heartbeats_ok,
                                                sleeve, sleeve_cipher, sleeve_peers)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DnsEntry, name, address, container, origin,
                                                origin_nickname)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DnsReport, status, domain, listen, upstream,
                                                upstream_problem, ttl, cache_entries, entries)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DaemonReport, pid, uptime_seconds, data_dir,
                                                run_dir, api_socket, api_tcp, api_tcp_writable)

void to_json(nlohmann::json& j, const AllocationInfo& a) {
  j = nlohmann::json{{"id", a.id}, {"address", a.address}, {"subnet", a.subnet}};
  if (!a.interface.empty()) j["interface"] = a.interface;
  if (!a.mac.empty()) j["mac"] = a.mac;
  if (!a.pod.empty()) j["pod"] = a.pod;
}

void from_json(const nlohmann::json& j, AllocationInfo& a) {
  a.id = j.value("id", "");
  a.address = j.value("address", "");
  a.subnet = j.value("subnet", "");
  a.interface = j.value("interface", "");
  a.mac = j.value("mac", "");
  a.pod = j.value("pod", "");
}

void to_json(nlohmann::json& j, const Report& r) {
  j = nlohmann::json{{"version", r.version}, {"commit", r.commit}, {"router", r.router},
                     {"ipam", r.ipam},       {"fastdp", r.fastdp}, {"dns", r.dns},
                     {"daemon", r.daemon}};
}

void from_json(const nlohmann::json& j, Report& r) {
  r.version = j.value("version", "");
  r.commit = j.value("commit", "");
  if (j.contains("router")) j.at("router").get_to(r.router);
  if (j.contains("ipam")) j.at("ipam").get_to(r.ipam);
  if (j.contains("fastdp")) j.at("fastdp").get_to(r.fastdp);
  if (j.contains("dns")) j.at("dns").get_to(r.dns);
  if (j.contains("daemon")) j.at("daemon").get_to(r.daemon);
}

std::string report_to_json(const Report& report) {
  return nlohmann::json(report).dump(2) + "\n";
}

Result<Report> report_from_json(std::string_view text) {
  // allow_exceptions=false: a parse failure yields a discarded value instead of a throw.
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Error(Errc::parse_error, "report is not a JSON object");
  }
  try {
    return j.get<Report>();
  } catch (const nlohmann::json::exception& e) {
    // Type mismatches in fields surface as exceptions from nlohmann; turn them into values.
    return Error(Errc::parse_error, std::string("report has a malformed field: ") + e.what());
  }
}

}  // namespace weft::api
