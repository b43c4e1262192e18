// SPDX-License-Identifier: Apache-2.0
// One DNS client over TCP (RFC 7766): messages with a 2-byte length prefix, several per
// connection, each answered when its reply is ready (a forwarded one may be overtaken by
// later local answers: the ids tell them apart), writes one after the other. The connection
// closes after the idle timeout without a query, a written reply or a pending forward.
#include "weft/base/asio_util.hpp"
#include "weft/base/log.hpp"

#include "server_state.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <deque>

namespace weft::dns::detail {
namespace asio = boost::asio;
using asio::awaitable;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
// Past these the connection stops reading until some complete (RFC 7766 6.2.1.1 lets a server
// limit outstanding queries): a client cannot make the server hold unbounded work or replies.
constexpr std::size_t kMaxInFlight = 64;  // forwards awaiting the upstream
constexpr std::size_t kMaxQueued = 64;    // replies not yet handed to the socket
}  // namespace

struct TcpConnection : std::enable_shared_from_this<TcpConnection> {
  TcpConnection(std::shared_ptr<ServerState> s, tcp::socket sock, std::uint64_t i)
      : st(std::move(s)), socket(std::move(sock)), idle(st->executor), wake(st->executor), id(i) {}

  std::shared_ptr<ServerState> st;
  tcp::socket socket;
  asio::steady_timer idle;  // closes the connection when nothing happened for the timeout
  asio::steady_timer wake;  // the reader waits on it while too much is outstanding
  std::uint64_t id;
  std::deque<std::vector<std::uint8_t>> queue;  // replies, length prefix included
  std::size_t in_flight = 0;
  bool writing = false, read_done = false, closed = false;
  Clock::time_point last_activity = Clock::now();

  void touch() { last_activity = Clock::now(); }
  [[nodiscard]] bool backlogged() const {
    return in_flight >= kMaxInFlight || queue.size() >= kMaxQueued;
  }

  void send(const std::vector<std::uint8_t>& reply) {
    if (closed || reply.empty()) return;
    std::vector<std::uint8_t> framed;
    framed.reserve(reply.size() + 2);
    framed.push_back(static_cast<std::uint8_t>(reply.size() >> 8));
    framed.push_back(static_cast<std::uint8_t>(reply.size()));
    framed.insert(framed.end(), reply.begin(), reply.end());
    queue.push_back(std::move(framed));
    if (!writing) {
      writing = true;  // before the spawn: a second send must not start a second writer
      asio::co_spawn(st->executor, write_loop(shared_from_this()), [](std::exception_ptr e) {
        asio_util::log_exit("dns server", "TCP writer", e);
      });
    }
  }

  // Done reading and nothing left to answer: close.
  void maybe_finish() {
    if (read_done && in_flight == 0 && !writing && queue.empty()) close();
  }

  void close() {
    if (closed) return;
    const auto keep = shared_from_this();  // the map may hold the last other reference
    closed = true;
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    idle.cancel();
    wake.cancel();
    st->connections.erase(id);
  }

  void arm_idle() {
    idle.expires_at(last_activity + st->config.tcp_idle_timeout);
    idle.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed) return;
      // Waiting for the upstream is not idleness (the forwarder bounds that wait).
      if (self->in_flight > 0) self->touch();
      if (Clock::now() - self->last_activity >= self->st->config.tcp_idle_timeout) {
        log::debug("dns server: TCP client idle for {} ms, closed",
                   to_millis(self->st->config.tcp_idle_timeout));
        self->close();
        return;
      }
      self->arm_idle();
    });
  }

  static awaitable<void> write_loop(std::shared_ptr<TcpConnection> c) {
    while (!c->queue.empty() && !c->closed) {
      // Everything queued goes in one write (pipelined answers, one syscall).
      std::vector<std::vector<std::uint8_t>> batch(std::make_move_iterator(c->queue.begin()),
                                                   std::make_move_iterator(c->queue.end()));
      c->queue.clear();
      std::vector<asio::const_buffer> buffers;
      buffers.reserve(batch.size());
      for (const auto& b : batch) buffers.push_back(asio::buffer(b));
      auto [ec, n] = co_await asio::async_write(c->socket, buffers, kNoThrow);
      if (ec) {
        c->writing = false;
        c->close();
        co_return;
      }
      c->touch();
      c->wake.cancel();
    }
    c->writing = false;
    c->maybe_finish();
  }

  static awaitable<void> read_loop(std::shared_ptr<TcpConnection> c) {
    std::array<std::uint8_t, 2> prefix{};
    std::vector<std::uint8_t> message;
    while (!c->closed) {
      auto [ec, n] = co_await asio::async_read(c->socket, asio::buffer(prefix), kNoThrow);
      if (ec || c->closed || c->st->stopped) break;
      message.resize(static_cast<std::size_t>(prefix[0] << 8 | prefix[1]));
      auto [ec2, n2] = co_await asio::async_read(c->socket, asio::buffer(message), kNoThrow);
      if (ec2 || c->closed || c->st->stopped) break;
      c->touch();
      ServerState& st = *c->st;
      ++st.stats.tcp_queries;
      Handled handled = st.responder.handle(message, Transport::tcp, steady_now());
      c->send(handled.reply);
      if (handled.forward) {
        ++c->in_flight;
        st.forward(std::move(*handled.forward), Transport::tcp,
                   [c](ServerState&, std::vector<std::uint8_t> reply) {
                     --c->in_flight;
                     c->touch();
                     c->send(reply);
                     c->wake.cancel();
                     c->maybe_finish();
                   });
      }
      while (!c->closed && c->backlogged()) {
        c->wake.expires_at(Clock::time_point::max());
        co_await c->wake.async_wait(kNoThrow);
      }
    }
    // End of the client's queries (or an error): replies still owed go out, then the close.
    c->read_done = true;
    c->maybe_finish();
  }
};

void start_tcp_connection(const std::shared_ptr<ServerState>& state, tcp::socket socket) {
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);  // replies are small and awaited
  const std::uint64_t id = state->next_connection++;
  auto c = std::make_shared<TcpConnection>(state, std::move(socket), id);
  state->connections.emplace(id, c);
  c->arm_idle();
  asio::co_spawn(state->executor, TcpConnection::read_loop(c),
                 [](std::exception_ptr e) { asio_util::log_exit("dns server", "TCP reader", e); });
}

void close_tcp_connection(TcpConnection& connection) {
  connection.close();
}

}  // namespace weft::dns::detail
