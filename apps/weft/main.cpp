// SPDX-License-Identifier: Apache-2.0
// weft: the command-line client of weftd's local API.
#include "weft/api/client.hpp"
#include "weft/version.hpp"

#include "reset.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

namespace {

// Prints the body of GET `target`, or why it could not be had. Returns the exit code.
int show(const weft::api::ApiClient& client, const std::string& target, const std::string& run_dir,
         const std::string& method = "GET", const std::string& body = "") {
  auto res = client.request(method, target, body);
  if (!res) {
    if (res.error().is(weft::Errc::unavailable)) {
      std::cerr << "weft: " << res.error().message() << "; start it with `weftd --run-dir "
                << run_dir << "` or pass --run-dir where it runs\n";
    } else {
      std::cerr << "weft: " << res.error().message() << "\n";
    }
    return 1;
  }
  if (res->status != 200) {
    std::cerr << "weft: weftd answered " << res->status << " for " << target << ": " << res->body;
    return 1;
  }
  std::cout << res->body;
  return 0;
}

// A JSON string literal for `s` (ids and names are printable; control bytes are escaped).
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      out += buf;
    } else {
      out += static_cast<char>(ch);
    }
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"weft: show and control the weft network on this host", "weft"};
  std::string run_dir = "/run/weft";
  app.add_option("--run-dir", run_dir, "where weftd runs (its weftd.sock)")
      ->envname("WEFT_RUN_DIR")
      ->capture_default_str();
  app.require_subcommand(1);

  auto* status = app.add_subcommand("status", "show the state of weftd (weave status look)");
  std::string what;
  status->add_option("what", what, "peers | connections | targets | routes | ipam | dns")
      ->check(CLI::IsMember({"peers", "connections", "targets", "routes", "ipam", "dns"}));
  auto* report = app.add_subcommand("report", "print weftd's full report as JSON");
  auto* version = app.add_subcommand("version", "print the version of weft");
  std::vector<std::string> connect_peers, forget_peers;
  auto* connect = app.add_subcommand("connect", "add mesh targets (kept across restarts)");
  connect->add_option("peers", connect_peers, "HOST[:PORT] ...")->required();
  auto* forget = app.add_subcommand("forget", "remove mesh targets");
  forget->add_option("peers", forget_peers, "HOST[:PORT] ...")->required();

  auto* reset_cmd = app.add_subcommand(
      "reset", "remove the bridge and VXLAN device weft made on this host (stop weftd first)");
  auto* ps = app.add_subcommand(
      "ps",
      "list the addresses held on this host: id, address, subnet, and for pods the "
      "interface, MAC and pod");
  auto* expose = app.add_subcommand(
      "expose",
      "give the bridge an address from IPAM: host and pods reach each other, pods "
      "reach the outside (the default)");
  auto* hide = app.add_subcommand("hide", "take the bridge's address away (undoes expose)");
  std::string rm_peer;
  auto* rmpeer = app.add_subcommand(
      "rmpeer", "a peer is gone for good: its address space passes to live peers");
  rmpeer->add_option("peer", rm_peer, "peer name or nickname")->required();
  auto* ipam_cmd = app.add_subcommand("ipam", "allocate, claim, free and look up addresses");
  ipam_cmd->require_subcommand(1);
  std::string ipam_id, ipam_arg;
  auto* alloc = ipam_cmd->add_subcommand("allocate", "an address for a container id (idempotent)");
  alloc->add_option("id", ipam_id, "container id")->required();
  alloc->add_option("subnet", ipam_arg, "CIDR inside the range (default: the default subnet)");
  auto* claim = ipam_cmd->add_subcommand("claim", "record that a container id holds an address");
  claim->add_option("id", ipam_id, "container id")->required();
  claim->add_option("address", ipam_arg, "the address")->required();
  auto* free_cmd = ipam_cmd->add_subcommand("free", "free the addresses of a container id");
  free_cmd->add_option("id", ipam_id, "container id")->required();
  auto* reset = ipam_cmd->add_subcommand(
      "reset", "leave this peer's ring for another (after a ring conflict; no addresses held)");
  auto* leave = ipam_cmd->add_subcommand(
      "leave", "hand this peer's space to a live peer before decommissioning the host");
  auto* lookup = ipam_cmd->add_subcommand("lookup", "the addresses held for a container id");
  lookup->add_option("id", ipam_id, "container id")->required();

  std::string dns_name;
  std::vector<std::string> dns_addresses;
  auto* dns_add = app.add_subcommand(
      "dns-add", "register NAME.weft.local for addresses (every host answers for it)");
  dns_add->add_option("name", dns_name, "NAME or NAME.weft.local")->required();
  dns_add->add_option("addresses", dns_addresses, "IP ...")->required();
  auto* dns_remove = app.add_subcommand(
      "dns-remove", "remove a name this host registered (all its addresses, or those given)");
  dns_remove->add_option("name", dns_name, "NAME or NAME.weft.local")->required();
  dns_remove->add_option("addresses", dns_addresses, "IP ...");
  auto* dns_lookup = app.add_subcommand("dns-lookup", "the addresses of a name in weft.local");
  dns_lookup->add_option("name", dns_name, "NAME or NAME.weft.local")->required();

  CLI11_PARSE(app, argc, argv);
  // An allocation may wait for space from peers for up to 30 s; everything else is quick.
  const weft::api::ApiClient client(std::filesystem::path(run_dir) / "weftd.sock",
                                    std::chrono::seconds(*alloc ? 45 : 10));

  if (*status) return show(client, what.empty() ? "/status" : "/status/" + what, run_dir);
  if (*connect || *forget) {
    std::string body = "{\"peers\": [";
    const auto& peers = *connect ? connect_peers : forget_peers;
    for (std::size_t i = 0; i < peers.size(); ++i) body += (i ? ", " : "") + quote(peers[i]);
    body += "]}";
    return show(client, *connect ? "/connect" : "/forget", run_dir, "POST", body);
  }
  if (*report) return show(client, "/report", run_dir);
  if (*reset_cmd) return weft::cli::reset_host(client, run_dir);
  if (*ps) return show(client, "/ps", run_dir);
  if (*expose) return show(client, "/expose", run_dir, "POST");
  if (*hide) return show(client, "/hide", run_dir, "POST");
  if (*rmpeer) {
    return show(client, "/ipam/rmpeer", run_dir, "POST", "{\"peer\": " + quote(rm_peer) + "}");
  }
  if (*alloc) {
    std::string body = "{\"id\": " + quote(ipam_id);
    if (!ipam_arg.empty()) body += ", \"subnet\": " + quote(ipam_arg);
    return show(client, "/ipam/allocate", run_dir, "POST", body + "}");
  }
  if (*claim) {
    return show(client, "/ipam/claim", run_dir, "POST",
                "{\"id\": " + quote(ipam_id) + ", \"address\": " + quote(ipam_arg) + "}");
  }
  if (*free_cmd) {
    return show(client, "/ipam/free", run_dir, "POST", "{\"id\": " + quote(ipam_id) + "}");
  }
  if (*reset) return show(client, "/ipam/reset", run_dir, "POST");
  if (*leave) return show(client, "/ipam/leave", run_dir, "POST");
  if (*lookup) return show(client, "/ipam/lookup?id=" + weft::api::url_encode(ipam_id), run_dir);
  if (*dns_add || *dns_remove) {
    std::string body = "{\"name\": " + quote(dns_name) + ", \"addresses\": [";
    for (std::size_t i = 0; i < dns_addresses.size(); ++i) {
      body += (i ? ", " : "") + quote(dns_addresses[i]);
    }
    return show(client, *dns_add ? "/dns/add" : "/dns/remove", run_dir, "POST", body + "]}");
  }
  if (*dns_lookup) {
    return show(client, "/dns/lookup?name=" + weft::api::url_encode(dns_name), run_dir);
  }
  if (*version) {
    std::cout << "weft " << weft::kVersion << " (" << weft::kGitCommit << ")\n";
    return 0;
  }
  return 1;
}
