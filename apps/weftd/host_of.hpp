// SPDX-License-Identifier: Apache-2.0
// The host part of a mesh connection's address, as weftd's fast path and overlay choice
// need it (a flood entry and a sleeve endpoint name the peer's host, not its port).
#pragma once

#include "weft/base/ip_address.hpp"

#include <optional>
#include <string>

namespace weft::weftd {

/// "198.18.0.2:6783" and "[fd00::2]:6783" give the address; anything else nullopt.
inline std::optional<IpAddress> host_of(const std::string& address) {
  std::string host = address;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(1, host.find(']') == std::string::npos ? 0 : host.find(']') - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string::npos) {
    host.resize(colon);
  }
  auto ip = IpAddress::parse(host);
  if (!ip) return std::nullopt;
  return *ip;
}

}  // namespace weft::weftd
