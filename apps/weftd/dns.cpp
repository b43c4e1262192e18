// SPDX-License-Identifier: Apache-2.0
// weftd's DNS: the name registry on the mesh's `dns` channel, this host's own names kept in
// the store (the registry itself is not: a restarted peer registers its names again and
// corrects what others hold of it), and the server on the bridge's address, bound once the
// bridge has one and bound again when it changes.
#include "weft/api/status_text.hpp"
#include "weft/base/host_port.hpp"
#include "weft/base/log.hpp"
#include "weft/gossip/mesh_runner.hpp"

#include "daemon.hpp"

#include <boost/asio/post.hpp>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace weft::weftd {
using api::HttpRequest;
using api::HttpResponse;
using nlohmann::json;

namespace {

constexpr const char* kDnsNs = "dns";
constexpr const char* kManualContainer = "weft:manual";  // names from `weft dns-add`
// How long a removal is remembered entry by entry; after that by the record's floor.
constexpr auto kTombstoneLifetime = std::chrono::hours(1);
constexpr std::size_t kCacheEntries = 10000;
constexpr auto kCacheMaxTtl = std::chrono::hours(1);
// A failed bind (address in use) or a missing upstream is tried again this often.
constexpr auto kRetryEvery = std::chrono::seconds(10);
// How long a starting weftd with peers waits for their names before answering anyway.
constexpr auto kSyncGrace = std::chrono::seconds(10);

TimePoint now() {
  return gossip::steady_now();
}

void add_stats(dns::ResponderStats& into, const dns::ResponderStats& from) {
  for (const auto& [k, v] : from.queries_by_type) into.queries_by_type[k] += v;
  for (const auto& [k, v] : from.responses_by_rcode) into.responses_by_rcode[k] += v;
  into.authoritative += from.authoritative;
  into.forwarded += from.forwarded;
  into.upstream_failures += from.upstream_failures;
  into.truncated += from.truncated;
  into.dropped += from.dropped;
}

std::string entry_key(const std::string& container, const dns::Name& name, const IpAddress& a) {
  return container + " " + name.canonical() + " " + a.to_string();
}

Result<dns::ServerConfig> parse_listen(const std::string& text) {
  const std::string want =
      "--dns-listen '" + text + "' is not IPv4ADDRESS[:PORT] (e.g. 10.32.0.1:53)";
  auto hp = parse_host_port(text);
  if (!hp) return Error(Errc::invalid_argument, want + ": " + hp.error().message());
  if (hp->host.is_unspecified()) {
    return Error(Errc::invalid_argument,
                 "--dns-listen '" + text +
                     "': give one address (the server answers from it and never forwards to it)");
  }
  if (!hp->host.is_v4()) return Error(Errc::invalid_argument, want);
  dns::ServerConfig c;
  c.address = hp->host;
  if (hp->port) c.port = *hp->port;
  return c;
}

}  // namespace

Result<dns::Name> Daemon::dns_entry_name(const std::string& text) {
  auto name = dns::Name::parse(text);
  if (!name) return name.error();
  const auto zone = dns::Name::parse(dns::kRegistryZone);
  if (!name->is_in(*zone)) {
    // "web" and "web.weft.local" are the same name: NAME is relative to the zone.
    auto labels = name->labels();
    for (const auto& l : zone->labels()) labels.push_back(l);
    name = dns::Name::from_labels(std::move(labels));
    if (!name) return name.error();
  }
  if (auto c = dns::check_entry_name(*name); !c) return c.error();
  return *name;
}

Result<void> Daemon::start_dns() {
  if (!config_.dns_listen.empty()) {
    auto l = parse_listen(config_.dns_listen);
    if (!l) return l.error();
  }
  dns_registry_ = std::make_unique<dns::RegistryGossiper>(
      identity_.name, std::chrono::duration_cast<Duration>(kTombstoneLifetime), now());
  dns_registry_->attach(mesh_->register_channel(std::string(dns::kDnsChannel), *dns_registry_));
  dns_cache_ = std::make_unique<dns::Cache>(kCacheEntries,
                                            std::chrono::duration_cast<Duration>(kCacheMaxTtl));
  auto stored = store_->list(kDnsNs);
  if (!stored) return stored.error();
  std::size_t restored = 0;
  for (const auto& e : *stored) {
    auto j = json::parse(e.value, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      log::warn("dns: record {} in the store is not JSON; ignored", e.key);
      continue;
    }
    auto name = dns::Name::parse(j.value("name", ""));
    auto address = IpAddress::parse(j.value("address", ""));
    if (!name || !address) {
      log::warn("dns: record {} in the store has a bad name or address; ignored", e.key);
      continue;
    }
    if (auto a = dns_registry_->add(*name, *address, j.value("container", ""), now()); !a) {
      log::warn("dns: record {} in the store: {}; ignored", e.key, a.error().message());
      continue;
    }
    ++restored;
  }
  if (restored > 0) log::info("dns: registered {} names of this host again", restored);
  dns_status_ = config_.dns ? "waiting for the bridge's address" : "off (--no-dns)";
  started_at_ = now();
  arm_dns_timer();
  return ok();
}

