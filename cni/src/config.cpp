// SPDX-License-Identifier: Apache-2.0
#include "weft/cni/config.hpp"

#include <nlohmann/json.hpp>

namespace weft::cni {
using nlohmann::json;

namespace {

Failure bad(std::string field, std::string want) {
  return {Code::invalid_config,
          "network config field \"" + field + "\" " + want + ": fix it in the conflist", ""};
}

// The version to answer in: the config's own, else the newest of "cniVersions" weft speaks.
Outcome<std::string> pick_version(const json& j, std::vector<std::string>& listed) {
  if (j.contains("cniVersions")) {
    if (!j["cniVersions"].is_array()) return bad("cniVersions", "must be a list of versions");
    for (const auto& v : j["cniVersions"]) {
      if (!v.is_string()) return bad("cniVersions", "must be a list of version strings");
      listed.push_back(v.get<std::string>());
    }
  }
  if (j.contains("cniVersion")) {
    if (!j["cniVersion"].is_string()) return bad("cniVersion", "must be a string like \"1.0.0\"");
    return j["cniVersion"].get<std::string>();
  }
  std::string best;
  for (const auto& v : listed) {
    if (is_supported(v) && (best.empty() || compare_versions(v, best) > 0)) best = v;
  }
  if (best.empty()) return bad("cniVersion", "is missing (weft speaks 0.3.0 to 1.1.0)");
  return best;
}

Outcome<std::vector<Attachment>> valid_attachments(const json& j) {
  std::vector<Attachment> out;
  const char* key = "cni.dev/valid-attachments";
  if (!j.contains(key)) return out;
  if (!j[key].is_array()) return bad(key, "must be a list of {containerID, ifname}");
  for (const auto& a : j[key]) {
    if (!a.is_object() || !a.contains("containerID") || !a["containerID"].is_string() ||
        !a.contains("ifname") || !a["ifname"].is_string()) {
      return bad(key, "must hold objects with string \"containerID\" and \"ifname\"");
    }
    out.push_back({a["containerID"].get<std::string>(), a["ifname"].get<std::string>()});
  }
  return out;
}

}  // namespace

Outcome<NetConf> parse_netconf(std::string_view bytes) {
  const json j = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Failure{Code::decode_failure,
                   "the network config on stdin is not a JSON object: check the conflist", ""};
  }
  NetConf c;
  auto version = pick_version(j, c.cni_versions);
  if (!version) return version.error();
  c.cni_version = *version;
  if (!is_supported(c.cni_version)) {
    return Failure{Code::incompatible_version,
                   "cniVersion " + c.cni_version +
                       " is not one weft speaks (0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0): set one of "
                       "them in the conflist",
                   ""};
  }
  if (!j.contains("name") || !j["name"].is_string() || j["name"].get<std::string>().empty()) {
    return bad("name", "must be the network's name (a non-empty string)");
  }
  c.name = j["name"].get<std::string>();
  if (j.contains("type") && (!j["type"].is_string() || j["type"].get<std::string>() != "weft")) {
    return bad("type", "must be \"weft\" for this plugin");
  }
  if (j.contains("daemonSocket")) {
    if (!j["daemonSocket"].is_string() || j["daemonSocket"].get<std::string>().empty() ||
        j["daemonSocket"].get<std::string>().front() != '/') {
      return bad("daemonSocket", "must be an absolute path to weftd.sock");
    }
    c.daemon_socket = j["daemonSocket"].get<std::string>();
  }
  if (j.contains("mtu")) {
    if (!j["mtu"].is_number_integer() || j["mtu"].get<std::int64_t>() < 576 ||
        j["mtu"].get<std::int64_t>() > 65535) {
      return bad("mtu", "must be a whole number from 576 to 65535");
    }
    c.mtu = static_cast<std::uint32_t>(j["mtu"].get<std::int64_t>());
  }
  if (j.contains("hairpin")) {
    if (!j["hairpin"].is_boolean()) return bad("hairpin", "must be true or false");
    c.hairpin = j["hairpin"].get<bool>();
  }
  if (j.contains("hostname")) {
    if (!j["hostname"].is_string()) return bad("hostname", "must be a string (a DNS name)");
    c.hostname = j["hostname"].get<std::string>();
  }
  if (j.contains("subnet")) {
    if (!j["subnet"].is_string()) return bad("subnet", "must be a CIDR string");
    c.subnet = j["subnet"].get<std::string>();
  }
  if (j.contains("prevResult") && !j["prevResult"].is_null()) {
    if (!j["prevResult"].is_object()) return bad("prevResult", "must be a result object");
    c.prev_result = j["prevResult"].dump();
  }
  auto valid = valid_attachments(j);
  if (!valid) return valid.error();
  c.valid_attachments = std::move(*valid);
  return c;
}

Outcome<CniArgs> parse_cni_args(std::string_view s) {
  CniArgs out;
  while (!s.empty()) {
    const auto semi = s.find(';');
    const std::string_view pair = s.substr(0, semi);
    s = semi == std::string_view::npos ? std::string_view{} : s.substr(semi + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Failure{Code::invalid_environment,
                     "CNI_ARGS holds \"" + std::string(pair) + "\", not KEY=VALUE", ""};
    }
    const auto key = pair.substr(0, eq);
    const auto value = pair.substr(eq + 1);
    if (key == "K8S_POD_NAME") out.pod_name = value;
    if (key == "K8S_POD_NAMESPACE") out.pod_namespace = value;
    if (key == "HOSTNAME") out.hostname = value;
    // Other keys (IgnoreUnknown, K8S_POD_UID, ...) are not weft's to judge.
  }
  return out;
}

Outcome<CniEnv> parse_env_map(const std::map<std::string, std::string>& env) {
  auto get = [&](const char* k) -> std::string {
    const auto it = env.find(k);
    return it == env.end() ? std::string() : it->second;
  };
  auto missing = [](const char* k, const std::string& cmd) {
    return Failure{Code::invalid_environment,
                   std::string(k) + " is not set; the runtime must set it for " + cmd, ""};
  };
  CniEnv e;
  const std::string cmd = get("CNI_COMMAND");
  if (cmd == "ADD") {
    e.command = Command::add;
  } else if (cmd == "DEL") {
    e.command = Command::del;
  } else if (cmd == "CHECK") {
    e.command = Command::check;
  } else if (cmd == "GC") {
    e.command = Command::gc;
  } else if (cmd == "STATUS") {
    e.command = Command::status;
  } else if (cmd == "VERSION") {
    e.command = Command::version;
  } else {
    return Failure{
        Code::invalid_environment,
        cmd.empty() ? "CNI_COMMAND is not set: weft is a CNI plugin, run by a "
                      "container runtime (ADD, DEL, CHECK, GC, STATUS, VERSION)"
                    : "CNI_COMMAND " + cmd + " is not one of ADD, DEL, CHECK, GC, STATUS, VERSION",
        ""};
  }
  if (e.command == Command::add || e.command == Command::del || e.command == Command::check) {
    e.container_id = get("CNI_CONTAINERID");
    if (e.container_id.empty()) return missing("CNI_CONTAINERID", cmd);
    e.ifname = get("CNI_IFNAME");
    if (e.ifname.empty()) return missing("CNI_IFNAME", cmd);
    e.netns = get("CNI_NETNS");
    if (e.netns.empty() && e.command != Command::del) return missing("CNI_NETNS", cmd);
    auto args = parse_cni_args(get("CNI_ARGS"));
    if (!args) return args.error();
    e.args = std::move(*args);
  }
  return e;
}

}  // namespace weft::cni
