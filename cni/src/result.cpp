// SPDX-License-Identifier: Apache-2.0
#include "weft/cni/result.hpp"

#include "weft/base/cidr.hpp"
#include "weft/base/ip_address.hpp"

#include <nlohmann/json.hpp>

namespace weft::cni {
using nlohmann::json;

std::string encode_result(const AddResult& r, std::string_view cni_version) {
  const bool tagged = compare_versions(cni_version, "1.0.0") < 0;  // 0.3.x, 0.4.0
  const bool iface_mtu = compare_versions(cni_version, "1.1.0") >= 0;
  json j{{"cniVersion", std::string(cni_version)}};
  json ifs = json::array();
  for (const auto& i : r.interfaces) {
    json o{{"name", i.name}};
    if (!i.mac.empty()) o["mac"] = i.mac;
    if (!i.sandbox.empty()) o["sandbox"] = i.sandbox;
    if (iface_mtu && i.mtu) o["mtu"] = *i.mtu;
    ifs.push_back(std::move(o));
  }
  j["interfaces"] = std::move(ifs);
  json ips = json::array();
  for (const auto& ip : r.ips) {
    json o{{"address", ip.address}};
    if (tagged) {
      o["version"] = ip.address.find(':') == std::string::npos ? "4" : "6";
    }
    if (!ip.gateway.empty()) o["gateway"] = ip.gateway;
    if (ip.interface) o["interface"] = *ip.interface;
    ips.push_back(std::move(o));
  }
  j["ips"] = std::move(ips);
  json routes = json::array();
  for (const auto& rt : r.routes) {
    json o{{"dst", rt.dst}};
    if (!rt.gw.empty()) o["gw"] = rt.gw;
    routes.push_back(std::move(o));
  }
  if (!routes.empty()) j["routes"] = std::move(routes);
  json dns = json::object();
  if (!r.dns.nameservers.empty()) dns["nameservers"] = r.dns.nameservers;
  if (!r.dns.domain.empty()) dns["domain"] = r.dns.domain;
  if (!r.dns.search.empty()) dns["search"] = r.dns.search;
  if (!r.dns.options.empty()) dns["options"] = r.dns.options;
  j["dns"] = std::move(dns);
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

namespace {

Failure bad(const std::string& what) {
  return {Code::decode_failure,
          "prevResult: " + what +
              ": the plugin before weft in the chain "
              "wrote a result weft cannot read",
          ""};
}

// Optional string member: "" when absent, nullopt when present with another type.
std::optional<std::string> str(const json& o, const char* k) {
  if (!o.contains(k)) return std::string();
  if (!o[k].is_string()) return std::nullopt;
  return o[k].get<std::string>();
}

Outcome<std::vector<std::string>> strings(const json& o, const char* k) {
  std::vector<std::string> out;
  if (!o.contains(k)) return out;
  if (!o[k].is_array()) return bad(std::string(k) + " is not a list");
  for (const auto& v : o[k]) {
    if (!v.is_string()) return bad(std::string(k) + " holds a non-string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

Outcome<AddResult> parse_result(std::string_view text) {
  const json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  AddResult r;
  if (j.contains("interfaces")) {
    if (!j["interfaces"].is_array()) return bad("interfaces is not a list");
    for (const auto& i : j["interfaces"]) {
      if (!i.is_object()) return bad("an interface is not an object");
      auto name = str(i, "name");
      auto mac = str(i, "mac");
      auto sandbox = str(i, "sandbox");
      if (!name || !mac || !sandbox) return bad("an interface has a non-string field");
      Interface out{*name, *mac, *sandbox, std::nullopt};
      if (i.contains("mtu")) {
        if (!i["mtu"].is_number_unsigned()) return bad("an interface's mtu is not a number");
        out.mtu = i["mtu"].get<std::uint32_t>();
      }
      r.interfaces.push_back(std::move(out));
    }
  }
  if (j.contains("ips")) {
    if (!j["ips"].is_array()) return bad("ips is not a list");
    for (const auto& ip : j["ips"]) {
      if (!ip.is_object()) return bad("an ip is not an object");
      auto address = str(ip, "address");
      auto gateway = str(ip, "gateway");
      if (!address || !gateway) return bad("an ip has a non-string field");
      if (!Cidr::parse_lenient(*address)) return bad("ip address " + *address + " is not A/LEN");
      if (!gateway->empty() && !IpAddress::parse(*gateway)) {
        return bad("gateway " + *gateway + " is not an address");
      }
      IpConfig out{*address, *gateway, std::nullopt};
      if (ip.contains("interface")) {
        if (!ip["interface"].is_number_integer()) return bad("an ip's interface is not a number");
        const auto idx = ip["interface"].get<std::int64_t>();
        if (idx < 0 || idx >= static_cast<std::int64_t>(r.interfaces.size())) {
          return bad("an ip names interface " + std::to_string(idx) + ", which is not listed");
        }
        out.interface = static_cast<int>(idx);
      }
      r.ips.push_back(std::move(out));
    }
  }
  if (j.contains("routes")) {
    if (!j["routes"].is_array()) return bad("routes is not a list");
    for (const auto& rt : j["routes"]) {
      if (!rt.is_object()) return bad("a route is not an object");
      auto dst = str(rt, "dst");
      auto gw = str(rt, "gw");
      if (!dst || !gw || dst->empty()) return bad("a route needs a string dst");
      r.routes.push_back({*dst, *gw});
    }
  }
  if (j.contains("dns")) {
    const auto& d = j["dns"];
    if (!d.is_object()) return bad("dns is not an object");
    auto ns = strings(d, "nameservers");
    auto search = strings(d, "search");
    auto options = strings(d, "options");
    auto domain = str(d, "domain");
    if (!ns) return ns.error();
    if (!search) return search.error();
    if (!options) return options.error();
    if (!domain) return bad("dns domain is not a string");
    r.dns = Dns{*ns, *domain, *search, *options};
  }
  return r;
}

}  // namespace weft::cni
