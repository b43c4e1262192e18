// SPDX-License-Identifier: Apache-2.0
// The port's free functions, shared by every implementation (the kernel's and the fake's
// refusals must match).
#include "weft/netlink/netlink.hpp"

#include <algorithm>

namespace weft::netlink {

namespace {
constexpr std::size_t kMaxName = 15;  // IFNAMSIZ - 1
}  // namespace

const char* to_string(LinkKind k) {
  switch (k) {
    case LinkKind::bridge: return "bridge";
    case LinkKind::veth: return "veth";
    case LinkKind::vxlan: return "vxlan";
    case LinkKind::tun: return "tun";
    case LinkKind::other: return "other";
  }
  return "other";
}

Result<void> check_link_name(const std::string& name, std::string_view doing) {
  const bool bad_char = std::any_of(name.begin(), name.end(), [](char c) {
    return c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\0';
  });
  if (name.empty() || name.size() > kMaxName || bad_char || name == "." || name == "..") {
    return Error(Errc::invalid_argument,
                 std::string(doing) + " \"" + name +
                     "\": not a device name (1-15 bytes, no '/', ':' or whitespace)");
  }
  return ok();
}

Result<void> check_sysctl_key(const std::string& key) {
  if (key.empty() || key.find("..") != std::string::npos || key.find('/') != std::string::npos) {
    return Error(Errc::invalid_argument, "sysctl " + key + ": not a sysctl key");
  }
  return ok();
}

}  // namespace weft::netlink
