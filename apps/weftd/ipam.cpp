// SPDX-License-Identifier: Apache-2.0
// weftd's IPAM wiring: the ring on the mesh's `ipam` channel, bootstrap (seed names or
// nicknames, consensus, observer), group commit of allocations, the tick timer, the
// allocation endpoints, and the ipam part of the report and metrics.
#include "weft/api/status_text.hpp"
#include "weft/base/log.hpp"
#include "weft/base/uint128.hpp"

#include "daemon.hpp"

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

namespace weft::weftd {
namespace asio = boost::asio;
using api::HttpRequest;
using api::HttpResponse;
using nlohmann::json;

namespace {

constexpr auto kBootstrapRetry = std::chrono::milliseconds(500);

// Container ids (CNI: container id + "/" + interface) are the keys of allocations and of
// store records: printable, no spaces, bounded.
Result<std::string> id_from(const json& j) {
  if (!j.contains("id") || !j["id"].is_string()) {
    return Error(Errc::invalid_argument, "body needs \"id\": the container id (string)");
  }
  std::string id = j["id"].get<std::string>();
  if (id.empty() || id.size() > 256) {
    return Error(Errc::invalid_argument, "\"id\" must be 1 to 256 characters");
  }
  for (unsigned char c : id) {
    if (c <= 0x20 || c == 0x7f) {
      return Error(Errc::invalid_argument, "\"id\" may not hold spaces or control characters");
    }
  }
  return id;
}

Result<json> body_object(const HttpRequest& req) {
  auto j = json::parse(req.body.empty() ? std::string("{}") : req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Error(Errc::invalid_argument, "the body must be a JSON object");
  }
  return j;
}

api::AllocationInfo info(const ipam::Allocation& a) {
  return {a.key,
          a.address.to_string() + "/" + std::to_string(a.subnet.prefix_length()),
          a.subnet.to_string(),
          "",
          "",
          ""};
}

HttpResponse allocations_json(const std::vector<ipam::Allocation>& list, const char* field) {
  json out = json::array();
  for (const auto& a : list) out.push_back(info(a));
  return HttpResponse::json(json{{field, out}}.dump() + "\n");
}

int http_status(const Error& e) {
  if (e.is(Errc::invalid_argument)) return 400;
  if (e.is(Errc::already_exists)) return 409;
  if (e.is(Errc::not_found)) return 404;
  if (e.is(Errc::unavailable) || e.is(Errc::timed_out)) return 503;
  return 500;
}

TimePoint now() {
  return gossip::steady_now();
}

}  // namespace

Result<void> Daemon::start_ipam() {
  auto range = Cidr::parse(config_.ipalloc_range);
  if (!range) return range.error().wrap("--ipalloc-range");
  default_subnet_ = *range;
  if (!config_.ipalloc_default_subnet.empty()) {
    auto sub = Cidr::parse(config_.ipalloc_default_subnet);
    if (!sub) return sub.error().wrap("--ipalloc-default-subnet");
    if (sub->family() != range->family() || !range->contains(*sub)) {
      return Error(Errc::invalid_argument, "--ipalloc-default-subnet " + sub->to_string() +
                                               " is not inside --ipalloc-range " +
                                               range->to_string());
    }
    default_subnet_ = *sub;
  }
  auto mode = ipam::parse_init_mode(config_.ipalloc_init, 1 + config_.peers.size());
  if (!mode) return mode.error();
  init_mode_ = *mode;

  ipam::IpamConfig ic;
  ic.self = identity_.name;
  ic.range = *range;
  ic.rng = &rng_;
  ic.reachable = [this](PeerName p) { return mesh_->topology().routes().is_reachable(p); };
  ic.wants_flush = [this] { schedule_ipam_flush(); };
  ipam_ = std::make_unique<ipam::Ipam>(ic, *store_);
  if (auto l = ipam_->load(now()); !l) return l.error();
  ipam_->attach(mesh_->register_channel("ipam", *ipam_));
  if (init_mode_.kind == ipam::InitMode::Kind::consensus) {
    if (auto c = ipam_->start_consensus(init_mode_.n, now()); !c) return c.error();
  }
  try_bootstrap();
  if (!ipam_problem_.empty() && ipam_problem_.starts_with("this peer's stored")) {
    return Error(Errc::invalid_argument, ipam_problem_);
  }
  arm_ipam_timer();
  runner_->kick();
  return ok();
}

void Daemon::try_bootstrap() {
  if (init_mode_.kind != ipam::InitMode::Kind::seed || ipam_problem_.starts_with("this peer's")) {
    return;
  }
  // Seeds may be nicknames: wait until the topology names every one of them.
  std::vector<PeerName> names;
  std::vector<std::string> missing;
  for (const auto& s : init_mode_.seeds) {
    if (auto n = PeerName::parse(s)) {
      names.push_back(*n);
      continue;
    }
    if (const auto found = mesh_->find_by_nickname(s)) {
      names.push_back(*found);
    } else {
      missing.push_back(s);
    }
  }
  if (!missing.empty()) {
    if (!ipam_->ring().empty()) {
      ipam_problem_.clear();  // restarted: the stored ring is there already
      return;
    }
    ipam_problem_ = "awaiting seed peers (known " +
                    std::to_string(init_mode_.seeds.size() - missing.size()) + " of " +
                    std::to_string(init_mode_.seeds.size()) + "; not yet seen:";
    for (const auto& m : missing) ipam_problem_ += " " + m;
    ipam_problem_ += ")";
    return;
  }
  if (auto s = ipam_->seed(names); !s) {
    ipam_problem_ = s.error().message();
    log::error("ipam: {}", ipam_problem_);
    return;
  }
  ipam_problem_.clear();
  init_mode_.kind = ipam::InitMode::Kind::seed;
  init_mode_.seeds.clear();
  for (auto n : names) init_mode_.seeds.push_back(n.to_string());
}

void Daemon::schedule_ipam_flush() {
  if (ipam_flush_posted_ || stopping_) return;
  ipam_flush_posted_ = true;
  asio::post(io_, [this] { ipam_flush_when_quiet(0); });
}

void Daemon::ipam_flush_when_quiet(int hops) {
  // Group commit: while connections are open whose request has not been read yet, let
  // them run first (bounded), so their allocations share this fsync.
  constexpr int kMaxHops = 32;
  if (hops < kMaxHops && server_.arriving() > 0 && !stopping_) {
    asio::post(io_, [this, hops] { ipam_flush_when_quiet(hops + 1); });
    return;
  }
  ipam_flush_posted_ = false;
  if (!ipam_) return;
  (void)ipam_->flush();  // a failure is logged, and answered to each waiting request
  runner_->kick();
}

void Daemon::arm_ipam_timer() {
  if (stopping_ || !ipam_) return;
  TimePoint next = ipam_->next_deadline();
  if (!ipam_problem_.empty() && ipam_problem_.starts_with("awaiting seed")) {
    next = std::min(next, now() + kBootstrapRetry);
  }
  if (next == TimePoint::max()) return;
  ipam_timer_.expires_at(std::chrono::time_point_cast<std::chrono::steady_clock::duration>(next));
  ipam_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    try_bootstrap();
    ipam_->on_tick(now());
    runner_->kick();
    arm_ipam_timer();
  });
}

