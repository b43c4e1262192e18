// SPDX-License-Identifier: Apache-2.0
#include "upstreams.hpp"

#include "weft/base/host_port.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace weft::dns::detail {

std::string Upstream::to_string() const {
  const std::string a = address.is_v4() ? address.to_string() : "[" + address.to_string() + "]";
  return a + ":" + std::to_string(port);
}

Result<Upstream> parse_upstream(std::string_view text, std::string_view what) {
  const auto bad = [&](std::string_view why) {
    return Error(Errc::invalid_argument, std::string(what) + " \"" + std::string(text) +
                                             "\": " + std::string(why) +
                                             " (want ADDRESS, ADDRESS:PORT or [IPv6]:PORT)");
  };
  auto hp = parse_host_port(text);
  if (!hp) return bad(hp.error().message());
  return Upstream{hp->host, hp->port.value_or(53), !hp->port};
}

Result<void> check_resolv_conf(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return Error(Errc::not_found, "cannot read " + path.string() + ": " + std::strerror(errno) +
                                      "; pass the upstream servers with --dns-upstream");
  }
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string keyword;
    if (words >> keyword && keyword == "nameserver") return ok();
  }
  return Error(Errc::not_found, path.string() +
                                    " names no nameserver; pass the upstream servers with "
                                    "--dns-upstream");
}

std::vector<Upstream> without_excluded(const std::vector<Upstream>& servers,
                                       const std::vector<Upstream>& excluded,
                                       std::string& dropped) {
  std::vector<Upstream> kept;
  for (const auto& u : servers) {
    const bool out = std::any_of(excluded.begin(), excluded.end(), [&](const Upstream& x) {
      return x.address == u.address && (x.any_port || x.port == u.port);
    });
    if (out) {
      dropped += (dropped.empty() ? "" : ", ") + u.to_string();
    } else {
      kept.push_back(u);
    }
  }
  return kept;
}

}  // namespace weft::dns::detail
