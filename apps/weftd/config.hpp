// SPDX-License-Identifier: Apache-2.0
// weftd's configuration: command-line flags with WEFT_* environment equivalents.
#pragma once

#include "weft/base/cidr.hpp"
#include "weft/base/log.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace weft::weftd {

struct Config {
  std::filesystem::path data_dir = "/var/lib/weft";
  std::filesystem::path run_dir = "/run/weft";
  std::string name;      ///< peer name; empty = the persisted one, or a new random one
  std::string nickname;  ///< empty = hostname
  log::Level log_level = log::Level::info;
  std::string api_tcp = "127.0.0.1:6784";  ///< "off" disables the TCP listener
  bool api_writable_tcp = false;
  bool reset_data = false;

  // Mesh.
  std::string host = "0.0.0.0";  ///< address to accept mesh connections on
  int port = 6783;
  std::vector<std::string> peers;  ///< --peer, repeatable
  std::string password;            ///< from --password-file or WEFT_PASSWORD, never argv
  bool discovery = true;
  int conn_limit = 100;

  // IPAM.
  std::string ipalloc_range = "10.32.0.0/12";
  std::string ipalloc_default_subnet;  ///< empty = the whole range
  std::string ipalloc_init;            ///< empty = consensus=1+len(peers)
  /// FULL (default): an allocation is on disk before it is acknowledged, even across power
  /// loss. NORMAL: survives kill -9 of weftd but not power loss; for benchmarks and tests.
  bool sync_normal = false;

  // Data plane.
  bool fastdp = true;     ///< --no-fastdp: every peer takes the sleeve
  std::uint32_t mtu = 0;  ///< --mtu; 0 = derived from the underlay (see --help)
  /// Peers whose address is in one of these take the fast path even with a password.
  std::vector<Cidr> trusted_subnets;

  // DNS.
  bool dns = true;                        ///< --no-dns: no server (the registry is still gossiped)
  std::string dns_listen;                 ///< ADDRESS[:PORT]; empty = the bridge's address, port 53
  std::vector<std::string> dns_upstream;  ///< empty = the nameservers of resolv.conf
  std::string resolv_conf = "/etc/resolv.conf";
  std::uint32_t dns_ttl = 30;
};

/// The outcome of parsing argv: a config to run with, or an exit code (help, version, error)
/// after CLI11 has printed what the user needs.
struct ParsedArgs {
  std::optional<Config> config;
  int exit_code = 0;
};

ParsedArgs parse_args(int argc, char** argv);

}  // namespace weft::weftd
