// SPDX-License-Identifier: Apache-2.0
// The mesh core (sans I/O): connections, handshakes, topology gossip, routes and channels.
// The io layer reports events (accepted, dialed, bytes, closed, ticks) with the current
// time and carries out the effects it takes (dial, send, close). Single-threaded.
#pragma once

#include "weft/base/rng.hpp"
#include "weft/base/time.hpp"
#include "weft/gossip/connection_maker.hpp"
#include "weft/gossip/frame_reader.hpp"
#include "weft/gossip/gossiper.hpp"
#include "weft/gossip/handshake.hpp"
#include "weft/gossip/psk.hpp"
#include "weft/gossip/session.hpp"
#include "weft/gossip/topology.hpp"

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>

namespace weft::gossip {

using namespace std::chrono_literals;

struct MeshConfig {
  PeerName name;
  std::string nickname;
  std::uint64_t incarnation = 0;
  std::array<std::uint8_t, 32> static_public{};
  std::array<std::uint8_t, 32> static_secret{};
  std::optional<Psk> psk;  ///< set: connections are authenticated and encrypted
  std::uint16_t port = 6783;
  ConnectionMakerConfig maker;
  Duration handshake_timeout = 10s;
  Duration heartbeat_interval = 10s;
  Duration heartbeat_timeout = 30s;
  /// Coalesces topology announcements per neighbour: a peer's entry changes once per new
  /// connection, and while a mesh forms that is many changes a second; each announced
  /// version is pulled by every peer. 100 ms keeps a join within ~0.5 s of virtual time
  /// over 4 hops while cutting versions in flight about 4x against 20 ms (tests/sim).
  Duration topology_flush = 100ms;
  Duration request_timeout = 1s;  ///< an unanswered entry request may go to another peer
  /// Repair for anything lazy push missed: a topology hash check with each neighbour. Rarely
  /// needed (announce-then-pull retries on its own), and a mismatch while a mesh changes
  /// costs two full digests, so it is not frequent.
  Duration digest_interval = 30s;
  Duration gossip_interval = 30s;  ///< channels' periodic anti-entropy
  Duration gc_delay = 1s;          ///< unreachable peers are forgotten after this
  EntryInterner interner;          ///< unset in weftd; see Topology
};

using ConnId = std::uint64_t;
struct DialEffect {
  ConnId conn;
  std::string address;
};
struct SendEffect {
  ConnId conn;
  Bytes bytes;
};
struct CloseEffect {
  ConnId conn;
  std::string reason;
};
using Effect = std::variant<DialEffect, SendEffect, CloseEffect>;

struct ConnectionStatus {
  ConnId id = 0;
  std::string address;
  bool outbound = false;
  std::string state;  ///< connecting | pending | established | failed
  std::string info;
  PeerName peer;
  bool encrypted = false;
};

/// The sleeve's keys for one established connection (router/sleeve_crypto.hpp): this side's
/// send key and receive key, exported from the connection's session, so both ends derive
/// the same pair and every new handshake gives a new one. `conn` tells a reconnect apart.
struct SleeveKeys {
  ConnId conn = 0;
  bool encrypted = false;
  std::array<std::uint8_t, 32> send{};
  std::array<std::uint8_t, 32> recv{};
};

struct ChannelStats {
  std::uint64_t messages_sent = 0, bytes_sent = 0;
  std::uint64_t messages_received = 0, bytes_received = 0;
  std::uint64_t merge_failures = 0, undeliverable = 0;
};

struct MeshStats {
  std::uint64_t terminations = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t entries_received = 0;       ///< topology entry bodies received
  std::uint64_t digest_items_received = 0;  ///< (name, version) announcements received
  std::uint64_t request_repairs = 0;        ///< times an undelivered entry triggered digest checks
  std::map<std::string, ChannelStats> channels;  ///< "topology" plus registered channels
};

class Mesh {
 public:
  Mesh(MeshConfig config, Rng& rng, TimePoint now);
  Mesh(const Mesh&) = delete;
  Mesh& operator=(const Mesh&) = delete;

  // Events from the io layer.
  ConnId on_accepted(std::string remote_address, TimePoint now);
  void on_dialed(ConnId conn, TimePoint now);
  void on_dial_failed(ConnId conn, std::string reason, TimePoint now);
  void on_bytes(ConnId conn, std::span<const std::uint8_t> bytes, TimePoint now);
  void on_closed(ConnId conn, std::string reason, TimePoint now);
  void on_tick(TimePoint now);
  [[nodiscard]] TimePoint next_deadline() const;
  std::vector<Effect> take_effects();

  // Control.
  Result<std::string> connect(std::string_view target, TimePoint now);
  bool forget(std::string_view target);
  GossipChannel register_channel(std::string name, Gossiper& gossiper);