void Daemon::arm_dns_timer() {
  if (stopping_) return;
  dns_timer_.expires_after(std::chrono::seconds(1));
  dns_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    ensure_dns();
    arm_dns_timer();
  });
}

Result<void> Daemon::dns_add(const dns::Name& name, const IpAddress& address,
                             const std::string& container) {
  json rec{{"name", name.to_string()}, {"address", address.to_string()}, {"container", container}};
  // The store first: a crash between the two re-registers at start, never loses the name.
  if (auto p = store_->put(kDnsNs, entry_key(container, name, address), rec.dump()); !p) {
    return p.error();
  }
  if (auto a = dns_registry_->add(name, address, container, now()); !a) {
    (void)store_->erase(kDnsNs, entry_key(container, name, address));
    return a.error();
  }
  runner_->kick();
  return ok();
}

Result<std::size_t> Daemon::dns_remove(const std::function<bool(const dns::Entry&)>& which) {
  std::vector<dns::Entry> gone;
  for (const auto& e : dns_registry_->registry().entries()) {
    if (e.origin == identity_.name && which(e)) gone.push_back(e);
  }
  for (const auto& e : gone) {
    if (auto r = store_->erase(kDnsNs, entry_key(e.container, e.name, e.address)); !r) {
      return r.error();
    }
    dns_registry_->remove(e.name, e.address, now());
  }
  if (!gone.empty()) runner_->kick();
  return gone.size();
}

void Daemon::dns_register_attachment(const std::string& id, const json& names,
                                     const IpAddress& address) {
  if (!names.is_array()) return;
  for (const auto& n : names) {
    if (!n.is_string() || n.get<std::string>().empty()) continue;
    auto name = dns_entry_name(n.get<std::string>());
    if (!name) {
      log::warn("dns: pod {}: name '{}' not registered: {}", id, n.get<std::string>(),
                name.error().message());
      continue;
    }
    if (auto a = dns_add(*name, address, id); !a) {
      log::warn("dns: pod {}: {} not registered: {}", id, name->to_string(), a.error().message());
    }
  }
}

Result<void> Daemon::dns_unregister_attachment(const std::string& id) {
  bool any = false;
  for (const auto& e : dns_registry_->registry().entries()) {
    if (e.origin != identity_.name || e.container != id) continue;
    if (auto r = store_->erase(kDnsNs, entry_key(e.container, e.name, e.address)); !r) {
      return r.error();
    }
    any = true;
  }
  // Only this container's entries: the same name and address may also be registered by hand.
  if (any && dns_registry_->remove_container(id, now()) > 0) runner_->kick();
  return ok();
}

void Daemon::forget_names(const std::vector<ipam::Allocation>& freed) {
  for (const auto& a : freed) {
    if (auto r = dns_unregister_attachment(a.key); !r) {
      log::warn("dns: names of freed {} not removed: {}", a.key, r.error().message());
    }
  }
}

std::optional<IpAddress> Daemon::dns_nameserver() const {
  if (!config_.dns) return std::nullopt;
  if (config_.dns_listen.empty()) {
    // Advertised while the server is still binding too: a pod outlives a retry window.
    if (bridge_address_ && expose_wanted_ && bridge_address_->address.is_v4()) {
      return bridge_address_->address;
    }
    return std::nullopt;
  }
  // resolv.conf has no port, and a pod cannot reach the host's loopback.
  const auto l = parse_listen(config_.dns_listen);
  if (!l || l->port != 53 || l->address.is_loopback()) return std::nullopt;
  return l->address;
}

