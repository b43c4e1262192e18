// SPDX-License-Identifier: Apache-2.0
// The forwarder's list of upstream servers as configured: "ADDRESS[:PORT]" strings, the
// resolv.conf check, and what `exclude` removes. No c-ares here (forwarder.cpp hands the list
// to it).
#pragma once

#include "weft/base/ip_address.hpp"
#include "weft/base/result.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace weft::dns::detail {

struct Upstream {
  IpAddress address;
  std::uint16_t port = 53;
  bool any_port = false;  ///< an `exclude` entry without a port: every port of the address

  /// "1.2.3.4:53", "[2001:db8::1]:53".
  [[nodiscard]] std::string to_string() const;
};

/// "ADDRESS", "ADDRESS:PORT", "[v6]", "[v6]:PORT" or a bare IPv6 address (port 53 when none).
/// invalid_argument naming `what` and the text.
Result<Upstream> parse_upstream(std::string_view text, std::string_view what);

/// not_found, saying to pass --dns-upstream, when `path` cannot be read or has no nameserver
/// line. Needed because c-ares silently falls back to 127.0.0.1 in both cases: a guess, and
/// often this very server.
Result<void> check_resolv_conf(const std::filesystem::path& path);

/// `servers` less those `excluded` matches; what went is listed in `dropped` ("a, b").
std::vector<Upstream> without_excluded(const std::vector<Upstream>& servers,
                                       const std::vector<Upstream>& excluded, std::string& dropped);

}  // namespace weft::dns::detail
