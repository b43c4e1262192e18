// SPDX-License-Identifier: Apache-2.0
// Fast-path heartbeats: does VXLAN traffic from each peer reach this host? Every second each
// weftd sends one Ethernet frame (ethertype 0x88B5, to a fixed weft multicast MAC) into
// weft-vxlan; the kernel floods it to every peer's VTEP through the flood entries, exactly
// the way pods' ARP travels. Each weftd notes whose heartbeats arrive; a peer not heard for
// kFailAfter is marked failing (UDP 6784 blocked or lost between the hosts), and the
// encrypted userspace path (issue 6) will take such a peer over. The bridge drops these
// frames (nftables, egress.hpp) so pods never see them.
#pragma once

#include "weft/base/ip_address.hpp"
#include "weft/base/mac_address.hpp"
#include "weft/base/result.hpp"
#include "weft/base/time.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace weft::router {

/// IEEE 802 "local experimental" ethertype 1.
inline constexpr std::uint16_t kHeartbeatEtherType = 0x88B5;
/// Locally administered multicast "wfthb": flooded to every VTEP, never a pod's MAC.
inline constexpr MacAddress kHeartbeatMac{{0x03, 0x77, 0x66, 0x74, 0x68, 0x62}};
inline constexpr auto kHeartbeatEvery = std::chrono::seconds(1);
inline constexpr auto kFailAfter = std::chrono::milliseconds(3500);

/// At most this many sender addresses in one heartbeat.
inline constexpr std::size_t kMaxHeartbeatAddresses = 16;
/// At most this many heard peers in one heartbeat (a 1280-byte frame holds them).
inline constexpr std::size_t kMaxHeardPeers = 200;

struct Heartbeat {
  /// The sender's underlay addresses: one frame goes to every peer, and each peer knows the
  /// sender by the address its own flood entry names, which is one of these.
  std::vector<IpAddress> senders;
  std::uint64_t seq = 0;
  /// The peers whose heartbeats the sender hears (by the addresses of its flood entries),
  /// so each side learns whether its own get through: a one-way block fails both ends
  /// alike, and both move that peer to the sleeve together.
  std::vector<IpAddress> heard;
  friend bool operator==(const Heartbeat&, const Heartbeat&) = default;
};

/// An `nft -f` script for table `bridge weft`: heartbeats arriving through `vxlan` go no
/// further than weftd's packet socket (the bridge would flood them to every pod); with a
/// `tap` (the sleeve's), nothing crosses between the two overlays' ports either.
std::string heartbeat_filter_ruleset(const std::string& vxlan, const std::string& tap = {});
/// Removes that table (and succeeds when it is not there).
std::string heartbeat_filter_teardown();

/// The whole Ethernet frame (padded to the 60-byte minimum); senders beyond
/// kMaxHeartbeatAddresses are left out, and heard peers beyond kMaxHeardPeers.
std::vector<std::uint8_t> encode_heartbeat(const Heartbeat& hb, const MacAddress& src);
/// Anything but a well-formed weft heartbeat frame is an Errc::parse_error; never throws.
Result<Heartbeat> decode_heartbeat(std::span<const std::uint8_t> frame);

struct PeerHeartbeat {
  bool ok = false;     ///< heard within kFailAfter, and it hears us (or still in the grace)
  std::string reason;  ///< when not ok: "no VXLAN heartbeat from X for N s ..."
};

/// Per-peer view over time. Peers are the ones with a flood entry; time is passed in.
class HeartbeatMonitor {
 public:
  /// The peers expected to be heard; a new one gets kFailAfter of grace.
  void set_peers(const std::set<IpAddress>& peers, TimePoint now);
  /// A heartbeat arrived; the expected peer among its addresses is marked heard, and as
  /// hearing us when one of `self` (this host's underlay addresses) is in its heard list.
  void on_heartbeat(const Heartbeat& hb, const std::vector<IpAddress>& self, TimePoint now);
  /// The expected peers heard within kFailAfter: this host's heard list.
  [[nodiscard]] std::vector<IpAddress> heard(TimePoint now) const;
  [[nodiscard]] PeerHeartbeat state(const IpAddress& peer, TimePoint now) const;
  /// True once per kHeartbeatEvery: time to send this host's heartbeat.
  bool due(TimePoint now);
  /// Peers whose ok-ness changed since the last call, with their new state (for the log).
  std::vector<std::pair<IpAddress, PeerHeartbeat>> changes(TimePoint now);
  [[nodiscard]] std::uint64_t next_seq() { return ++seq_; }

 private:
  struct Peer {
    TimePoint since;  ///< expected from then on
    std::optional<TimePoint> last;
    std::optional<TimePoint> hears_us;  ///< the last heartbeat that listed us
    bool reported_ok = true;
  };
  std::map<IpAddress, Peer> peers_;
  TimePoint next_send_{};
  std::uint64_t seq_ = 0;
};

}  // namespace weft::router
