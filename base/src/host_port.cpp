// SPDX-License-Identifier: Apache-2.0
#include "weft/base/host_port.hpp"

#include <charconv>
#include <string>

namespace weft {

Result<HostPort> parse_host_port(std::string_view text) {
  std::string_view host = text;
  std::optional<std::string_view> port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return Error(Errc::invalid_argument, "no closing ]");
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Error(Errc::invalid_argument, "expected :PORT after ]");
      port = rest.substr(1);
    }
  } else if (const auto colon = text.find(':');
             colon != std::string_view::npos &&
             text.find(':', colon + 1) == std::string_view::npos) {
    // One colon: an address and a port. More: a bare IPv6 address.
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto address = IpAddress::parse(host);
  if (!address) return address.error();
  HostPort out{*address, std::nullopt};
  if (port) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port->data(), port->data() + port->size(), value);
    if (port->empty() || ec != std::errc() || end != port->data() + port->size() || value == 0 ||
        value > 65535) {
      return Error(Errc::invalid_argument,
                   "the port must be 1..65535, not '" + std::string(*port) + "'");
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

}  // namespace weft
