// SPDX-License-Identifier: Apache-2.0
#include "upstreams.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <optional>
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
  std::string_view host = text;
  std::optional<std::string_view> port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return bad("no closing ]");
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("expected :PORT after ]");
      port = rest.substr(1);
    }
  } else if (const auto colon = text.find(':');
             colon != std::string_view::npos &&
             text.find(':', colon + 1) == std::string_view::npos) {
    // One colon: IPv4 and a port. More: a bare IPv6 address.
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto address = IpAddress::parse(host);
  if (!address) return bad(address.error().message());
  Upstream u{*address, 53, !port};
  if (port) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port->data(), port->data() + port->size(), value);
    if (port->empty() || ec != std::errc() || end != port->data() + port->size() || value == 0 ||
        value > 65535) {
      return bad("the port must be 1..65535");
    }
    u.port = static_cast<std::uint16_t>(value);
  }
  return u;
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