void Daemon::dns_problem(const std::string& status, const std::string& error) {
  dns_status_ = status;
  if (error != dns_last_error_) log::error("dns: {}", error);  // once, not on every retry
  dns_last_error_ = error;
}

void Daemon::ensure_dns() {
  if (!dns_registry_) return;
  const auto t = now();
  if (t >= dns_registry_->next_deadline()) dns_registry_->on_tick(t);
  if (!config_.dns) return;

  std::optional<dns::ServerConfig> want;
  if (!config_.dns_listen.empty()) {
    want = *parse_listen(config_.dns_listen);  // checked in start_dns
  } else if (bridge_address_ && expose_wanted_ && (bridge_ok_ || dns_server_)) {
    // Once bound, a passing expose re-check (bridge_ok_ false for a moment) keeps the server.
    if (!bridge_address_->address.is_v4()) {
      dns_problem("off: the bridge's address " + bridge_address_->address.to_string() + " is IPv6",
                  "the bridge's address is IPv6 and the DNS server speaks IPv4 only so far: "
                  "start weftd with --dns-listen IPV4ADDRESS pods can reach, or --no-dns");
      return;
    }
    want = dns::ServerConfig{};
    want->address = bridge_address_->address;
  }
  // The upstreams change under us: a resolv.conf written after boot (DHCP), or edited.
  bool upstream_changed = false;
  if (dns_server_ && config_.dns_upstream.empty()) {
    std::error_code ec;
    const auto mtime = std::filesystem::last_write_time(config_.resolv_conf, ec);
    if (!ec && mtime != dns_resolv_mtime_) upstream_changed = true;
  }
  if (dns_server_ && !dns_forwarder_ && t >= dns_forwarder_retry_at_) upstream_changed = true;
  const bool same =
      want && dns_bound_ && want->address == dns_bound_->address && want->port == dns_bound_->port;
  if (same && !upstream_changed && (dns_server_ || t < dns_retry_at_)) return;
  if (!want) {
    if (dns_server_) log::info("dns: the bridge's address is gone; not answering");
    stop_dns_server();
    dns_bound_.reset();
    dns_status_ = "waiting for the bridge's address (" + expose_status_ + ")";
    return;
  }
  // After a restart this host knows only its own names until a peer's state arrives: answering
  // NXDOMAIN for the others (cached for the negative TTL) would be worse than not answering.
  const bool synced = dns_registry_->stats().merges > 0 || config_.peers.empty() ||
                      t - started_at_ >= std::chrono::duration_cast<Duration>(kSyncGrace);
  if (!dns_server_ && !synced) {
    dns_status_ = "waiting for names from peers (at most " +
                  std::to_string(std::chrono::seconds(kSyncGrace).count()) + " s)";
    return;
  }
  stop_dns_server();
  dns_bound_ = want;

  // The forwarder is made per listen address: the server must never forward to itself.
  dns::ForwarderConfig fc;
  fc.servers = config_.dns_upstream;
  fc.resolv_conf = config_.resolv_conf;
  fc.exclude = {want->address.to_string()};
  std::error_code mtime_ec;
  dns_resolv_mtime_ = std::filesystem::last_write_time(config_.resolv_conf, mtime_ec);
  auto fwd = dns::Forwarder::create(io_.get_executor(), fc);
  if (fwd) {
    if (!dns_upstream_problem_.empty()) log::info("dns: forwarding again");
    dns_upstream_problem_.clear();
    dns_forwarder_ = std::move(*fwd);
  } else {
    if (fwd.error().message() != dns_upstream_problem_) {
      log::warn(
          "dns: not forwarding names outside {} (they get REFUSED): {}; checking again "
          "every {} s",
          dns::kRegistryZone, fwd.error().message(), std::chrono::seconds(kRetryEvery).count());
    }
    dns_upstream_problem_ = fwd.error().message();
    dns_forwarder_retry_at_ = t + std::chrono::duration_cast<Duration>(kRetryEvery);
  }
  dns::ZoneConfig zc;
  zc.domain = *dns::Name::parse(dns::kRegistryZone);
  zc.ttl = config_.dns_ttl;
  zc.reverse = {ipam_->ring().range()};
  zc.server = want->address;
  dns_authority_ = std::make_unique<dns::Authority>(zc, dns_registry_->registry());
  dns_responder_ =
      std::make_unique<dns::Responder>(*dns_authority_, *dns_cache_, dns_forwarder_ != nullptr);
  auto server =
      dns::DnsServer::start(io_.get_executor(), *want, *dns_responder_, dns_forwarder_.get());
  const std::string where = want->address.to_string() + ":" + std::to_string(want->port);
  if (!server) {
    dns_problem("failed: " + server.error().message(),
                server.error().message() + "; trying again every " +
                    std::to_string(std::chrono::seconds(kRetryEvery).count()) + " s");
    dns_retry_at_ = t + std::chrono::duration_cast<Duration>(kRetryEvery);
    return;
  }
  dns_server_ = std::move(*server);
  dns_status_ = "ready";
  dns_last_error_.clear();
  log::info(
      "dns: answering for {} on {} (UDP and TCP), upstream {}", dns::kRegistryZone, where,
      dns_forwarder_ ? fmt::format("{}", fmt::join(dns_forwarder_->servers(), ", ")) : "none");
}

