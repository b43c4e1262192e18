// SPDX-License-Identifier: Apache-2.0
// weftd's mesh wiring: configuration into gossip::Mesh, persisted targets, the connect and
// forget endpoints, and the router part of the report and metrics.
#include "weft/api/status_text.hpp"
#include "weft/base/log.hpp"
#include "weft/gossip/psk.hpp"

#include "daemon.hpp"

#include <nlohmann/json.hpp>

#include <sstream>

namespace weft::weftd {
namespace asio = boost::asio;

namespace {
constexpr std::string_view kMeshNs = "mesh";
constexpr std::string_view kTargetsKey = "targets";

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// {"peers": ["host", ...]} -> the list, or a message saying what is wrong with the body.
Result<std::vector<std::string>> peers_from_body(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("peers") || !j["peers"].is_array()) {
    return Error(Errc::invalid_argument, R"(body must be {"peers": ["HOST[:PORT]", ...]})");
  }
  std::vector<std::string> out;
  for (const auto& p : j["peers"]) {
    if (!p.is_string()) return Error(Errc::invalid_argument, "every peer must be a string");
    out.push_back(p.get<std::string>());
  }
  return out;
}
}  // namespace

Result<void> Daemon::start_mesh() {
  gossip::MeshConfig mc;
  mc.name = identity_.name;
  mc.nickname = nickname_;
  mc.incarnation = rng_.next();
  mc.static_public = identity_.public_key;
  mc.static_secret = identity_.secret_key;
  if (!config_.password.empty()) {
    mc.psk = gossip::derive_psk(config_.password);
  } else {
    log::warn(
        "no mesh password: traffic between peers is unencrypted and unauthenticated "
        "(set --password-file FILE or WEFT_PASSWORD)");
  }
  mc.port = static_cast<std::uint16_t>(config_.port);
  mc.maker.discovery = config_.discovery;
  mc.maker.conn_limit = static_cast<std::size_t>(config_.conn_limit);
  mesh_ = std::make_unique<gossip::Mesh>(mc, rng_, gossip::steady_now());
  runner_ = std::make_unique<gossip::MeshRunner>(io_.get_executor(), *mesh_);

  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(config_.host, ec);
  if (ec) return Error(Errc::invalid_argument, "--host '" + config_.host + "' is not an address");
  if (auto l = runner_->listen({addr, static_cast<unsigned short>(config_.port)}); !l) {
    return l.error();
  }

  auto stored = store_->get(kMeshNs, kTargetsKey);
  if (!stored) return stored.error().wrap("read the persisted mesh targets");
  std::vector<std::string> targets = *stored ? split_lines(**stored) : std::vector<std::string>{};
  targets.insert(targets.end(), config_.peers.begin(), config_.peers.end());
  for (const auto& t : targets) {
    if (auto c = mesh_->connect(t, gossip::steady_now()); !c) return c.error().wrap("--peer");
  }
  if (auto p = persist_targets(); !p) return p.error();
  runner_->kick();
  return ok();
}

Result<void> Daemon::persist_targets() {
  std::string joined;
  for (const auto& t : mesh_->direct_targets()) joined += t + "\n";
  if (auto w = store_->put(kMeshNs, kTargetsKey, joined); !w) {
    return w.error().wrap("persist the mesh targets");
  }
  return ok();
}

void Daemon::add_mesh_routes() {
  using api::HttpRequest;
  using api::HttpResponse;
  routes_.add("GET", "/status/targets", [this](const HttpRequest&) {
    return HttpResponse::text(api::render_status_targets(report()));
  });
  const auto change = [this](bool add) {
    return [this, add](const HttpRequest& req) {
      auto peers = peers_from_body(req.body);
      if (!peers) return HttpResponse::error(400, peers.error().message());
      std::size_t changed = 0;
      for (const auto& p : *peers) {
        if (add) {
          auto c = mesh_->connect(p, gossip::steady_now());
          if (!c) return HttpResponse::error(400, c.error().message());
          ++changed;
        } else if (mesh_->forget(p)) {
          ++changed;
        }
      }
      if (auto w = persist_targets(); !w) return HttpResponse::error(500, w.error().message());
      runner_->kick();
      return HttpResponse::text(std::string(add ? "added " : "forgot ") + std::to_string(changed) +
                                " target(s)\n");
    };
  };
  routes_.add("POST", "/connect", change(true));
  routes_.add("POST", "/forget", change(false));
}

