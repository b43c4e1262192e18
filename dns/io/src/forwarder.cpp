// SPDX-License-Identifier: Apache-2.0
// The c-ares forwarder. c-ares owns its sockets and tells us through the socket-state callback
// which to watch; each one is watched by a stream_descriptor that never owns the fd (release(),
// never close), and a readiness or the timer calls ares_process_fd. Callbacks reach the caller
// through post, so nothing outside this file runs inside a c-ares call.
#include "weft/dns/forwarder.hpp"

#include "weft/base/log.hpp"
#include "weft/dns/wire.hpp"

#include "upstreams.hpp"

#include <ares.h>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <arpa/inet.h>
#include <array>
#include <cstring>
#include <map>

namespace weft::dns {
namespace asio = boost::asio;

namespace {
using detail::Upstream;

std::vector<Upstream> servers_of(ares_channel channel) {
  std::vector<Upstream> out;
  ares_addr_port_node* list = nullptr;
  if (ares_get_servers_ports(channel, &list) != ARES_SUCCESS) return out;
  for (auto* n = list; n != nullptr; n = n->next) {
    Upstream u;
    if (n->family == AF_INET) {
      u.address = IpAddress::v4(ntohl(n->addr.addr4.s_addr));
    } else {
      std::array<std::uint8_t, IpAddress::kV6Size> bytes{};
      std::memcpy(bytes.data(), &n->addr.addr6, bytes.size());
      u.address = IpAddress::v6(bytes);
    }
    // 0: the channel's default port.
    u.port = n->udp_port > 0 ? static_cast<std::uint16_t>(n->udp_port) : 53;
    out.push_back(u);
  }
  ares_free_data(list);
  return out;
}

Result<void> set_servers(ares_channel channel, const std::vector<Upstream>& servers) {
  std::vector<ares_addr_port_node> nodes(servers.size());
  for (std::size_t i = 0; i < servers.size(); ++i) {
    auto& n = nodes[i];
    n.next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
    const auto bytes = servers[i].address.bytes();
    n.family = servers[i].address.is_v4() ? AF_INET : AF_INET6;
    std::memcpy(servers[i].address.is_v4() ? static_cast<void*>(&n.addr.addr4)
                                           : static_cast<void*>(&n.addr.addr6),
                bytes.data(), bytes.size());
    n.udp_port = n.tcp_port = servers[i].port;
  }
  if (const int rc = ares_set_servers_ports(channel, nodes.data()); rc != ARES_SUCCESS) {
    return Error(Errc::io_error, std::string("set c-ares upstream servers: ") + ares_strerror(rc));
  }
  return ok();
}

// One socket c-ares asked us to watch.
struct Watch {
  Watch(const asio::any_io_executor& ex, int f) : descriptor(ex), fd(f) {}
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;
  ~Watch() { release(); }
  // c-ares closes the fd itself: Asio only forgets it (pending waits end with
  // operation_aborted).
  void release() {
    if (!released) (void)descriptor.release();
    released = true;
  }
  asio::posix::stream_descriptor descriptor;
  int fd;
  bool want_read = false, want_write = false;
  bool reading = false, writing = false;  // an async_wait is outstanding
  bool released = false;
};

struct State;

// One forwarded query, handed to c-ares as its callback argument.
struct Pending {
  State* state;  // valid inside every c-ares callback: only State's own c-ares calls run them
  Forwarder::Callback done;
  std::uint16_t client_id;
};

struct State : std::enable_shared_from_this<State> {
  State(asio::any_io_executor ex, int t) : executor(std::move(ex)), timer(executor), tries(t) {}
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    if (channel != nullptr) ares_destroy(channel);
  }

  asio::any_io_executor executor;
  asio::steady_timer timer;
  ares_channel channel = nullptr;
  std::map<int, std::shared_ptr<Watch>> watches;
  std::vector<Upstream> upstreams;
  int tries;
  bool stopped = false;

  // "upstream 1.2.3.4:53" or "upstreams 1.2.3.4:53, 5.6.7.8:53", for error messages.
  [[nodiscard]] std::string who() const {
    std::string s = upstreams.size() == 1 ? "upstream " : "upstreams ";
    for (std::size_t i = 0; i < upstreams.size(); ++i) {
      s += (i ? ", " : "") + upstreams[i].to_string();
    }
    return s;
  }

