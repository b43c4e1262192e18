// SPDX-License-Identifier: Apache-2.0
// weftd's wiring: data-dir lock, store, identity, API server, signals. No domain logic.
#pragma once

#include "weft/api/report.hpp"
#include "weft/api/routes.hpp"
#include "weft/api/server.hpp"
#include "weft/base/metrics.hpp"
#include "weft/base/sodium_rng.hpp"
#include "weft/dns/authority.hpp"
#include "weft/dns/cache.hpp"
#include "weft/dns/forwarder.hpp"
#include "weft/dns/registry_gossiper.hpp"
#include "weft/dns/responder.hpp"
#include "weft/dns/server.hpp"
#include "weft/gossip/mesh.hpp"
#include "weft/gossip/mesh_runner.hpp"
#include "weft/ipam/bootstrap.hpp"
#include "weft/ipam/ipam.hpp"
#include "weft/netlink/netlink.hpp"
#include "weft/router/fast_path.hpp"
#include "weft/router/fastdp_counters.hpp"
#include "weft/router/heartbeat.hpp"
#include "weft/router/packet_socket.hpp"
#include "weft/store/data_dir_lock.hpp"
#include "weft/store/sqlite_store.hpp"

#include "config.hpp"
#include "identity.hpp"
#include "sleeve.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>

namespace weft::weftd {

class Daemon {
 public:
  /// Starts everything or returns the first failure (nothing is left listening then).
  static Result<std::unique_ptr<Daemon>> start(const Config& config, boost::asio::io_context& io);

  /// Stops listening and releases the data dir; io.run() returns once in-flight work ends.
  void stop();

  [[nodiscard]] api::Report report() const;

 private:
  Daemon(const Config& config, boost::asio::io_context& io, store::DataDirLock lock,
         std::unique_ptr<store::SqliteStore> store, Identity identity);
  Result<void> listen();
  void add_routes();
  // The mesh (mesh.cpp): start, targets, its part of the report and metrics.
  Result<void> start_mesh();
  void add_mesh_routes();
  Result<void> persist_targets();
  [[nodiscard]] api::RouterReport router_report() const;
  void update_mesh_metrics();
  // IPAM (ipam.cpp): bootstrap, the allocation endpoints, report and metrics.
  Result<void> start_ipam();
  void add_ipam_routes();
  void try_bootstrap();
  void arm_ipam_timer();
  void schedule_ipam_flush();
  void ipam_flush_when_quiet(int hops);
  void stop_ipam();
  [[nodiscard]] api::IpamReport ipam_report() const;
  void update_ipam_metrics();
  // The kernel VXLAN fast path (fastdp.cpp): devices, flood entries per connected peer.
  void start_fastdp();
  void reconcile_fastdp();
  /// Makes table ip weft_fastdp_counters count fastdp_peers_, keeping what it counted so far.
  void apply_fastdp_counters();
  /// weft_fastdp_{packets,bytes}_total{peer,direction} from the table, at each scrape.
  void update_fastdp_metrics();
  /// Reads the table into fastdp_traffic_read_; keeps the last read when it fails.
  void read_fastdp_counters();
  void arm_fastdp_timer();
  [[nodiscard]] api::FastPathReport fastdp_report() const;
  // Expose and egress (expose.cpp): the bridge's address from IPAM, masquerade.
  Result<void> load_expose();
  void ensure_exposed(bool full);
  /// Claims the bridge's address from before `weft hide` back, when nobody took it.
  void reclaim_bridge_address();
  void apply_egress();
  Result<void> set_exposed(bool exposed);
  void add_expose_routes();
  // The endpoints weft-cni calls (cni.cpp) and the attachment records.
  Result<void> load_attachments();
  void add_cni_routes();
  /// Empty when an ADD can be served; else why not, for the plugin to pass on.
  [[nodiscard]] std::string cni_not_ready() const;
  /// Adds interface, MAC and pod from the attachment record, when there is one.
  void decorate(api::AllocationInfo& a) const;
  // Fast-path heartbeats (heartbeat.cpp).
  std::vector<IpAddress> underlay_addresses();
  void ensure_heartbeats(bool full);
  void read_heartbeats();
  void tick_heartbeats();
  /// Marks each established connection with its overlay (fast path or sleeve) and why.
  void mark_fastdp(api::RouterReport& r) const;
  // The overlay per peer (overlay.cpp): which peers the fast path floods to, which the
  // sleeve reaches (directly or relayed), and why; the sleeve's links and paths.
  struct OverlayPlan {
    std::set<IpAddress> fastdp;   // underlay addresses with a flood entry
    std::set<IpAddress> failing;  // of those, on the sleeve: their heartbeats fail
    std::map<std::string, std::string> sleeve_why;  // by connection address
    std::map<IpAddress, PeerName> peer_at;          // established connections' hosts
    std::vector<Sleeve::Link> links;
    std::set<PeerName> sleeve_peers;
    std::map<PeerName, PeerName> next_hops;
  };
  void plan_overlays();
  void ensure_sleeve();
  /// Applies a change of the failing set: the fallback table, and what the bridge learned
  /// about the MACs behind peers that changed overlay.
  void apply_fallback(const std::set<IpAddress>& before);
  // DNS (dns.cpp): the registry on the mesh, this host's names in the store, the server.
  Result<void> start_dns();
  void ensure_dns();
  void arm_dns_timer();
  /// Sets the status and logs `error` once (not again on every retry).
  void dns_problem(const std::string& status, const std::string& error);
  void stop_dns_server();
  void add_dns_routes();
  /// NAME or NAME.weft.local. as an entry name, or why it cannot be one.
  static Result<dns::Name> dns_entry_name(const std::string& text);
  Result<void> dns_add(const dns::Name& name, const IpAddress& address,
                       const std::string& container);
  /// Removes this host's entries `which` selects; how many went.
  Result<std::size_t> dns_remove(const std::function<bool(const dns::Entry&)>& which);
  void dns_register_attachment(const std::string& id, const nlohmann::json& names,
                               const IpAddress& address);
  /// Removes the names registered for an attachment (or allocation) id, store first.
  Result<void> dns_unregister_attachment(const std::string& id);
  /// The names of freed allocations go with them (logged, not failed: the address is free).
  void forget_names(const std::vector<ipam::Allocation>& freed);
  /// The address pods should use as nameserver: the bridge's while DNS serves it on port 53.
  [[nodiscard]] std::optional<IpAddress> dns_nameserver() const;
  [[nodiscard]] api::DnsReport dns_report() const;
  void update_dns_metrics();