void Daemon::stop_dns_server() {
  if (dns_server_) dns_server_->stop();
  if (dns_forwarder_) dns_forwarder_->stop();
  if (dns_responder_) add_stats(dns_stats_base_, dns_responder_->stats());
  // After stop() nothing calls into these (the server's callbacks check that it stopped); they
  // go after this turn of the loop, so no caller up the stack holds one that is gone.
  boost::asio::post(io_, [s = std::shared_ptr<dns::DnsServer>(std::move(dns_server_)),
                          f = std::shared_ptr<dns::Forwarder>(std::move(dns_forwarder_)),
                          r = std::shared_ptr<dns::Responder>(std::move(dns_responder_)),
                          a = std::shared_ptr<dns::Authority>(std::move(dns_authority_))] {});
}

void Daemon::add_dns_routes() {
  routes_.add("GET", "/status/dns", [this](const HttpRequest&) {
    return HttpResponse::text(api::render_status_dns(report()));
  });
  routes_.add("POST", "/dns/add", [this](const HttpRequest& req) {
    auto j = json::parse(req.body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("name") || !j["name"].is_string() ||
        !j.contains("addresses") || !j["addresses"].is_array() || j["addresses"].empty()) {
      return HttpResponse::error(400, "body needs \"name\" and \"addresses\": [IP, ...]");
    }
    auto name = dns_entry_name(j["name"].get<std::string>());
    if (!name) return HttpResponse::error(400, "name: " + name.error().message());
    const std::string container = j.value("container", kManualContainer);
    std::vector<IpAddress> addresses;
    for (const auto& a : j["addresses"]) {
      auto ip = a.is_string() ? IpAddress::parse(a.get<std::string>())
                              : Result<IpAddress>(Error(Errc::invalid_argument, "not a string"));
      if (!ip) return HttpResponse::error(400, "address: " + ip.error().message());
      addresses.push_back(*ip);
    }
    for (const auto& a : addresses) {
      if (auto r = dns_add(*name, a, container); !r) {
        return HttpResponse::error(r.error().is(Errc::io_error) ? 500 : 400, r.error().message());
      }
    }
    return HttpResponse::text("registered " + name->to_string() + " with " +
                              std::to_string(addresses.size()) + " address(es)\n");
  });
  routes_.add("POST", "/dns/remove", [this](const HttpRequest& req) {
    auto j = json::parse(req.body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("name") || !j["name"].is_string()) {
      return HttpResponse::error(400, "body needs \"name\" (and optionally \"addresses\")");
    }
    auto name = dns_entry_name(j["name"].get<std::string>());
    if (!name) return HttpResponse::error(400, "name: " + name.error().message());
    std::vector<IpAddress> only;
    if (j.contains("addresses") && j["addresses"].is_array()) {
      for (const auto& a : j["addresses"]) {
        auto ip = a.is_string() ? IpAddress::parse(a.get<std::string>())
                                : Result<IpAddress>(Error(Errc::invalid_argument, "not a string"));
        if (!ip) return HttpResponse::error(400, "address: " + ip.error().message());
        only.push_back(*ip);
      }
    }
    auto n = dns_remove([&](const dns::Entry& e) {
      return e.name == *name &&
             (only.empty() || std::find(only.begin(), only.end(), e.address) != only.end());
    });
    if (!n) return HttpResponse::error(500, n.error().message());
    if (*n == 0) {
      return HttpResponse::error(
          404, "this host registered no " + name->to_string() +
                   (only.empty() ? "" : " with those addresses") +
                   "; a name is removed on the host that added it (`weft status dns` shows its "
                   "origin)");
    }
    return HttpResponse::text("removed " + std::to_string(*n) + " address(es) of " +
                              name->to_string() + "\n");
  });
  routes_.add("GET", "/dns/lookup", [this](const HttpRequest& req) {
    const auto q = req.query.find("name");
    if (q == req.query.end()) return HttpResponse::error(400, "add ?name=NAME");
    auto name = dns_entry_name(q->second);
    if (!name) return HttpResponse::error(400, "name: " + name.error().message());
    const auto found = dns_registry_->registry().lookup(*name);
    if (found.empty()) {
      return HttpResponse::error(404, name->to_string() + " is not registered on any host");
    }
    std::string out;
    for (const auto& a : found) out += a.to_string() + "\n";
    return HttpResponse::text(out);
  });
}

