// SPDX-License-Identifier: Apache-2.0
// The daemon's report: one typed snapshot that `GET /report` serialises as JSON and
// `GET /status` renders as text, so the two can never disagree.
#pragma once

#include "weft/base/result.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace weft::api {

/// One connection of a peer, as the topology knows it.
struct PeerConnection {
  std::string name;
  std::string nickname;
  std::string address;
  bool outbound = false;
  bool established = false;
};

struct PeerInfo {
  std::string name;
  std::string nickname;
  std::vector<PeerConnection> connections;
};

/// A connection of the local peer (direction, remote address, state and why).
struct ConnectionInfo {
  std::string address;
  bool outbound = false;
  std::string state;  ///< established | pending | connecting | retrying | failed
  std::string info;   ///< reason for failures, peer name(nickname) otherwise
  bool encrypted = false;
  std::string overlay{};  ///< "fastdp" or "sleeve": what pod traffic to this peer takes
  std::uint32_t mtu = 0;  ///< of that overlay (on the sleeve, of the path to this peer)
  /// On the sleeve: how `mtu` is known: "verified" (the peer answered probes of that size),
  /// "probing" (a search runs; `mtu` is the previous one) or "unanswered".
  std::string path_mtu{};
  /// Why that overlay is not carrying traffic to this peer ("no VXLAN heartbeat from X for
  /// 5 s: ..."); empty while it works.
  std::string overlay_problem{};
  /// Why the sleeve rather than the fast path ("encrypted (password set; ...)").
  std::string overlay_reason{};
};

/// A unicast route of the local peer: traffic for `destination` leaves through `via`
/// (the destination itself when directly connected).
struct RouteInfo {
  std::string destination;
  std::string destination_nickname;
  std::string via;
  std::string via_nickname;
};

struct RouterReport {
  std::string name;      ///< peer name, "0a:1b:..:71"
  std::string nickname;  ///< default: hostname
  std::string protocol = "weft";
  int protocol_min_version = 1;
  int protocol_max_version = 1;
  std::string encryption = "disabled";
  bool peer_discovery = true;
  int port = 6783;
  std::vector<std::string> targets;
  std::uint64_t terminations = 0;
  std::vector<ConnectionInfo> connections;
  std::vector<PeerInfo> peers;    ///< includes the local peer
  std::vector<RouteInfo> routes;  ///< one per reachable peer other than the local one
};

/// One token of the IPAM ring: the addresses from `token` to the next token.
struct IpamEntry {
  std::string token;  ///< first address
  double size = 0;    ///< addresses (exact below 2^53)
  std::string peer;   ///< effective owner (the heir when the owner was removed)
  std::string nickname;
  std::uint32_t version = 0;
  double free = 0;  ///< the owner's last reported count of free addresses
  bool reachable = true;
};

/// What one peer owns of the range, summed over its tokens.
struct IpamPeer {
  std::string name;
  std::string nickname;
  double owned = 0;
  double percent = 0;  ///< of the whole range
  double active = 0;   ///< owned minus reported free (this peer: its own exact count)
  bool reachable = true;
  bool removed = false;  ///< rmpeer'd
  /// A removal not settled yet: the peers whose acknowledgement its space waits for (names;
  /// nobody uses that space meanwhile, decision 0006). Empty once settled.
  std::vector<std::string> awaiting;
};

struct IpamReport {
  /// "ready", "awaiting consensus (quorum Q, known K)", "awaiting seed peers ...",
  /// "observer: awaiting the ring", "conflict: ..."
  std::string status;
  std::string range;
  std::string default_subnet;
  std::string bootstrap;  ///< seed=..., consensus=N or observer
  std::uint64_t allocations = 0;
  std::uint64_t pending = 0;
  std::vector<std::string> seeds;
  std::vector<IpamEntry> entries;
  std::vector<IpamPeer> peers;
};

/// One address held on this peer (`weft ps`).
struct AllocationInfo {
  std::string id;
  std::string address;  ///< with the subnet's prefix length, "10.32.0.5/12"
  std::string subnet;
  // For pods attached by weft-cni (empty otherwise): what `weft ps` shows beside the address.
  std::string interface;  ///< the pod's interface, "eth0"
  std::string mac;
  std::string pod;  ///< "namespace/name" from K8S_POD_NAMESPACE / K8S_POD_NAME
};

struct DaemonReport {
  std::int64_t pid = 0;
  std::int64_t uptime_seconds = 0;
  std::string data_dir;
  std::string run_dir;
  std::string api_socket;
  std::string api_tcp;  ///< "127.0.0.1:6784", or "" when disabled
  bool api_tcp_writable = false;
};

/// The kernel VXLAN fast path on this host.
struct FastPathReport {
  std::string status;  ///< "ready", "off" (--no-fastdp), or what failed and what to do
  std::string bridge;
  std::string vxlan;
  std::uint32_t mtu = 0;
  std::uint16_t port = 0;
  std::vector<std::string> peers;  ///< underlay addresses with a flood entry
  /// The bridge's own address from IPAM ("10.32.0.1/12"), which pods route through; empty
  /// while hidden or not yet allocated.
  std::string address;
  /// "exposed", "hidden (weft hide)", "waiting for IPAM", or what failed and what to do.
  std::string expose;
  /// Egress masquerade: "on" or what failed.
  std::string egress;
  /// Flood peers whose VXLAN heartbeats arrive (the rest are failing).
  std::uint32_t heartbeats_ok = 0;
  /// The sleeve: "ready", "not started", or what failed and what to do.
  std::string sleeve;
  std::string sleeve_cipher;       ///< the AEAD this host seals with ("aes-256-gcm", ...)
  std::uint32_t sleeve_peers = 0;  ///< peers whose pods this host reaches over the sleeve
};

/// One live name of the `weft.local.` registry (`weft status dns`).
struct DnsEntry {
  std::string name;  ///< "web-1.weft.local."
  std::string address;
  std::string container;  ///< the container id it belongs to ("weft:manual" for dns-add)
  std::string origin;     ///< the peer that registered it
  std::string origin_nickname;
};

/// The embedded DNS server on this host.
struct DnsReport {
  /// "ready", "off (--no-dns)", "waiting for the bridge address", or what failed and what to
  /// do.
  std::string status;
  std::string domain;                 ///< "weft.local."
  std::string listen;                 ///< "10.32.0.1:53" (UDP and TCP)
  std::vector<std::string> upstream;  ///< servers forwarded to; empty: forwarding off
  std::string upstream_problem;       ///< why forwarding is off, when it is
  std::uint32_t ttl = 0;
  std::uint64_t cache_entries = 0;
  std::vector<DnsEntry> entries;
};

struct Report {
  std::string version;
  std::string commit;
  RouterReport router;
  IpamReport ipam;
  FastPathReport fastdp;
  DnsReport dns;
  DaemonReport daemon;
};

void to_json(nlohmann::json& j, const AllocationInfo& a);
void from_json(const nlohmann::json& j, AllocationInfo& a);

void to_json(nlohmann::json& j, const Report& r);
void from_json(const nlohmann::json& j, Report& r);

/// Serialises with two-space indentation, as `weft report` prints it.
std::string report_to_json(const Report& report);
/// Parses what report_to_json produced; bad input is an Errc::parse_error, never a throw.
Result<Report> report_from_json(std::string_view text);

}  // namespace weft::api