  Config config_;
  boost::asio::io_context& io_;
  store::DataDirLock lock_;
  std::unique_ptr<store::SqliteStore> store_;
  Identity identity_;
  std::string nickname_;
  std::chrono::steady_clock::time_point started_;
  MetricsRegistry metrics_;
  api::ApiRoutes routes_;
  api::ApiServer server_;
  boost::asio::signal_set signals_;
  SodiumRng rng_;
  std::unique_ptr<gossip::Mesh> mesh_;  // declared before the runner, which uses it
  std::unique_ptr<gossip::MeshRunner> runner_;
  ipam::InitMode init_mode_;
  Cidr default_subnet_;
  std::unique_ptr<ipam::Ipam> ipam_;
  std::string ipam_problem_;  // why the ring is not ready, beyond the bootstrap mode
  boost::asio::steady_timer ipam_timer_;
  bool ipam_flush_posted_ = false;
  std::unique_ptr<netlink::Netlink> netlink_;
  std::unique_ptr<router::FastPath> fastdp_;
  std::set<IpAddress> fastdp_peers_;  // as last reconciled
  // The peers table ip weft_fastdp_counters counts; unset until it is first made, and again
  // when a read finds it gone (nft flush ruleset), so the next check makes it anew.
  std::optional<std::set<IpAddress>> fastdp_counted_;
  bool fastdp_counters_made_ = false;  // once made, later rebuilds carry what it counted
  bool fastdp_counters_gone_ = false;  // a read found the table deleted: make it at once
  // What the table counted before it was last made anew (its counters restart at zero).
  std::map<IpAddress, router::PeerTraffic> fastdp_traffic_before_;
  std::map<IpAddress, router::PeerTraffic> fastdp_traffic_read_;  // the table, last read
  std::map<IpAddress, PeerName> fastdp_names_;  // whose host an address was, once known
  std::string fastdp_status_;                   // "ready", "off", or what failed
  std::chrono::steady_clock::time_point fastdp_full_at_{};
  boost::asio::steady_timer fastdp_timer_;
  router::HeartbeatMonitor heartbeats_;
  std::optional<router::PacketSocket> hb_socket_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> hb_desc_;
  std::vector<IpAddress> hb_addresses_;  // this host's underlay addresses, as sent
  MacAddress hb_mac_;                    // weft-vxlan's MAC: the frames' source
  bool expose_wanted_ = true;            // false after `weft hide` (persisted)
  bool expose_pending_ = false;
  bool bridge_ok_ = false;  // the address was on the bridge at the last check
  std::optional<ipam::Allocation> bridge_address_;
  std::string expose_status_;
  std::string egress_status_;
  std::map<std::string, nlohmann::json> attachments_;  // by allocation id, as stored
  OverlayPlan plan_;
  std::unique_ptr<Sleeve> sleeve_;
  std::string sleeve_status_ = "not started";
  std::uint32_t underlay_mtu_ = 0;
  bool fallback_applied_ = false;  // table ip weft_fallback matches plan_.failing
  std::unique_ptr<dns::RegistryGossiper> dns_registry_;
  std::unique_ptr<dns::Cache> dns_cache_;  // kept across rebinds
  // Made again when the listen address changes (the zone's apex answers with it).
  std::unique_ptr<dns::Forwarder> dns_forwarder_;
  std::unique_ptr<dns::Authority> dns_authority_;
  std::unique_ptr<dns::Responder> dns_responder_;
  std::unique_ptr<dns::DnsServer> dns_server_;
  std::optional<dns::ServerConfig> dns_bound_;  // what the server is (or failed to be) bound to
  TimePoint dns_retry_at_{};
  TimePoint dns_forwarder_retry_at_{};
  std::filesystem::file_time_type dns_resolv_mtime_{};  // resolv.conf as the forwarder read it
  std::string dns_last_error_;                          // logged once, not on every retry
  TimePoint started_at_{};                              // on the cores' clock
  boost::asio::steady_timer dns_timer_;
  std::string dns_status_;
  std::string dns_upstream_problem_;
  dns::ResponderStats dns_stats_base_;  // the counters of responders made before this one
  bool stopping_ = false;
};

}  // namespace weft::weftd