  void on_socket_state(int fd, bool readable, bool writable) {
    auto it = watches.find(fd);
    if (!readable && !writable) {
      // c-ares is about to close the fd: forget it first (the fd number may come back).
      if (it != watches.end()) {
        it->second->release();
        watches.erase(it);
      }
      return;
    }
    if (stopped) return;
    if (it == watches.end()) {
      auto w = std::make_shared<Watch>(executor, fd);
      boost::system::error_code ec;
      w->descriptor.assign(fd, ec);
      if (ec) {
        // Unwatched, the query on it ends by c-ares's timeout.
        log::warn("dns forwarder: cannot watch c-ares socket {}: {}", fd, ec.message());
        w->released = true;
        return;
      }
      it = watches.emplace(fd, std::move(w)).first;
    }
    it->second->want_read = readable;
    it->second->want_write = writable;
    arm(it->second);
  }

  void arm(const std::shared_ptr<Watch>& w) {
    if (w->want_read && !w->reading) {
      w->reading = true;
      w->descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                               [self = shared_from_this(), w](boost::system::error_code ec) {
                                 w->reading = false;
                                 self->on_ready(w, true, ec);
                               });
    }
    if (w->want_write && !w->writing) {
      w->writing = true;
      w->descriptor.async_wait(asio::posix::stream_descriptor::wait_write,
                               [self = shared_from_this(), w](boost::system::error_code ec) {
                                 w->writing = false;
                                 self->on_ready(w, false, ec);
                               });
    }
  }

  void on_ready(const std::shared_ptr<Watch>& w, bool read, boost::system::error_code ec) {
    if (stopped || w->released || ec == asio::error::operation_aborted) return;
    if (ec) {
      log::warn("dns forwarder: waiting on c-ares socket {} failed: {}", w->fd, ec.message());
      return;
    }
    ares_process_fd(channel, read ? w->fd : ARES_SOCKET_BAD, read ? ARES_SOCKET_BAD : w->fd);
    // c-ares may have closed the socket (released) or stopped wanting writes meanwhile.
    if (!w->released) arm(w);
    arm_timer();
  }

  // The next query timeout, from c-ares; nothing pending, no timer.
  void arm_timer() {
    if (stopped) return;
    timeval tv{};
    const timeval* next = ares_timeout(channel, nullptr, &tv);
    if (next == nullptr) {
      timer.cancel();
      return;
    }
    timer.expires_after(std::chrono::seconds(next->tv_sec) +
                        std::chrono::microseconds(next->tv_usec));
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopped) return;
      ares_process_fd(self->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      self->arm_timer();
    });
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    // Every pending query's callback runs (ARES_EDESTRUCTION), then the sockets close
    // (socket-state callbacks release the watches).
    ares_destroy(channel);
    channel = nullptr;
    for (auto& [fd, w] : watches) w->release();
    watches.clear();
    timer.cancel();
  }

  [[nodiscard]] Error failure(int status) const {
    switch (status) {
      case ARES_ETIMEOUT:
        return Error(Errc::timed_out, who() + " timed out after " + std::to_string(tries) +
                                          (tries == 1 ? " try" : " tries") +
                                          (upstreams.size() > 1 ? " each" : ""));
      case ARES_ECONNREFUSED:
        // c-ares 1.18 ends with this status too when every server answered SERVFAIL,
        // REFUSED or NOTIMP (it tries the next server on those).
        return Error(Errc::unavailable,
                     who() + " refused the query (port closed, or SERVFAIL/REFUSED/NOTIMP)");
      case ARES_ESERVFAIL: return Error(Errc::unavailable, who() + " answered SERVFAIL");
      case ARES_EREFUSED: return Error(Errc::unavailable, who() + " answered REFUSED");
      case ARES_ENOTIMP: return Error(Errc::unavailable, who() + " answered NOTIMP");
      case ARES_EBADRESP: return Error(Errc::parse_error, who() + " sent a malformed response");
      case ARES_EBADQUERY:
        return Error(Errc::invalid_argument, "not forwarded: the query is not a DNS message");
      case ARES_ECANCELLED:
      case ARES_EDESTRUCTION:
        return Error(Errc::unavailable, "not forwarded to " + who() + ": the forwarder stopped");
      default:
        return Error(Errc::io_error, "forwarding to " + who() + ": " + ares_strerror(status));
    }
  }
};

// Runs inside a c-ares call (ares_send, ares_process_fd, ares_destroy), exactly once per query.
void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(arg));
  Result<std::vector<std::uint8_t>> result = std::vector<std::uint8_t>();
  if (status != ARES_SUCCESS) {
    result = p->state->failure(status);
  } else if (abuf == nullptr || alen < static_cast<int>(kHeaderSize)) {
    result = Error(Errc::parse_error, p->state->who() + " sent a response without a header");
  } else {
    result->assign(abuf, abuf + alen);
    // c-ares sent the query under an id of its own.
    (*result)[0] = static_cast<std::uint8_t>(p->client_id >> 8);
    (*result)[1] = static_cast<std::uint8_t>(p->client_id);
  }
  asio::post(p->state->executor,
             [done = std::move(p->done), r = std::move(result)]() mutable { done(std::move(r)); });
}