void Daemon::stop_ipam() {
  stopping_ = true;
  ipam_timer_.cancel();
  if (ipam_) (void)ipam_->flush();
}

void Daemon::add_ipam_routes() {
  routes_.add_async("POST", "/ipam/allocate", [this](const HttpRequest& req, auto reply) {
    auto j = body_object(req);
    if (!j) return reply(HttpResponse::error(400, j.error().message()));
    auto id = id_from(*j);
    if (!id) return reply(HttpResponse::error(400, id.error().message()));
    Cidr subnet = default_subnet_;
    if (j->contains("subnet")) {
      auto s = (*j)["subnet"].is_string()
                   ? Cidr::parse((*j)["subnet"].get<std::string>())
                   : Result<Cidr>(Error(Errc::invalid_argument, "not a string"));
      if (!s) return reply(HttpResponse::error(400, "\"subnet\": " + s.error().message()));
      subnet = *s;
    }
    ipam_->allocate(*id, subnet, now(), [reply](Result<ipam::Allocation> r) {
      if (!r) return reply(HttpResponse::error(http_status(r.error()), r.error().message()));
      reply(HttpResponse::json(json(info(*r)).dump() + "\n"));
    });
    runner_->kick();
    arm_ipam_timer();
  });
  routes_.add("POST", "/ipam/claim", [this](const HttpRequest& req) {
    auto j = body_object(req);
    if (!j) return HttpResponse::error(400, j.error().message());
    auto id = id_from(*j);
    if (!id) return HttpResponse::error(400, id.error().message());
    if (!j->contains("address") || !(*j)["address"].is_string()) {
      return HttpResponse::error(400, "body needs \"address\": the address to claim");
    }
    auto addr = IpAddress::parse((*j)["address"].get<std::string>());
    if (!addr) return HttpResponse::error(400, "\"address\": " + addr.error().message());
    Cidr subnet = default_subnet_;
    if (j->contains("subnet") && (*j)["subnet"].is_string()) {
      auto s = Cidr::parse((*j)["subnet"].get<std::string>());
      if (!s) return HttpResponse::error(400, "\"subnet\": " + s.error().message());
      subnet = *s;
    }
    auto a = ipam_->claim(*id, *addr, subnet);
    if (!a) return HttpResponse::error(http_status(a.error()), a.error().message());
    if (auto f = ipam_->flush(); !f) return HttpResponse::error(500, f.error().message());
    return HttpResponse::json(json(info(*a)).dump() + "\n");
  });
  routes_.add("POST", "/ipam/free", [this](const HttpRequest& req) {
    auto j = body_object(req);
    if (!j) return HttpResponse::error(400, j.error().message());
    std::vector<ipam::Allocation> freed;
    if (j->contains("address")) {
      auto addr = (*j)["address"].is_string()
                      ? IpAddress::parse((*j)["address"].get<std::string>())
                      : Result<IpAddress>(Error(Errc::invalid_argument, "not a string"));
      if (!addr) return HttpResponse::error(400, "\"address\": " + addr.error().message());
      if (auto a = ipam_->free_address(*addr)) freed.push_back(std::move(*a));
    } else {
      auto id = id_from(*j);
      if (!id) return HttpResponse::error(400, "body needs \"id\" or \"address\"");
      freed = ipam_->free_key(*id);
    }
    if (auto f = ipam_->flush(); !f) return HttpResponse::error(500, f.error().message());
    forget_names(freed);
    return allocations_json(freed, "freed");
  });
  routes_.add("POST", "/ipam/gc", [this](const HttpRequest& req) {
    auto j = body_object(req);
    if (!j) return HttpResponse::error(400, j.error().message());
    if (!j->contains("live") || !(*j)["live"].is_array()) {
      return HttpResponse::error(400, "body needs \"live\": [container ids to keep]");
    }
    std::set<std::string> live;
    for (const auto& v : (*j)["live"]) {
      if (!v.is_string()) return HttpResponse::error(400, "every \"live\" id must be a string");
      live.insert(v.get<std::string>());
    }
    auto freed = ipam_->gc(live);
    if (auto f = ipam_->flush(); !f) return HttpResponse::error(500, f.error().message());
    forget_names(freed);
    return allocations_json(freed, "freed");
  });
  routes_.add("GET", "/ipam/lookup", [this](const HttpRequest& req) {
    const auto it = req.query.find("id");
    if (it == req.query.end()) return HttpResponse::error(400, "add ?id=CONTAINER_ID");
    auto found = ipam_->allocator().lookup(it->second);
    if (found.empty()) {
      return HttpResponse::error(404, "no address is held for id " + it->second + " on this peer");
    }
    return allocations_json(found, "allocations");
  });
  routes_.add("GET", "/ipam/allocations", [this](const HttpRequest&) {
    std::vector<ipam::Allocation> all;
    for (const auto& [off, a] : ipam_->allocator().allocations()) all.push_back(a);
    return allocations_json(all, "allocations");
  });
  routes_.add("GET", "/ps", [this](const HttpRequest&) {
    std::vector<api::AllocationInfo> all;
    for (const auto& [off, a] : ipam_->allocator().allocations()) {
      all.push_back(info(a));
      decorate(all.back());
    }
    return HttpResponse::text(api::render_ps(all));
  });
  routes_.add("POST", "/ipam/reset", [this](const HttpRequest&) {
    if (auto r = ipam_->reset_ring(); !r) {
      return HttpResponse::error(http_status(r.error()), r.error().message());
    }
    // From now on this peer only joins a ring; it never seeds one again by itself.
    init_mode_ = ipam::InitMode{ipam::InitMode::Kind::observer, {}, 1};
    ipam_problem_.clear();
    runner_->kick();
    return HttpResponse::text(
        "left this peer's IP allocation ring; it joins the next ring with other seeds that "
        "reaches it\n");
  });
  routes_.add("POST", "/ipam/leave", [this](const HttpRequest&) {
    auto to = ipam_->leave();
    if (!to) return HttpResponse::error(http_status(to.error()), to.error().message());
    runner_->kick();
    const std::string n = mesh_->nickname_of(*to);
    return HttpResponse::text("left the IP allocation ring: this peer's space went to " +
                              to->to_string() + (n.empty() ? "" : " (" + n + ")") +
                              "; it allocates nothing from now on. Stop weftd and decommission "
                              "the host; the others settle its removal once it is gone\n");
  });
  routes_.add("POST", "/ipam/rmpeer", [this](const HttpRequest& req) {
    auto j = body_object(req);
    if (!j) return HttpResponse::error(400, j.error().message());
    if (!j->contains("peer") || !(*j)["peer"].is_string()) {
      return HttpResponse::error(400, "body needs \"peer\": a peer name or nickname");
    }
    const std::string who = (*j)["peer"].get<std::string>();
    std::optional<PeerName> peer;
    if (auto n = PeerName::parse(who)) {
      peer = *n;
    } else {
      peer = mesh_->find_by_nickname(who);
    }
    if (!peer) {
      return HttpResponse::error(404, "no peer named " + who +
                                          " is known here; use its name as `weft status ipam` "
                                          "shows it (a peer gone before this weftd started is "
                                          "known by name only)");
    }
    const auto owned = ipam_->ring().owned_by(*peer);
    if (auto r = ipam_->rmpeer(*peer); !r) {
      return HttpResponse::error(http_status(r.error()), r.error().message());
    }
    // Its DNS names go with it (a peer that comes back registers them again).
    if (auto d = dns_registry_->forget_origin(*peer, now()); !d) {
      log::warn("rmpeer: dns names of {} kept: {}", peer->to_string(), d.error().message());
    }
    runner_->kick();
    const auto awaiting = ipam_->ring().awaiting(*peer);
    std::string waits;
    for (auto w : awaiting) waits += " " + w.to_string();
    return HttpResponse::text(
        "removed " + peer->to_string() + ": its " + api::format_count(static_cast<double>(owned)) +
        " addresses pass to the peers before it on the ring" +
        (awaiting.empty() ? std::string(" now\n")
                          : " once every peer holding the ring has acknowledged the removal "
                            "(`weft status ipam` shows it); awaiting" +
                                waits + "\n"));
  });
}