api::DnsReport Daemon::dns_report() const {
  api::DnsReport r;
  if (!dns_registry_) return r;
  r.status = dns_status_;
  if (config_.dns) r.domain = std::string(dns::kRegistryZone);  // the block's details
  r.ttl = config_.dns_ttl;
  if (dns_bound_ && dns_server_) {
    r.listen = dns_bound_->address.to_string() + ":" + std::to_string(dns_server_->udp_port());
  }
  if (dns_forwarder_) r.upstream = dns_forwarder_->servers();
  r.upstream_problem = dns_upstream_problem_;
  r.cache_entries = dns_cache_ ? dns_cache_->size() : 0;
  for (const auto& e : dns_registry_->registry().entries()) {
    api::DnsEntry out;
    out.name = e.name.to_string();
    out.address = e.address.to_string();
    out.container = e.container;
    out.origin = e.origin.to_string();
    if (const auto* p = mesh_->topology().find(e.origin)) out.origin_nickname = p->nickname;
    r.entries.push_back(std::move(out));
  }
  return r;
}

void Daemon::update_dns_metrics() {
  if (!dns_registry_) return;
  metrics_.gauge("weft_dns_entries", "Live names in weft.local (all hosts' entries).")
      .set(static_cast<double>(dns_registry_->registry().entries().size()));
  metrics_.gauge("weft_dns_ready", "1 when the DNS server is answering.")
      .set(dns_server_ ? 1.0 : 0.0);
  if (dns_cache_) {
    const auto& c = dns_cache_->stats();
    metrics_.gauge("weft_dns_cache_entries", "Forwarded answers in the cache.")
        .set(static_cast<double>(dns_cache_->size()));
    metrics_.counter("weft_dns_cache_hits_total", "Queries answered from the cache.")
        .mirror(static_cast<double>(c.hits));
    metrics_.counter("weft_dns_cache_misses_total", "Forwardable queries not in the cache.")
        .mirror(static_cast<double>(c.misses));
  }
  // The responder is made again when the server rebinds; its counters add to the totals
  // of the ones before it.
  dns::ResponderStats now_stats = dns_stats_base_;
  if (dns_responder_) add_stats(now_stats, dns_responder_->stats());
  for (const auto& [type, n] : now_stats.queries_by_type) {
    metrics_
        .counter("weft_dns_queries_total", "DNS queries by type.", {{"type", dns::type_name(type)}})
        .mirror(static_cast<double>(n));
  }
  for (const auto& [rcode, n] : now_stats.responses_by_rcode) {
    metrics_
        .counter("weft_dns_responses_total", "DNS responses by response code.",
                 {{"rcode", dns::rcode_name(rcode)}})
        .mirror(static_cast<double>(n));
  }
  metrics_.counter("weft_dns_forwarded_total", "Queries sent to an upstream server.")
      .mirror(static_cast<double>(now_stats.forwarded));
  metrics_
      .counter("weft_dns_upstream_failures_total",
               "Forwarded queries answered SERVFAIL: the upstream failed or timed out.")
      .mirror(static_cast<double>(now_stats.upstream_failures));
  metrics_.counter("weft_dns_truncated_total", "UDP answers cut to fit, with TC set.")
      .mirror(static_cast<double>(now_stats.truncated));
  metrics_.counter("weft_dns_dropped_total", "Messages not answered (no header, or a response).")
      .mirror(static_cast<double>(now_stats.dropped));
}

}  // namespace weft::weftd
