// SPDX-License-Identifier: Apache-2.0
// "ADDRESS[:PORT]" as flags and configs write it, IPv6 in brackets when a port follows. One
// parser for weftd's flags (--dns-listen, --api-tcp, upstream servers) and peer addresses,
// so each accepts the same forms and says the same things about what it refuses.
#pragma once

#include "weft/base/ip_address.hpp"
#include "weft/base/result.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace weft {

struct HostPort {
  IpAddress host;
  std::optional<std::uint16_t> port;  ///< as written; nullopt when the text gave none
};

/// Parses "ADDRESS", "ADDRESS:PORT", "[IPv6]" and "[IPv6]:PORT"; a bare IPv6 address (more
/// than one colon, no brackets) has no port. A port is 1..65535 in decimal digits. The error
/// (Errc::invalid_argument) says what is wrong but not the text: callers name their flag.
Result<HostPort> parse_host_port(std::string_view text);

}  // namespace weft
