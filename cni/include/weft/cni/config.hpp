// SPDX-License-Identifier: Apache-2.0
// The network configuration a runtime gives weft-cni on stdin, and the CNI_* environment.
// Parsing never throws: bad bytes are a Failure with the spec's code and the field named.
#pragma once

#include "weft/cni/spec.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace weft::cni {

inline constexpr const char* kDefaultDaemonSocket = "/run/weft/weftd.sock";

/// One attachment the runtime still uses (GC's "cni.dev/valid-attachments").
struct Attachment {
  std::string container_id;
  std::string ifname;
  friend bool operator==(const Attachment&, const Attachment&) = default;
};

struct NetConf {
  std::string cni_version;
  std::vector<std::string> cni_versions;  ///< the conflist's "cniVersions", when given
  std::string name;
  std::string daemon_socket = kDefaultDaemonSocket;
  std::uint32_t mtu = 0;  ///< 0: the bridge's MTU, which weftd derives from the underlay
  bool hairpin = false;
  std::optional<std::string> subnet;  ///< allocate in this CIDR instead of the default
  /// Registered as HOSTNAME.weft.local for every pod of this network (a shared name: all
  /// their addresses), besides K8S_POD_NAME; CNI_ARGS HOSTNAME= gives one per pod.
  std::string hostname;
  std::optional<std::string> prev_result;     ///< JSON text, when chained after another plugin
  std::vector<Attachment> valid_attachments;  ///< GC only
};

/// Parses stdin. Codes: 6 not JSON, 1 a version weft does not speak, 7 a bad field (named).
Outcome<NetConf> parse_netconf(std::string_view bytes);

enum class Command { add, del, check, gc, status, version };

struct CniArgs {
  std::string pod_name;       ///< K8S_POD_NAME
  std::string pod_namespace;  ///< K8S_POD_NAMESPACE
  std::string hostname;       ///< HOSTNAME: registered in DNS like the pod name
};

struct CniEnv {
  Command command = Command::version;
  std::string container_id;
  std::string netns;  ///< may be empty on DEL (the runtime lost it)
  std::string ifname;
  CniArgs args;
};

/// Reads CNI_COMMAND and what that command requires (code 4 naming a missing variable).
/// `get` returns the variable's value, nullopt when unset.
template <class Get>
Outcome<CniEnv> parse_env(Get&& get);
Outcome<CniEnv> parse_env_map(const std::map<std::string, std::string>& env);
/// "IgnoreUnknown=1;K8S_POD_NAME=web-0;K8S_POD_NAMESPACE=default" (unknown keys ignored).
Outcome<CniArgs> parse_cni_args(std::string_view s);

template <class Get>
Outcome<CniEnv> parse_env(Get&& get) {
  std::map<std::string, std::string> env;
  for (const char* k : {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS"}) {
    if (auto v = get(k)) env[k] = *v;
  }
  return parse_env_map(env);
}

}  // namespace weft::cni
