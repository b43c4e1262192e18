// SPDX-License-Identifier: Apache-2.0
// The host part of a mesh connection's address, as weftd's fast path and overlay choice
// need it (a flood entry and a sleeve endpoint name the peer's host, not its port).
#pragma once

#include "weft/base/host_port.hpp"
#include "weft/base/ip_address.hpp"

#include <optional>
#include <string>

namespace weft::weftd {

/// "198.18.0.2:6783" and "[fd00::2]:6783" give the address; anything else nullopt.
inline std::optional<IpAddress> host_of(const std::string& address) {
  auto hp = parse_host_port(address);
  if (!hp) return std::nullopt;
  return hp->host;
}

}  // namespace weft::weftd