api::IpamReport Daemon::ipam_report() const {
  api::IpamReport r;
  const auto& ring = ipam_->ring();
  r.range = ring.range().to_string();
  r.default_subnet = default_subnet_.to_string();
  r.bootstrap = ipam::to_string(init_mode_);
  r.allocations = ipam_->allocator().allocations().size();
  r.pending = ipam_->pending();
  for (auto s : ring.seeds()) r.seeds.push_back(s.to_string());
  const auto& topo = mesh_->topology();
  const auto nick = [this](PeerName n) { return mesh_->nickname_of(n); };
  const auto reachable = [&](PeerName n) {
    return n == identity_.name || topo.routes().is_reachable(n);
  };
  if (ring.empty()) {
    if (!ipam_problem_.empty()) {
      r.status = ipam_problem_;
    } else if (const auto* c = ipam_->consensus()) {
      r.status = "awaiting consensus (quorum " + std::to_string(c->quorum()) + ", known " +
                 std::to_string(c->known()) + ")";
      // Two disjoint quorums could agree on different rings (Paxos needs overlap).
      if (c->known() > 2 * c->quorum() - 1) {
        r.status += "; more peers take part than consensus=" + std::to_string(c->n()) +
                    " allows safely: give every peer --ipalloc-init consensus=" +
                    std::to_string(c->known()) + " or seed=NAMES";
      }
    } else if (!ipam_->conflict().empty()) {
      r.status = "conflict: " + ipam_->conflict();
    } else if (init_mode_.kind == ipam::InitMode::Kind::observer) {
      r.status = "observer: awaiting the ring from a peer";
    } else {
      r.status = "awaiting the ring";
    }
    return r;
  }
  r.status = ipam_problem_.empty() ? "ready" : ipam_problem_;
  if (ring.is_removed(identity_.name)) {
    r.status = "removed from the ring (rmpeer, or weft ipam leave): allocates nothing";
  }
  if (!ipam_->conflict().empty()) r.status = "ready, but in conflict: " + ipam_->conflict();
  const double total = static_cast<double>(ring.size());
  std::map<PeerName, api::IpamPeer> peers;
  const auto& tokens = ring.tokens();
  for (auto it = tokens.begin(); it != tokens.end(); ++it) {
    const u128 end = ring.token_end(it);
    const auto owner = ring.effective_owner(it->first);
    const std::string owner_name = owner ? owner->to_string() : std::string();
    const double size = static_cast<double>(end - it->first);
    r.entries.push_back(
        {ip_from_u128(ring.range().family(), to_u128(ring.range().first()) + it->first)
             ->to_string(),
         size, owner_name, owner ? nick(*owner) : std::string(), it->second.version,
         static_cast<double>(it->second.free), owner && reachable(*owner)});
    if (!owner) continue;
    auto& p = peers[*owner];
    p.owned += size;
    p.active += size - static_cast<double>(it->second.free);
  }
  for (auto& [name, p] : peers) {
    p.name = name.to_string();
    p.nickname = nick(name);
    p.percent = total > 0 ? 100.0 * p.owned / total : 0;
    p.reachable = reachable(name);
    if (name == identity_.name) p.active = static_cast<double>(r.allocations);
    r.peers.push_back(p);
  }
  for (auto gone : ring.removed()) {
    api::IpamPeer p;
    p.name = gone.to_string();
    p.nickname = nick(gone);
    p.reachable = false;
    p.removed = true;
    for (auto w : ring.awaiting(gone)) {
      const std::string n = nick(w);
      p.awaiting.push_back(n.empty() ? w.to_string() : w.to_string() + " (" + n + ")");
    }
    r.peers.push_back(p);
  }
  return r;
}

