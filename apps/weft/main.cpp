// SPDX-License-Identifier: Apache-2.0
// weft: the command-line client of weftd's local API.
#include "weft/api/client.hpp"
#include "weft/version.hpp"

#include <CLI/CLI.hpp>

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
  status->add_option("what", what, "peers | connections | targets | routes")
      ->check(CLI::IsMember({"peers", "connections", "targets", "routes"}));
  auto* report = app.add_subcommand("report", "print weftd's full report as JSON");
  auto* version = app.add_subcommand("version", "print the version of weft");
  std::vector<std::string> connect_peers, forget_peers;
  auto* connect = app.add_subcommand("connect", "add mesh targets (kept across restarts)");
  connect->add_option("peers", connect_peers, "HOST[:PORT] ...")->required();
  auto* forget = app.add_subcommand("forget", "remove mesh targets");
  forget->add_option("peers", forget_peers, "HOST[:PORT] ...")->required();

  CLI11_PARSE(app, argc, argv);
  const weft::api::ApiClient client(std::filesystem::path(run_dir) / "weftd.sock",
                                    std::chrono::seconds(10));

  if (*status) return show(client, what.empty() ? "/status" : "/status/" + what, run_dir);
  if (*connect || *forget) {
    std::string body = "{\"peers\": [";
    const auto& peers = *connect ? connect_peers : forget_peers;
    for (std::size_t i = 0; i < peers.size(); ++i) {
      body += (i ? ", \"" : "\"");
      for (char ch : peers[i]) {
        if (ch == '"' || ch == '\\') body += '\\';
        body += ch;
      }
      body += "\"";
    }
    body += "]}";
    return show(client, *connect ? "/connect" : "/forget", run_dir, "POST", body);
  }
  if (*report) return show(client, "/report", run_dir);
  if (*version) {
    std::cout << "weft " << weft::kVersion << " (" << weft::kGitCommit << ")\n";
    return 0;
  }
  return 1;
}
