// SPDX-License-Identifier: Apache-2.0
// Expose and egress: the bridge gets an address from IPAM (allocation id "weft:expose"), so
// the host reaches pods and pods route through it; pod traffic to anywhere outside the
// range is masqueraded (nftables table `ip weft`) and the host forwards it (the forwarding
// sysctl, set only once there is something to forward). Checked on every fast-path tick,
// fully redone every 30 s, so a restart or an admin's change is repaired. `weft hide` takes
// the address away (persisted) until `weft expose`.
#include "weft/base/log.hpp"
#include "weft/router/egress.hpp"
#include "weft/router/nftables.hpp"

#include "daemon.hpp"

namespace weft::weftd {

namespace {
constexpr const char* kExposeId = "weft:expose";
constexpr const char* kRouterNs = "router";
constexpr const char* kHiddenKey = "hidden";
constexpr const char* kHiddenStatus =
    "hidden (weft hide; `weft expose` gives the bridge its address back)";
// The address the bridge had before `weft hide`: `weft expose` claims it back first, so pods
// attached before keep a working default route.
constexpr const char* kLastAddressKey = "last_bridge_address";
}  // namespace

Result<void> Daemon::load_expose() {
  auto hidden = store_->get(kRouterNs, kHiddenKey);
  if (!hidden) return hidden.error();
  expose_wanted_ = !(*hidden && **hidden == "1");
  return ok();
}

void Daemon::ensure_exposed(bool full) {
  if (!fastdp_ || fastdp_status_ != "ready") return;
  if (!expose_wanted_) {
    expose_status_ = kHiddenStatus;
    return;
  }
  if (ipam_->ring().empty() || !ipam_problem_.empty()) {
    expose_status_ = "waiting for IPAM (see `weft status`)";
    return;
  }
  if (ipam_->allocator().lookup(kExposeId).empty() && !expose_pending_) reclaim_bridge_address();
  const auto held = ipam_->allocator().lookup(kExposeId);
  if (held.empty()) {
    if (expose_pending_) return;
    expose_pending_ = true;
    expose_status_ = "allocating the bridge's address";
    ipam_->allocate(kExposeId, default_subnet_, gossip::steady_now(),
                    [this](Result<ipam::Allocation> r) {
                      expose_pending_ = false;
                      if (!r) {
                        expose_status_ = "failed: " + r.error().message();
                        log::error("expose: {}", r.error().message());
                        return;
                      }
                      bridge_ok_ = false;
                      ensure_exposed(true);
                    });
    runner_->kick();
    arm_ipam_timer();
    return;
  }
  const auto& a = held.front();
  bridge_address_ = a;
  if (full) bridge_ok_ = false;
  if (bridge_ok_) return;
  const std::string bridge = fastdp_->config().bridge;
  auto addrs = netlink_->addresses(bridge);
  if (!addrs) {
    expose_status_ = "failed: " + addrs.error().message();
    return;
  }
  bool has = false;
  for (const auto& x : *addrs) {
    has = has || (x.address == a.address && x.prefix_length == a.subnet.prefix_length());
  }
  if (!has) {
    if (auto r = netlink_->add_address(bridge, a.address, a.subnet.prefix_length()); !r) {
      expose_status_ = "failed: " + r.error().message();
      log::error("expose: {}", r.error().message());
      return;
    }
    log::info("expose: bridge {} has address {}/{}", bridge, a.address.to_string(),
              a.subnet.prefix_length());
  }
  expose_status_ = "exposed";
  apply_egress();
  bridge_ok_ = true;
}

void Daemon::apply_egress() {
  const Cidr range = ipam_->ring().range();
  if (auto r = netlink_->set_sysctl(router::forwarding_sysctl(range), "1"); !r) {
    egress_status_ = "failed: " + r.error().message();
    log::error("egress: {}", r.error().message());
    return;
  }
  if (auto r = router::run_nft(router::egress_ruleset(range)); !r) {
    egress_status_ = "failed: " + r.error().message();
    log::error("egress: {}", r.error().message());
    return;
  }
  egress_status_ = "masquerade " + range.to_string() + " to outside (nftables table " +
                   router::egress_table(range) + ")";
}

void Daemon::reclaim_bridge_address() {
  auto last = store_->get(kRouterNs, kLastAddressKey);
  if (!last || !*last) return;
  auto addr = IpAddress::parse(**last);
  if (!addr || !default_subnet_.contains(*addr)) return;
  // Refused when another id holds it or another peer owns it now: then a new one it is.
  if (auto c = ipam_->claim(kExposeId, *addr, default_subnet_); !c) {
    log::info("expose: the bridge's previous address {} is taken ({}); allocating another",
              addr->to_string(), c.error().message());
    (void)store_->erase(kRouterNs, kLastAddressKey);
    return;
  }
  if (auto f = ipam_->flush(); !f) log::error("expose: {}", f.error().message());
}

Result<void> Daemon::set_exposed(bool exposed) {
  if (auto r = store_->put(kRouterNs, kHiddenKey, exposed ? "0" : "1"); !r) return r.error();
  expose_wanted_ = exposed;
  if (exposed) {
    ensure_exposed(true);
    return ok();
  }
  // Hide: the address off the bridge, back to IPAM, and no more masquerade.
  bridge_ok_ = false;
  if (bridge_address_) {
    if (auto r = store_->put(kRouterNs, kLastAddressKey, bridge_address_->address.to_string());
        !r) {
      return r.error();
    }
  }
  if (bridge_address_ && netlink_) {
    (void)netlink_->delete_address(fastdp_->config().bridge, bridge_address_->address,
                                   bridge_address_->subnet.prefix_length());
  }
  bridge_address_.reset();
  (void)ipam_->free_key(kExposeId);
  if (auto f = ipam_->flush(); !f) return f.error();
  if (auto r = router::run_nft(router::egress_teardown(ipam_->ring().range())); !r) {
    return r.error();
  }
  egress_status_.clear();
  expose_status_ = kHiddenStatus;
  return ok();
}

void Daemon::add_expose_routes() {
  using api::HttpRequest;
  using api::HttpResponse;
  routes_.add("POST", "/expose", [this](const HttpRequest&) {
    if (auto r = set_exposed(true); !r) return HttpResponse::error(500, r.error().message());
    return HttpResponse::text(
        bridge_address_ ? "bridge address " + bridge_address_->address.to_string() + "/" +
                              std::to_string(bridge_address_->subnet.prefix_length()) + "\n"
                        : "exposing: " + expose_status_ + "\n");
  });
  routes_.add("POST", "/hide", [this](const HttpRequest&) {
    if (auto r = set_exposed(false); !r) return HttpResponse::error(500, r.error().message());
    return HttpResponse::text(
        "the bridge has no address now; pods cannot reach the host or "
        "the outside until `weft expose`\n");
  });
}

}  // namespace weft::weftd
