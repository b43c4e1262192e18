// SPDX-License-Identifier: Apache-2.0
// weftd: parse the configuration, start the daemon, run the event loop until a signal.
#include "config.hpp"
#include "daemon.hpp"

#include <iostream>

int main(int argc, char** argv) {
  auto args = weft::weftd::parse_args(argc, argv);
  if (!args.config) return args.exit_code;
  weft::log::init_stderr(args.config->log_level);

  boost::asio::io_context io(1);
  auto daemon = weft::weftd::Daemon::start(*args.config, io);
  if (!daemon) {
    std::cerr << "weftd: " << daemon.error().message() << "\n";
    return 1;
  }
  io.run();
  weft::log::info("weftd: stopped");
  return 0;
}
