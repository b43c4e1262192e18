// SPDX-License-Identifier: Apache-2.0
#include "daemon.hpp"

#include "weft/api/status_text.hpp"
#include "weft/base/files.hpp"
#include "weft/base/host_port.hpp"
#include "weft/base/log.hpp"
#include "weft/base/process_metrics.hpp"
#include "weft/version.hpp"

#include <unistd.h>

namespace weft::weftd {
namespace asio = boost::asio;

namespace {

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

Result<asio::ip::tcp::endpoint> parse_endpoint(const std::string& text) {
  auto hp = parse_host_port(text);
  if (!hp || !hp->port) {
    return Error(Errc::invalid_argument,
                 "--api-tcp '" + text + "' is not ADDRESS:PORT (e.g. 127.0.0.1:6784) or 'off'" +
                     (hp ? ": no port" : ": " + hp.error().message()));
  }
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(hp->host.to_string(), ec);
  if (ec) return Error(Errc::invalid_argument, "--api-tcp '" + text + "': " + ec.message());
  return asio::ip::tcp::endpoint(addr, *hp->port);
}

}  // namespace

Result<std::unique_ptr<Daemon>> Daemon::start(const Config& config, asio::io_context& io) {
  if (auto d = ensure_dir(config.data_dir, 0700); !d) return d.error().wrap("--data-dir");
  auto lock = store::DataDirLock::acquire(config.data_dir);
  if (!lock) return lock.error();

  store::SqliteStore::Options options;
  options.reset = config.reset_data;
  options.synchronous = config.sync_normal ? store::Synchronous::normal : store::Synchronous::full;
  auto db = store::SqliteStore::open(config.data_dir / "weft.db", options);
  if (!db) return db.error();
  if (config.reset_data)
    log::warn("--reset-data: wiped {}", (config.data_dir / "weft.db").string());

  auto identity = load_or_create_identity(**db, config.data_dir, config.name);
  if (!identity) return identity.error();

  std::unique_ptr<Daemon> d(
      new Daemon(config, io, std::move(*lock), std::move(*db), std::move(*identity)));
  if (auto m = d->start_mesh(); !m) return m.error();
  if (auto i = d->start_ipam(); !i) return i.error();
  if (auto n = d->start_dns(); !n) return n.error();
  if (auto e = d->load_expose(); !e) return e.error();
  if (auto a = d->load_attachments(); !a) return a.error();
  d->start_fastdp();
  if (auto l = d->listen(); !l) return l.error();
  log::info("weftd {} started: peer {}({}), data dir {}, api {}", kVersion,
            d->identity_.name.to_string(), d->nickname_, config.data_dir.string(),
            (config.run_dir / "weftd.sock").string());
  if (d->identity_.created) log::info("new identity created in {}", config.data_dir.string());
  return d;
}

Daemon::Daemon(const Config& config, asio::io_context& io, store::DataDirLock lock,
               std::unique_ptr<store::SqliteStore> store, Identity identity)
    : config_(config),
      io_(io),
      lock_(std::move(lock)),
      store_(std::move(store)),
      identity_(std::move(identity)),
      nickname_(config.nickname.empty() ? hostname() : config.nickname),
      started_(std::chrono::steady_clock::now()),
      server_(io.get_executor(), routes_),
      signals_(io, SIGTERM, SIGINT),
      ipam_timer_(io),
      fastdp_timer_(io),
      dns_timer_(io) {
  metrics_
      .gauge("weft_build_info", "weft build: version and commit (value is always 1)",
             {{"version", kVersion}, {"commit", kGitCommit}})
      .set(1);
  add_routes();
  add_mesh_routes();
  add_ipam_routes();
  add_expose_routes();
  add_cni_routes();
  add_dns_routes();
}

void Daemon::add_routes() {
  using api::HttpRequest;
  using api::HttpResponse;
  routes_.set_read_only_hint("use the unix socket " + (config_.run_dir / "weftd.sock").string() +
                             ", or start weftd with --api-writable-tcp");
  routes_.add("GET", "/status", [this](const HttpRequest&) {
    return HttpResponse::text(api::render_status(report()));
  });
  routes_.add("GET", "/status/peers", [this](const HttpRequest&) {
    return HttpResponse::text(api::render_status_peers(report()));
  });
  routes_.add("GET", "/status/connections", [this](const HttpRequest&) {
    return HttpResponse::text(api::render_status_connections(report()));
  });
  routes_.add("GET", "/status/ipam", [this](const HttpRequest&) {
    return HttpResponse::text(api::render_status_ipam(report()));
  });
  routes_.add("GET", "/status/routes", [this](const HttpRequest&) {
    return HttpResponse::text(api::render_status_routes(report()));
  });
  routes_.add("GET", "/report", [this](const HttpRequest&) {
    return HttpResponse::json(api::report_to_json(report()));
  });
  routes_.add("GET", "/metrics", [this](const HttpRequest&) {
    collect_process_metrics(metrics_);
    update_mesh_metrics();
    update_ipam_metrics();
    update_dns_metrics();
    update_fastdp_metrics();
    HttpResponse r = HttpResponse::text(metrics_.render());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  });
}

Result<void> Daemon::listen() {
  if (auto r = ensure_dir(config_.run_dir, 0755); !r) return r.error().wrap("--run-dir");
  if (auto u = server_.listen_unix(config_.run_dir / "weftd.sock"); !u) return u.error();
  if (config_.api_tcp != "off" && !config_.api_tcp.empty()) {
    auto ep = parse_endpoint(config_.api_tcp);
    if (!ep) return ep.error();
    if (auto t = server_.listen_tcp(*ep, config_.api_writable_tcp); !t) return t.error();
    if (config_.api_writable_tcp) {
      log::warn("--api-writable-tcp: any process that reaches {} can change weft", config_.api_tcp);
    }
  }
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log::info("weftd: stopping on {}", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    stop();
  });
  return ok();
}

void Daemon::stop() {
  stop_ipam();
  dns_timer_.cancel();
  stop_dns_server();
  fastdp_timer_.cancel();        // the devices stay: pods keep talking while weftd restarts
  if (sleeve_) sleeve_->stop();  // weft-tap goes with weftd; sleeve peers wait for it
  if (hb_desc_) {
    boost::system::error_code hb_ec;
    hb_desc_->close(hb_ec);  // ends the wait for heartbeats, so io.run() can return
  }
  if (runner_) runner_->stop();
  server_.stop();
  boost::system::error_code ec;
  signals_.cancel(ec);
}

api::Report Daemon::report() const {
  api::Report r;
  r.version = kVersion;
  r.commit = kGitCommit;
  r.router = router_report();
  mark_fastdp(r.router);
  r.ipam = ipam_report();
  r.fastdp = fastdp_report();
  r.dns = dns_report();
  r.daemon.pid = ::getpid();
  r.daemon.uptime_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_)
          .count();
  r.daemon.data_dir = config_.data_dir.string();
  r.daemon.run_dir = config_.run_dir.string();
  r.daemon.api_socket = (config_.run_dir / "weftd.sock").string();
  if (auto ep = server_.tcp_endpoint()) {
    r.daemon.api_tcp = ep->address().to_string() + ":" + std::to_string(ep->port());
    r.daemon.api_tcp_writable = config_.api_writable_tcp;
  }
  return r;
}

}  // namespace weft::weftd
