// SPDX-License-Identifier: Apache-2.0
#include "weft/base/process_metrics.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace weft {
namespace {

double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(4096, '\n');
  }
  return 0;
}

}  // namespace

void collect_process_metrics(MetricsRegistry& registry) {
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));

  std::ifstream stat_file("/proc/self/stat");
  std::string line;
  if (std::getline(stat_file, line)) {
    // The command name (field 2) may contain spaces; fields resume after the last ')'.
    const auto close = line.rfind(')');
    if (close != std::string::npos) {
      std::istringstream rest(line.substr(close + 2));
      std::vector<std::string> f;
      std::string tok;
      while (rest >> tok) f.push_back(tok);
      // f[0] is field 3 (state): utime=14, stime=15, starttime=22, vsize=23, rss=24.
      if (f.size() > 21) {
        const double utime = std::stod(f[11]), stime = std::stod(f[12]);
        registry.counter("process_cpu_seconds_total", "Total user and system CPU time in seconds.")
            .mirror((utime + stime) / ticks);
        registry.gauge("process_start_time_seconds", "Start time since the epoch in seconds.")
            .set(boot_time_seconds() + std::stod(f[19]) / ticks);
        registry.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.")
            .set(std::stod(f[20]));
        registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.")
            .set(std::stod(f[21]) * page);
      }
    }
  }

  std::error_code ec;
  double fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  if (!ec) registry.gauge("process_open_fds", "Number of open file descriptors.").set(fds);
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    registry.gauge("process_max_fds", "Maximum number of open file descriptors.")
        .set(static_cast<double>(lim.rlim_cur));
  }
}

}  // namespace weft
