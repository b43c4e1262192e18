// SPDX-License-Identifier: Apache-2.0
// The DNS server: binds UDP and TCP on one port, answers UDP in batches (one recvmmsg in, one
// sendmmsg out per wake-up), accepts TCP clients (tcp_connection.cpp), and runs forwards.
#include "weft/base/asio_util.hpp"
#include "weft/base/log.hpp"

#include "server_state.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace weft::dns {
namespace asio = boost::asio;
using asio::awaitable;
using tcp = asio::ip::tcp;

namespace detail {

TimePoint steady_now() {
  return TimePoint(
      std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch()));
}

void ServerState::forward(Forward forward, Transport transport, Reply reply) {
  const auto fail_now = [&](std::string why) {
    reply(*this, responder.on_upstream(forward, Error(Errc::unavailable, std::move(why)), transport,
                                       steady_now()));
  };
  if (forwarder == nullptr) {
    // A responder that forwards without a forwarder: a wiring mistake; the client still
    // gets its SERVFAIL.
    return fail_now("no upstream DNS server configured");
  }
  if (stats.pending_upstream >= config.max_pending_upstream) {
    // An upstream outage (or a flood of queries for new names) must not pile up work
    // without bound: beyond the limit, SERVFAIL at once.
    return fail_now("too many queries waiting for the upstream");
  }
  ++stats.pending_upstream;
  auto held = std::make_shared<Forward>(std::move(forward));
  forwarder->forward(held->bytes, [weak = weak_from_this(), held, transport,
                                   reply = std::move(reply)](Result<std::vector<std::uint8_t>> r) {
    const auto self = weak.lock();
    if (!self || self->stopped) return;  // the server is gone: nobody to answer
    --self->stats.pending_upstream;
    reply(*self, self->responder.on_upstream(*held, r, transport, steady_now()));
  });
}

}  // namespace detail