api::RouterReport Daemon::router_report() const {
  api::RouterReport r;
  r.name = identity_.name.to_string();
  r.nickname = nickname_;
  r.encryption = mesh_->config().psk ? "enabled" : "disabled";
  r.peer_discovery = config_.discovery;
  r.port = config_.port;
  r.targets = mesh_->direct_targets();
  r.terminations = mesh_->stats().terminations;
  const auto now = gossip::steady_now();
  for (const auto& c : mesh_->connections(now)) {
    std::string state = c.state;
    // A dial to a target that failed before is a retry (weave's vocabulary).
    if (state == "connecting") {
      for (const auto& t : mesh_->targets()) {
        if (t.address == c.address && !t.last_error.empty()) state = "retrying";
      }
    }
    r.connections.push_back({c.address, c.outbound, state, c.info, c.encrypted, "", 0});
  }
  const auto& topo = mesh_->topology();
  for (const auto& [name, entry] : topo.entries()) {
    api::PeerInfo p{name.to_string(), entry->nickname, {}};
    for (const auto& c : entry->connections) {
      const auto* other = topo.find(c.peer);
      p.connections.push_back({c.peer.to_string(), other ? other->nickname : std::string(),
                               c.address, c.outbound, c.established});
    }
    r.peers.push_back(std::move(p));
  }
  const auto nick = [&topo](PeerName n) {
    const auto* e = topo.find(n);
    return e ? e->nickname : std::string();
  };
  for (const auto dst : topo.routes().reachable()) {
    if (dst == identity_.name) continue;
    if (auto via = topo.routes().next_hop(dst)) {
      r.routes.push_back({dst.to_string(), nick(dst), via->to_string(), nick(*via)});
    }
  }
  return r;
}

void Daemon::update_mesh_metrics() {
  const auto now = gossip::steady_now();
  std::map<std::pair<std::string, std::string>, int> counts;
  for (const char* state : {"established", "pending", "connecting", "failed"}) {
    for (const char* enc : {"encrypted", "unencrypted"}) counts[{state, enc}] = 0;
  }
  for (const auto& c : mesh_->connections(now)) {
    ++counts[{c.state, c.encrypted ? "encrypted" : "unencrypted"}];
  }
  for (const auto& [key, n] : counts) {
    metrics_
        .gauge("weft_connections", "Connections of this peer by state and encryption.",
               {{"state", key.first}, {"encryption", key.second}})
        .set(n);
  }
  const auto& st = mesh_->stats();
  metrics_.counter("weft_connection_terminations_total", "Connections that ended, for any reason.")
      .mirror(static_cast<double>(st.terminations));
  metrics_.gauge("weft_peers", "Peers known to this router, itself included.")
      .set(static_cast<double>(mesh_->topology().size()));
  for (const auto& [channel, cs] : st.channels) {
    for (const auto& [dir, msgs, bytes] :
         {std::tuple{"sent", cs.messages_sent, cs.bytes_sent},
          std::tuple{"received", cs.messages_received, cs.bytes_received}}) {
      metrics_
          .counter("weft_gossip_messages_total", "Gossip messages by channel and direction.",
                   {{"channel", channel}, {"direction", dir}})
          .mirror(static_cast<double>(msgs));
      metrics_
          .counter("weft_gossip_bytes_total", "Gossip bytes by channel and direction.",
                   {{"channel", channel}, {"direction", dir}})
          .mirror(static_cast<double>(bytes));
    }
    metrics_
        .counter("weft_gossip_merge_failures_total",
                 "Channel messages that failed to merge (the connection stays up).",
                 {{"channel", channel}})
        .mirror(static_cast<double>(cs.merge_failures));
  }
}

}  // namespace weft::weftd