void on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
  static_cast<State*>(data)->on_socket_state(fd, readable != 0, writable != 0);
}

class AresForwarder final : public Forwarder {
 public:
  explicit AresForwarder(std::shared_ptr<State> state) : state_(std::move(state)) {}
  AresForwarder(const AresForwarder&) = delete;
  AresForwarder& operator=(const AresForwarder&) = delete;
  ~AresForwarder() override { state_->stop(); }

  void forward(std::span<const std::uint8_t> query, Callback done) override {
    const auto fail = [&](Error e) {
      asio::post(state_->executor, [done = std::move(done), e = std::move(e)]() {
        done(Result<std::vector<std::uint8_t>>(e));
      });
    };
    if (state_->stopped) {
      return fail(Error(Errc::unavailable, "not forwarded: the forwarder stopped"));
    }
    if (query.size() < kHeaderSize || query.size() > kMaxMessageSize) {
      return fail(Error(Errc::invalid_argument, "not forwarded: a query of " +
                                                    std::to_string(query.size()) +
                                                    " bytes is not a DNS message"));
    }
    const auto id = static_cast<std::uint16_t>(query[0] << 8 | query[1]);
    auto* pending = new Pending{state_.get(), std::move(done), id};
    ares_send(state_->channel, query.data(), static_cast<int>(query.size()), &on_answer, pending);
    state_->arm_timer();
  }

  [[nodiscard]] std::vector<std::string> servers() const override {
    std::vector<std::string> out;
    for (const auto& u : state_->upstreams) out.push_back(u.to_string());
    return out;
  }

  void stop() override { state_->stop(); }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace

Result<std::unique_ptr<Forwarder>> Forwarder::create(asio::any_io_executor executor,
                                                     ForwarderConfig config) {
  if (config.tries < 1) {
    return Error(Errc::invalid_argument, "DNS upstream tries must be at least 1");
  }
  const auto timeout_ms = to_millis(config.timeout);
  if (timeout_ms < 1 || timeout_ms > 60'000) {
    return Error(Errc::invalid_argument, "DNS upstream timeout must be 1 ms .. 60 s");
  }
  std::vector<Upstream> wanted, excluded;
  for (const auto& s : config.servers) {
    auto u = detail::parse_upstream(s, "DNS upstream");
    if (!u) return u.error();
    wanted.push_back(*u);
  }
  for (const auto& s : config.exclude) {
    auto u = detail::parse_upstream(s, "excluded DNS upstream");
    if (!u) return u.error();
    excluded.push_back(*u);
  }
  if (wanted.empty()) {
    if (auto r = detail::check_resolv_conf(config.resolv_conf); !r) return r.error();
  }

  // ares_library_init does nothing on Linux today, but the API asks for it once.
  [[maybe_unused]] static const int library = ares_library_init(ARES_LIB_INIT_ALL);

  auto state = std::make_shared<State>(std::move(executor), config.tries);
  ares_options options{};
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  options.sock_state_cb = &on_socket_state;
  options.sock_state_cb_data = state.get();
  options.timeout = static_cast<int>(timeout_ms);
  options.tries = config.tries;
  std::string resolv_conf = config.resolv_conf.string();
  if (wanted.empty()) {
    mask |= ARES_OPT_RESOLVCONF;
    options.resolvconf_path = resolv_conf.data();
  } else {
    // No servers yet (and resolv.conf left unread): set_servers below gives them.
    mask |= ARES_OPT_SERVERS;
    options.nservers = 0;
  }
  if (const int rc = ares_init_options(&state->channel, &options, mask); rc != ARES_SUCCESS) {
    state->channel = nullptr;
    return Error(Errc::io_error, std::string("start c-ares: ") + ares_strerror(rc));
  }
  if (wanted.empty()) wanted = servers_of(state->channel);

  std::string dropped;
  state->upstreams = detail::without_excluded(wanted, excluded, dropped);
  if (state->upstreams.empty()) {
    return Error(Errc::not_found,
                 "no DNS upstream left: " + dropped +
                     " is this server's own address (forwarding there would loop); pass the "
                     "upstream servers with --dns-upstream");
  }
  if (!dropped.empty())
    log::info("dns forwarder: not using {} (this server's own address)", dropped);
  if (auto r = set_servers(state->channel, state->upstreams); !r) return r.error();
  return std::unique_ptr<Forwarder>(std::make_unique<AresForwarder>(std::move(state)));
}

}  // namespace weft::dns
