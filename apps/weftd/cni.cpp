// SPDX-License-Identifier: Apache-2.0
// The endpoints weft-cni calls. One request per CNI command, so an ADD costs one round
// trip: weftd allocates (container id + "/" + interface is the allocation key), records the
// attachment (pod name, interface, MAC) for `weft ps` and GC, and answers with what the
// plugin needs to plug the pod in (address, gateway, bridge, MTU). The attachment record is
// written before the allocation, so a crash between the two leaves a record that GC clears,
// never an address nobody can find.
#include "weft/base/log.hpp"

#include "daemon.hpp"

#include <nlohmann/json.hpp>

namespace weft::weftd {
using api::HttpRequest;
using api::HttpResponse;
using nlohmann::json;

namespace {

constexpr const char* kCniNs = "cni";

// A string member, "" when absent; nullopt when present with another type or too long.
std::optional<std::string> member(const json& j, const char* k) {
  if (!j.contains(k)) return std::string();
  if (!j[k].is_string() || j[k].get<std::string>().size() > 512) return std::nullopt;
  return j[k].get<std::string>();
}

Result<std::string> attachment_id(const json& j) {
  auto cid = member(j, "container_id");
  auto ifname = member(j, "ifname");
  if (!cid || !ifname || cid->empty() || ifname->empty()) {
    return Error(Errc::invalid_argument,
                 "body needs \"container_id\" and \"ifname\" (strings, at most 512 bytes)");
  }
  for (unsigned char c : *cid + *ifname) {
    if (c <= 0x20 || c == 0x7f || c == '/') {
      return Error(
          Errc::invalid_argument,
          "\"container_id\" and \"ifname\" may not hold spaces, control characters or '/'");
    }
  }
  return *cid + "/" + *ifname;
}

}  // namespace

Result<void> Daemon::load_attachments() {
  auto entries = store_->list(kCniNs);
  if (!entries) return entries.error();
  for (const auto& e : *entries) {
    auto j = json::parse(e.value, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      log::warn("cni: attachment record {} in the store is not JSON; ignored", e.key);
      continue;
    }
    attachments_[e.key] = std::move(j);
  }
  return ok();
}

std::string Daemon::cni_not_ready() const {
  if (!fastdp_ || fastdp_status_ != "ready") {
    return "the bridge is not ready (fastdp: " + fastdp_status_ + "); see `weft status`";
  }
  if (ipam_->ring().empty() || !ipam_problem_.empty()) {
    return "IP allocation is not ready (" + ipam_report().status + "); see `weft status`";
  }
  if (!bridge_address_ || !bridge_ok_) {
    return "the bridge has no address yet (" + expose_status_ + ")";
  }
  return {};
}

void Daemon::decorate(api::AllocationInfo& a) const {
  const auto it = attachments_.find(a.id);
  if (it == attachments_.end()) return;
  const json& j = it->second;
  a.interface = j.value("ifname", "");
  a.mac = j.value("mac", "");
  const std::string ns = j.value("pod_namespace", "");
  const std::string name = j.value("pod_name", "");
  if (!name.empty()) a.pod = ns.empty() ? name : ns + "/" + name;
}

void Daemon::add_cni_routes() {
  routes_.add("GET", "/cni/status", [this](const HttpRequest&) {
    if (auto why = cni_not_ready(); !why.empty()) return HttpResponse::error(503, why);
    return HttpResponse::json(json{{"status", "ready"}}.dump() + "\n");
  });

  routes_.add_async("POST", "/cni/add", [this](const HttpRequest& req, auto reply) {
    auto j = json::parse(req.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return reply(HttpResponse::error(400, "the body must be a JSON object"));
    }
    auto id = attachment_id(j);
    if (!id) return reply(HttpResponse::error(400, id.error().message()));
    if (auto why = cni_not_ready(); !why.empty()) return reply(HttpResponse::error(503, why));
    Cidr subnet = default_subnet_;
    if (auto s = member(j, "subnet"); !s) {
      return reply(HttpResponse::error(400, "\"subnet\" must be a CIDR string"));
    } else if (!s->empty()) {
      auto c = Cidr::parse(*s);
      if (!c) return reply(HttpResponse::error(400, "\"subnet\": " + c.error().message()));
      if (!c->contains(bridge_address_->address)) {
        return reply(HttpResponse::error(
            400, "subnet " + c->to_string() + " does not hold the bridge's address " +
                     bridge_address_->address.to_string() +
                     ", so its pods would have no gateway: use a subnet that holds it"));
      }
      subnet = *c;
    }
    json record = json::object();
    for (const char* k :
         {"container_id", "ifname", "netns", "network", "mac", "pod_name", "pod_namespace"}) {
      auto v = member(j, k);
      if (!v) return reply(HttpResponse::error(400, std::string("\"") + k + "\" must be a string"));
      if (!v->empty()) record[k] = *v;
    }
    if (auto p = store_->put(kCniNs, *id, record.dump()); !p) {
      return reply(HttpResponse::error(500, p.error().message()));
    }
    attachments_[*id] = record;
    // DNS names: the pod's name and any hostnames weft-cni passes (bad ones are skipped).
    json names = json::array();
    if (record.contains("pod_name")) names.push_back(record["pod_name"]);
    if (j.contains("hostnames") && j["hostnames"].is_array()) {
      for (const auto& h : j["hostnames"]) names.push_back(h);
    }
    ipam_->allocate(*id, subnet, gossip::steady_now(),
                    [this, reply, id = *id, names](Result<ipam::Allocation> r) {
                      if (!r) {
                        const int status = r.error().is(Errc::invalid_argument) ? 400 : 503;
                        return reply(HttpResponse::error(status, r.error().message()));
                      }
                      dns_register_attachment(id, names, r->address);
                      json out{{"address", r->address.to_string()},
                               {"prefix_length", r->subnet.prefix_length()},
                               {"subnet", r->subnet.to_string()},
                               {"gateway", bridge_address_->address.to_string()},
                               {"bridge", fastdp_->config().bridge},
                               {"mtu", fastdp_->config().mtu}};
                      if (const auto ns = dns_nameserver()) {
                        out["dns_server"] = ns->to_string();
                        out["dns_domain"] = std::string(
                            dns::kRegistryZone.substr(0, dns::kRegistryZone.size() - 1));
                      }
                      reply(HttpResponse::json(out.dump() + "\n"));
                    });
    runner_->kick();
    arm_ipam_timer();
  });

  routes_.add("POST", "/cni/del", [this](const HttpRequest& req) {
    auto j = json::parse(req.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return HttpResponse::error(400, "the body must be a JSON object");
    }
    auto id = attachment_id(j);
    if (!id) return HttpResponse::error(400, id.error().message());
    // Names first: a name left behind would point at an address IPAM hands out again.
    if (auto n = dns_unregister_attachment(*id); !n) {
      return HttpResponse::error(500, "removing the pod's DNS names: " + n.error().message());
    }
    auto freed = ipam_->free_key(*id);
    if (auto f = ipam_->flush(); !f) return HttpResponse::error(500, f.error().message());
    if (auto e = store_->erase(kCniNs, *id); !e)
      return HttpResponse::error(500, e.error().message());
    attachments_.erase(*id);
    json out = json::array();
    for (const auto& a : freed) out.push_back(a.address.to_string());
    return HttpResponse::json(json{{"freed", out}}.dump() + "\n");
  });

  routes_.add("GET", "/cni/attachment", [this](const HttpRequest& req) {
    const auto cid = req.query.find("container_id");
    const auto ifn = req.query.find("ifname");
    if (cid == req.query.end() || ifn == req.query.end()) {
      return HttpResponse::error(400, "add ?container_id=ID&ifname=IF");
    }
    const std::string id = cid->second + "/" + ifn->second;
    const auto held = ipam_->allocator().lookup(id);
    const auto rec = attachments_.find(id);
    if (held.empty() || rec == attachments_.end()) {
      return HttpResponse::error(404, "no attachment " + id + " on this host");
    }
    json out = rec->second;
    out["address"] = held.front().address.to_string();
    out["prefix_length"] = held.front().subnet.prefix_length();
    if (bridge_address_) out["gateway"] = bridge_address_->address.to_string();
    if (fastdp_) {
      out["bridge"] = fastdp_->config().bridge;
      out["mtu"] = fastdp_->config().mtu;
    }
    return HttpResponse::json(out.dump() + "\n");
  });

  routes_.add("POST", "/cni/gc", [this](const HttpRequest& req) {
    auto j = json::parse(req.body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("valid") || !j["valid"].is_array()) {
      return HttpResponse::error(
          400, "body needs \"valid\": [{\"container_id\", \"ifname\"}, ...] (attachments in use)");
    }
    std::set<std::string> valid;
    for (const auto& v : j["valid"]) {
      if (!v.is_object()) return HttpResponse::error(400, "every \"valid\" entry is an object");
      auto id = attachment_id(v);
      if (!id) return HttpResponse::error(400, id.error().message());
      valid.insert(*id);
    }
    // Only what weft-cni attached to this network is GC's to free: the bridge's own
    // address, allocations made through /ipam and other networks' pods are not its own.
    auto network = member(j, "network");
    if (!network) return HttpResponse::error(400, "\"network\" must be a string");
    std::vector<std::string> gone;
    for (const auto& [id, rec] : attachments_) {
      if (!network->empty() && rec.value("network", "") != *network) continue;
      if (valid.count(id) == 0) gone.push_back(id);
    }
    json freed = json::array();
    for (const auto& id : gone) {
      if (auto n = dns_unregister_attachment(id); !n) {
        return HttpResponse::error(500, "removing DNS names of " + id + ": " + n.error().message());
      }
      for (const auto& a : ipam_->free_key(id)) freed.push_back(a.address.to_string());
    }
    if (auto f = ipam_->flush(); !f) return HttpResponse::error(500, f.error().message());
    for (const auto& id : gone) {
      if (auto e = store_->erase(kCniNs, id); !e)
        return HttpResponse::error(500, e.error().message());
      attachments_.erase(id);
      log::info("cni gc: freed attachment {}", id);
    }
    return HttpResponse::json(json{{"freed", freed}, {"attachments", gone}}.dump() + "\n");
  });
}

}  // namespace weft::weftd
