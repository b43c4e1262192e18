// SPDX-License-Identifier: Apache-2.0
// weft: the command-line client of weftd's local API.
#include "weft/api/client.hpp"
#include "weft/version.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace {

// Prints the body of GET `target`, or why it could not be had. Returns the exit code.
int show(const weft::api::ApiClient& client, const std::string& target,
         const std::string& run_dir) {
  auto res = client.request("GET", target);
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
  status->add_option("what", what, "peers | connections")
      ->check(CLI::IsMember({"peers", "connections"}));
  auto* report = app.add_subcommand("report", "print weftd's full report as JSON");
  auto* version = app.add_subcommand("version", "print the version of weft (and of weftd)");

  CLI11_PARSE(app, argc, argv);
  const weft::api::ApiClient client(std::filesystem::path(run_dir) / "weftd.sock",
                                    std::chrono::seconds(10));

  if (*status) return show(client, what.empty() ? "/status" : "/status/" + what, run_dir);
  if (*report) return show(client, "/report", run_dir);
  if (*version) {
    std::cout << "weft " << weft::kVersion << " (" << weft::kGitCommit << ")\n";
    return 0;
  }
  return 1;
}
