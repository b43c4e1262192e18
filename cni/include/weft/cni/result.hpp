// SPDX-License-Identifier: Apache-2.0
// The ADD result (interfaces, ips, routes, dns) and its encoding in every version weft
// speaks: 0.3.x and 0.4.0 tag each IP with "version"; 1.0.0 drops it; 1.1.0 adds an
// interface's "mtu". A chained plugin's prevResult is read with the same rules.
#pragma once

#include "weft/cni/spec.hpp"

#include <optional>
#include <string>
#include <vector>

namespace weft::cni {

struct Interface {
  std::string name;
  std::string mac;
  std::string sandbox;  ///< the netns path for interfaces inside the pod, else empty
  std::optional<std::uint32_t> mtu;
  friend bool operator==(const Interface&, const Interface&) = default;
};

struct IpConfig {
  std::string address;           ///< "10.32.0.5/12"
  std::string gateway;           ///< may be empty
  std::optional<int> interface;  ///< index into interfaces
  friend bool operator==(const IpConfig&, const IpConfig&) = default;
};

struct RouteEntry {
  std::string dst;  ///< "0.0.0.0/0"
  std::string gw;   ///< may be empty
  friend bool operator==(const RouteEntry&, const RouteEntry&) = default;
};

struct Dns {
  std::vector<std::string> nameservers;
  std::string domain;
  std::vector<std::string> search;
  std::vector<std::string> options;
  friend bool operator==(const Dns&, const Dns&) = default;
};

struct AddResult {
  std::vector<Interface> interfaces;
  std::vector<IpConfig> ips;
  std::vector<RouteEntry> routes;
  Dns dns;
  friend bool operator==(const AddResult&, const AddResult&) = default;
};

/// The result as `cni_version` writes it (a supported version).
std::string encode_result(const AddResult& r, std::string_view cni_version);
/// Reads a result of any supported version (prevResult): code 6 for bad JSON or fields.
Outcome<AddResult> parse_result(std::string_view json_text);

}  // namespace weft::cni
