// SPDX-License-Identifier: Apache-2.0
// fastdp_counters.hpp: the nftables script and the reading of its counters.
#include "weft/router/fastdp_counters.hpp"

#include "nft_script.hpp"

#include <nlohmann/json.hpp>

namespace weft::router {

std::string fastdp_counters_teardown() {
  return detail::drop_table("ip " + std::string(kFastdpCountersTable));
}

std::string fastdp_counters_list_command() {
  return "list table ip " + std::string(kFastdpCountersTable);
}

std::string fastdp_counters_ruleset(const std::set<IpAddress>& peers, std::uint16_t port) {
  std::string sent, received;
  const std::string dport = " udp dport " + std::to_string(port) + " counter comment \"";
  for (const auto& p : peers) {
    if (!p.is_v4()) continue;
    const std::string ip = p.to_string();
    sent += "    ip daddr " + ip + dport + ip + "\"\n";
    received += "    ip saddr " + ip + dport + ip + "\"\n";
  }
  if (sent.empty()) return fastdp_counters_teardown();
  // Priorities: after the filter hooks (the fallback table's drop at 0 is not "sent"), and
  // before them on the way in (everything that arrived).
  return fastdp_counters_teardown() + "table ip " + std::string(kFastdpCountersTable) +
         " {\n"
         "  chain sent {\n"
         "    type filter hook output priority 100; policy accept;\n" +
         sent +
         "  }\n"
         "  chain received {\n"
         "    type filter hook input priority -100; policy accept;\n" +
         received +
         "  }\n"
         "}\n";
}

Result<std::map<IpAddress, PeerTraffic>> parse_fastdp_counters(std::string_view json) {
  const auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("nftables") ||
      !doc["nftables"].is_array()) {
    return Error(Errc::parse_error, "nft's JSON listing has no \"nftables\" array");
  }
  std::map<IpAddress, PeerTraffic> out;
  for (const auto& item : doc["nftables"]) {
    if (!item.is_object() || !item.contains("rule")) continue;
    const auto& rule = item["rule"];
    if (!rule.is_object()) continue;
    const std::string chain = rule.contains("chain") && rule["chain"].is_string()
                                  ? rule["chain"].get<std::string>()
                                  : std::string();
    if ((chain != "sent" && chain != "received") || !rule.contains("comment") ||
        !rule["comment"].is_string() || !rule.contains("expr") || !rule["expr"].is_array()) {
      continue;
    }
    const auto ip = IpAddress::parse(rule["comment"].get<std::string>());
    if (!ip) continue;
    for (const auto& e : rule["expr"]) {
      if (!e.is_object() || !e.contains("counter") || !e["counter"].is_object()) continue;
      const auto& c = e["counter"];
      if (!c.contains("packets") || !c["packets"].is_number_unsigned() || !c.contains("bytes") ||
          !c["bytes"].is_number_unsigned()) {
        continue;
      }
      TrafficCount n{c["packets"].get<std::uint64_t>(), c["bytes"].get<std::uint64_t>()};
      (chain == "sent" ? out[*ip].sent : out[*ip].received) += n;
    }
  }
  return out;
}

}  // namespace weft::router