void Daemon::update_ipam_metrics() {
  const auto& ring = ipam_->ring();
  double unreachable = 0;
  const auto& tokens = ring.tokens();
  for (auto it = tokens.begin(); it != tokens.end(); ++it) {
    const u128 end = ring.token_end(it);
    const auto owner = ring.effective_owner(it->first);
    if (!owner || (*owner != identity_.name && !mesh_->topology().routes().is_reachable(*owner))) {
      unreachable += static_cast<double>(end - it->first);
    }
  }
  metrics_
      .gauge("weft_ipam_addresses", "Addresses of the range this peer owns and uses.",
             {{"state", "owned"}})
      .set(static_cast<double>(ring.owned_by(identity_.name)));
  metrics_
      .gauge("weft_ipam_addresses", "Addresses of the range this peer owns and uses.",
             {{"state", "used"}})
      .set(static_cast<double>(ipam_->allocator().allocations().size()));
  metrics_.gauge("weft_ipam_pending_allocations", "Allocations waiting for space.")
      .set(static_cast<double>(ipam_->pending()));
  metrics_
      .gauge("weft_ipam_unreachable_owned_ratio",
             "Share of the range owned by unreachable peers (or nobody); 1 before the ring exists.")
      .set(ring.empty() ? 1.0 : unreachable / static_cast<double>(ring.size()));
  metrics_.gauge("weft_ipam_ready", "1 when this peer holds an initialised ring.")
      .set(ring.empty() ? 0 : 1);
  const auto& st = ipam_->stats();
  for (const auto& [name, help, value] :
       {std::tuple{"weft_ipam_space_requests_sent_total", "Requests for space sent to peers.",
                   st.space_requests_sent},
        std::tuple{"weft_ipam_space_requests_served_total", "Requests for space answered.",
                   st.space_requests_served},
        std::tuple{"weft_ipam_grants_total", "Space given to other peers.", st.grants},
        std::tuple{"weft_ipam_allocations_failed_total",
                   "Allocations that timed out waiting for space.", st.allocations_failed},
        std::tuple{"weft_ipam_merge_errors_total", "IPAM messages from peers that did not merge.",
                   st.merge_errors},
        std::tuple{"weft_ipam_commits_total", "Commits of IPAM state to the store.", st.commits},
        std::tuple{"weft_ipam_commit_failures_total", "Failed commits of IPAM state.",
                   st.commit_failures}}) {
    metrics_.counter(name, help).mirror(static_cast<double>(value));
  }
}

}  // namespace weft::weftd
