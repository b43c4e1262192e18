// SPDX-License-Identifier: Apache-2.0
#include "config.hpp"

#include "weft/version.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>

namespace weft::weftd {

ParsedArgs parse_args(int argc, char** argv) {
  Config c;
  std::string level = "info";
  CLI::App app{"weftd: the weft router daemon (mesh, IPAM, data plane, DNS)", "weftd"};
  app.set_version_flag("--version", std::string("weftd ") + kVersion + " (" + kGitCommit + ")");
  app.add_option("--data-dir", c.data_dir, "persistent state (weft.db, identity)")
      ->envname("WEFT_DATA_DIR")
      ->capture_default_str();
  app.add_option("--run-dir", c.run_dir, "runtime files (weftd.sock)")
      ->envname("WEFT_RUN_DIR")
      ->capture_default_str();
  app.add_option("--name", c.name, "peer name (8 hex bytes, e.g. 0a:1b:2c:3d:4e:5f:60:71)")
      ->envname("WEFT_NAME");
  app.add_option("--nickname", c.nickname, "human-readable peer name (default: hostname)")
      ->envname("WEFT_NICKNAME");
  app.add_option("--log-level", level, "trace, debug, info, warn, error or off")
      ->envname("WEFT_LOG_LEVEL")
      ->capture_default_str();
  app.add_option("--api-tcp", c.api_tcp, "read-only TCP API address, or 'off'")
      ->envname("WEFT_API_TCP")
      ->capture_default_str();
  app.add_flag("--api-writable-tcp", c.api_writable_tcp,
               "allow writes on the TCP API (any local process could then change weft)")
      ->envname("WEFT_API_WRITABLE_TCP");
  app.add_flag("--reset-data", c.reset_data,
               "wipe the database in --data-dir before starting (loses all state)")
      ->envname("WEFT_RESET_DATA");
  std::string password_file;
  bool no_discovery = false;
  app.add_option("--host", c.host, "address to accept mesh connections on")
      ->envname("WEFT_HOST")
      ->capture_default_str();
  app.add_option("--port", c.port, "mesh port (TCP control; UDP data later)")
      ->envname("WEFT_PORT")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app.add_option("--peer", c.peers, "a peer to connect to, HOST[:PORT]; repeat for more")
      ->envname("WEFT_PEERS")
      ->delimiter(',');
  app.add_option("--password-file", password_file,
                 "file holding the mesh password (or set WEFT_PASSWORD); encrypts the mesh")
      ->envname("WEFT_PASSWORD_FILE")
      ->check(CLI::ExistingFile);
  app.add_flag("--no-discovery", no_discovery, "connect only to --peer and `weft connect` targets")
      ->envname("WEFT_NO_DISCOVERY");
  app.add_option("--conn-limit", c.conn_limit, "most connections this peer makes or accepts")
      ->envname("WEFT_CONN_LIMIT")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--ipalloc-range", c.ipalloc_range,
                 "the address range pods get addresses from (same on every peer)")
      ->envname("WEFT_IPALLOC_RANGE")
      ->capture_default_str();
  app.add_option("--ipalloc-default-subnet", c.ipalloc_default_subnet,
                 "subnet of the range used when a request names none (default: the range)")
      ->envname("WEFT_IPALLOC_DEFAULT_SUBNET");
  app.add_option("--ipalloc-init", c.ipalloc_init,
                 "seed=NAME,... | consensus=N | observer (default consensus=1+number of --peer)")
      ->envname("WEFT_IPALLOC_INIT");
  app.add_flag("--db-sync-normal", c.sync_normal,
               "SQLite synchronous=NORMAL: allocations survive kill -9 but not power loss")
      ->envname("WEFT_DB_SYNC_NORMAL");
  bool no_fastdp = false;
  app.add_flag("--no-fastdp", no_fastdp,
               "no kernel VXLAN fast path: pods' traffic to every peer takes the sleeve")
      ->envname("WEFT_NO_FASTDP");
  std::vector<std::string> trusted;
  app.add_option("--trusted-subnets", trusted,
                 "peers in these CIDRs take the fast path unencrypted even with a password")
      ->envname("WEFT_TRUSTED_SUBNETS")
      ->delimiter(',');
  app.add_option("--mtu", c.mtu,
                 "overlay MTU (default: the underlay's minus 50 for VXLAN, minus 97 when the "
                 "sleeve carries pods: with a password or --no-fastdp)")
      ->envname("WEFT_MTU")
      ->check(CLI::Range(576, 65485));
  bool no_dns = false;
  app.add_flag("--no-dns", no_dns, "do not answer DNS (names are still registered and gossiped)")
      ->envname("WEFT_NO_DNS");
  app.add_option("--dns-listen", c.dns_listen,
                 "IPv4 ADDRESS[:PORT] for DNS over UDP and TCP (default: the bridge's address, "
                 "port 53)")
      ->envname("WEFT_DNS_LISTEN");
  app.add_option("--dns-upstream", c.dns_upstream,
                 "servers for names outside weft.local, ADDRESS[:PORT]; repeat for more "
                 "(default: the nameservers of --resolv-conf)")
      ->envname("WEFT_DNS_UPSTREAM")
      ->delimiter(',');
  app.add_option("--resolv-conf", c.resolv_conf, "where the host's upstream nameservers are listed")
      ->envname("WEFT_RESOLV_CONF")
      ->capture_default_str();
  app.add_option("--dns-ttl", c.dns_ttl, "TTL in seconds of weft.local answers")
      ->envname("WEFT_DNS_TTL")
      ->check(CLI::Range(0, 86400))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return {std::nullopt, app.exit(e)};
  }
  auto parsed = log::parse_level(level);
  if (!parsed) {
    std::cerr << "weftd: --log-level: " << parsed.error().message() << "\n";
    return {std::nullopt, 2};
  }
  c.log_level = *parsed;
  c.discovery = !no_discovery;
  c.fastdp = !no_fastdp;
  c.dns = !no_dns;
  for (const auto& t : trusted) {
    auto cidr = Cidr::parse(t);
    if (!cidr) {
      std::cerr << "weftd: --trusted-subnets: " << cidr.error().message()
                << " (give CIDRs such as 198.18.0.0/15, separated by commas)\n";
      return {std::nullopt, 2};
    }
    c.trusted_subnets.push_back(*cidr);
  }
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    std::getline(in, c.password);
    if (c.password.empty()) {
      std::cerr << "weftd: --password-file " << password_file
                << " is empty: write the mesh password on its first line\n";
      return {std::nullopt, 2};
    }
  } else if (const char* pw = std::getenv("WEFT_PASSWORD"); pw && *pw) {
    c.password = pw;
  }
  return {c, 0};
}

}  // namespace weft::weftd