namespace {
using detail::ServerState;
using detail::steady_now;
using StatePtr = std::shared_ptr<ServerState>;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
// A query is a few dozen bytes; 4 KiB holds any real one (a longer datagram arrives cut and
// gets FORMERR).
constexpr std::size_t kUdpSlotSize = 4096;
constexpr std::size_t kUdpBatch = 64;

std::string where(const IpAddress& address, std::uint16_t port) {
  return address.to_string() + ":" + std::to_string(port);
}

const char* in_use_hint(bool in_use) {
  return in_use ? " (another DNS server, e.g. dnsmasq or systemd-resolved, holds it; choose "
                  "another address with --dns-listen)"
                : "";
}

void send_udp(ServerState& st, std::span<const UdpOutgoing> out) {
  if (out.empty() || !st.udp) return;
  if (auto sent = st.udp->send(out); !sent) {
    log::debug("dns server: UDP replies not sent: {}", sent.error().message());
  }
}

// One batch: every datagram waiting (up to kUdpBatch) is answered, the immediate replies
// leave together.
void serve_udp_batch(ServerState& st) {
  auto got = st.udp->receive(st.slots);
  if (!got) {
    log::warn("dns server: UDP receive on {}: {}", where(st.config.address, st.udp_port),
              got.error().message());
    return;
  }
  const TimePoint now = steady_now();
  std::vector<std::vector<std::uint8_t>> replies;
  std::vector<UdpEndpoint> to;
  replies.reserve(*got);
  to.reserve(*got);
  for (std::size_t i = 0; i < *got; ++i) {
    const UdpSlot& slot = st.slots[i];
    ++st.stats.udp_queries;
    Handled handled = st.responder.handle({slot.bytes.data(), slot.size}, Transport::udp, now);
    if (!handled.reply.empty()) {
      replies.push_back(std::move(handled.reply));
      to.push_back(slot.from);
    }
    if (handled.forward) {
      st.forward(std::move(*handled.forward), Transport::udp,
                 [from = slot.from](ServerState& s, std::vector<std::uint8_t> reply) {
                   if (reply.empty()) return;
                   const UdpOutgoing one{reply, from};
                   send_udp(s, {&one, 1});
                 });
    }
  }
  std::vector<UdpOutgoing> out;
  out.reserve(replies.size());
  for (std::size_t i = 0; i < replies.size(); ++i) out.push_back({replies[i], to[i]});
  send_udp(st, out);
}

awaitable<void> udp_loop(StatePtr st) {
  for (;;) {
    auto [ec] =
        co_await st->udp_wait.async_wait(asio::posix::stream_descriptor::wait_read, kNoThrow);
    if (st->stopped) co_return;
    if (ec) {
      log::error("dns server: waiting for UDP queries on {} failed: {}",
                 where(st->config.address, st->udp_port), ec.message());
      co_return;
    }
    // One batch per wake-up, so TCP clients and upstream answers get their turn; a socket
    // with more waiting is readable again at once.
    serve_udp_batch(*st);
  }
}

awaitable<void> accept_loop(StatePtr st) {
  for (;;) {
    auto [ec, socket] = co_await st->acceptor.async_accept(kNoThrow);
    if (st->stopped) co_return;
    if (ec) {
      // E.g. out of file descriptors: retrying at once would spin.
      log::warn("dns server: accepting on TCP {}: {}", where(st->config.address, st->tcp_port),
                ec.message());
      asio::steady_timer pause(st->executor, std::chrono::milliseconds(100));
      co_await pause.async_wait(kNoThrow);
      if (st->stopped) co_return;
      continue;
    }
    if (st->connections.size() >= st->config.max_tcp_connections) {
      ++st->stats.tcp_refused;
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    ++st->stats.tcp_connections;
    detail::start_tcp_connection(st, std::move(socket));
  }
}

// UDP then TCP on the same port; with port 0 the kernel picks UDP's and TCP may find it taken,
// so a few ports are tried (clients retry a truncated answer over TCP on the same port).
Result<void> bind_sockets(ServerState& st) {
  const auto& address = st.config.address;
  const int attempts = st.config.port == 0 ? 20 : 1;
  for (int attempt = 1;; ++attempt) {
    auto udp = UdpSocket::bind(address, st.config.port);
    if (!udp) {
      const bool in_use =
          udp.error().message().find(std::strerror(EADDRINUSE)) != std::string::npos;
      return Error(Errc::io_error, "DNS server: " + udp.error().message() + in_use_hint(in_use));
    }
    const std::uint16_t port = udp->local_port();
    const tcp::endpoint endpoint(asio::ip::address_v4(address.v4_value()), port);
    const auto ec = asio_util::listen_tcp(st.acceptor, endpoint);
    if (!ec) {
      st.udp.emplace(std::move(*udp));
      st.udp_port = st.tcp_port = port;
      return ok();
    }
    if (ec != asio::error::address_in_use || attempt >= attempts) {
      return Error(Errc::io_error, "DNS server: listen on TCP " + where(address, port) + ": " +
                                       ec.message() +
                                       in_use_hint(ec == asio::error::address_in_use));
    }
  }
}

class ServerImpl final : public DnsServer {
 public:
  explicit ServerImpl(StatePtr state) : st_(std::move(state)) {}
  ServerImpl(const ServerImpl&) = delete;
  ServerImpl& operator=(const ServerImpl&) = delete;
  ~ServerImpl() override { stop(); }

  [[nodiscard]] std::uint16_t udp_port() const override { return st_->udp_port; }
  [[nodiscard]] std::uint16_t tcp_port() const override { return st_->tcp_port; }
  [[nodiscard]] const ServerStats& stats() const override { return st_->stats; }

  void stop() override {
    if (st_->stopped) return;
    st_->stopped = true;
    boost::system::error_code ignored;
    st_->acceptor.close(ignored);
    st_->udp_wait.close(ignored);
    st_->udp.reset();
    // close_tcp_connection erases from the map.
    st_->stats.pending_upstream = 0;  // their replies will not be sent
    auto connections = std::move(st_->connections);
    for (auto& [id, c] : connections) detail::close_tcp_connection(*c);
  }

 private:
  StatePtr st_;
};

}  // namespace

Result<std::unique_ptr<DnsServer>> DnsServer::start(asio::any_io_executor executor,
                                                    ServerConfig config, Responder& responder,
                                                    Forwarder* forwarder) {
  if (!config.address.is_v4()) {
    return Error(Errc::unsupported, "DNS server on " + config.address.to_string() +
                                        ": only IPv4 listen addresses so far");
  }
  auto st = std::make_shared<ServerState>(executor, config, responder, forwarder);
  if (auto r = bind_sockets(*st); !r) return r.error();
  const int fd = ::dup(st->udp->fd());
  boost::system::error_code ec;
  if (fd >= 0) st->udp_wait.assign(fd, ec);
  if (fd < 0 || ec) {
    if (fd >= 0 && ec) ::close(fd);
    return Error(Errc::io_error, "DNS server: watch the UDP socket: " +
                                     (fd < 0 ? std::string(std::strerror(errno)) : ec.message()));
  }
  st->slots.resize(kUdpBatch);
  for (auto& slot : st->slots) slot.bytes.resize(kUdpSlotSize);
  asio::co_spawn(executor, udp_loop(st),
                 [](std::exception_ptr e) { asio_util::log_exit("dns server", "UDP loop", e); });
  asio::co_spawn(executor, accept_loop(st), [](std::exception_ptr e) {
    asio_util::log_exit("dns server", "TCP accept loop", e);
  });
  log::info("dns server: listening on UDP and TCP {}", where(config.address, st->udp_port));
  return std::unique_ptr<DnsServer>(std::make_unique<ServerImpl>(std::move(st)));
}

}  // namespace weft::dns