  // Introspection.
  [[nodiscard]] const MeshConfig& config() const { return config_; }
  [[nodiscard]] const Topology& topology() const { return topology_; }
  /// A peer's nickname from the topology, or remembered after it was forgotten as
  /// unreachable; "" when never seen.
  [[nodiscard]] std::string nickname_of(PeerName peer) const;
  /// The peer with this nickname (the topology first, then forgotten peers).
  [[nodiscard]] std::optional<PeerName> find_by_nickname(std::string_view nickname) const;
  [[nodiscard]] std::vector<ConnectionStatus> connections(TimePoint now) const;
  [[nodiscard]] std::vector<TargetStatus> targets() const { return maker_.status(); }
  [[nodiscard]] std::vector<std::string> direct_targets() const { return maker_.direct_targets(); }
  [[nodiscard]] const MeshStats& stats() const { return stats_; }
  [[nodiscard]] std::size_t established_count() const;
  /// For the established connection to `peer`; nullopt when there is none.
  [[nodiscard]] std::optional<SleeveKeys> sleeve_keys(PeerName peer) const;

  // Used by GossipChannel.
  void channel_unicast(const std::string& channel, PeerName dst, Bytes payload);
  void channel_broadcast(const std::string& channel, Bytes payload);
  void channel_gossip(const std::string& channel, Bytes payload);

 private:
  struct Conn {
    ConnId id = 0;
    bool outbound = false;
    std::string address;  ///< dialed target, or the remote address of an inbound connection
    enum class State { connecting, handshaking, established } state = State::connecting;
    std::optional<Handshake> handshake;
    bool hello_received = false;
    Bytes held_auth;  ///< accepting side: our auth frame, sent once the dialler's verifies
    std::optional<Session> session;
    FrameReader reader;
    PeerName peer;
    TimePoint opened{}, last_received{}, last_sent{};
    std::string covers_target;  ///< a target reached through this connection (duplicates)
    std::vector<PeerName> pending_announce;  ///< names whose new versions we will announce
    std::optional<TimePoint> flush_at;
    TimePoint next_digest{};
    TimePoint next_gossip{};
  };
  struct RecentFailure {
    std::string address;
    std::string reason;
    TimePoint at;
  };

  void start_handshake(Conn& c);
  void send_handshake_frame(Conn& c, std::span<const std::uint8_t> payload);
  void on_frame(Conn& c, std::span<const std::uint8_t> frame);
  void on_established(Conn& c);
  void on_message(Conn& c, Message msg);
  void on_topology_update(Conn& c, TopologyUpdate u);
  void on_channel_message(Conn& c, const std::string& channel, PeerName src, PeerName dst,
                          std::span<const std::uint8_t> payload, int kind);
  void route_unicast(const std::string& channel, PeerName src, PeerName dst, Bytes payload);
  /// Ends a connection. `duplicate`: it lost the tie-break against another connection to
  /// the same peer, which is not a failure (not shown, not retried).
  void close(ConnId id, std::string reason, bool never_retry = false, bool duplicate = false);
  void send(Conn& c, const Message& msg, const std::string& stat_channel);
  void queue_announce(PeerName name, std::optional<ConnId> except);
  void flush_announce(Conn& c);
  void on_digest(Conn& c, const TopologyDigest& d);
  void on_digest_hash(Conn& c, const DigestHash& h);
  void send_entries(Conn& c, const std::vector<PeerName>& names);
  void local_connections_changed();
  void update_discovery();
  void dial_due();
  void check_requests();
  Conn* established_to(PeerName peer);
  /// Where the peer of `c` accepts connections: the dialled address, or for an inbound
  /// connection its remote host with the mesh port.
  [[nodiscard]] std::string listen_address(const Conn& c) const;
  [[nodiscard]] std::string describe(const Conn& c) const;

  MeshConfig config_;
  Rng& rng_;
  TimePoint now_;
  Topology topology_;
  ConnectionMaker maker_;
  ConnId next_id_ = 1;
  std::map<ConnId, Conn> conns_;
  std::map<std::string, Gossiper*> channels_;
  std::vector<Effect> effects_;
  std::deque<RecentFailure> recent_failures_;
  struct Requested {
    std::uint64_t version = 0;
    TimePoint until{};
    ConnId asked = 0;  ///< the connection the request went out on
  };
  /// Records a pull of `version` asked on `asked`, and arms the check for it.
  void note_request(Requested& r, std::uint64_t version, ConnId asked);
  std::unordered_map<PeerName, Requested> requested_;  ///< entry bodies asked for, not yet here
  struct Lost {
    PeerName peer;
    TimePoint at{};
  };
  std::map<std::string, Lost> lost_;  ///< address -> peer whose connection there dropped
  std::optional<TimePoint> gc_at_;
  static constexpr std::size_t kForgottenNicknames = 4096;
  std::map<PeerName, std::string> forgotten_nicknames_;
  std::deque<PeerName> forgotten_order_;
  std::optional<TimePoint> request_check_at_;  ///< earliest expiry among requested_
  TimePoint last_change_{};                    ///< when the topology last changed here
  bool discovery_dirty_ = false;
  MeshStats stats_;
};

}  // namespace weft::gossip
