// SPDX-License-Identifier: Apache-2.0
#include "weft/gossip/mesh_runner.hpp"

#include "weft/base/asio_util.hpp"
#include "weft/base/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <deque>
#include <map>

namespace weft::gossip {
namespace asio = boost::asio;
using asio::awaitable;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr auto kDialTimeout = std::chrono::seconds(10);

void log_exit(const char* what, std::exception_ptr e) {
  asio_util::log_exit("mesh io", what, e);
}

std::string endpoint_string(const tcp::endpoint& ep) {
  const auto addr = ep.address();
  return (addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string()) + ":" +
         std::to_string(ep.port());
}

// "host:port" or "[v6]:port" -> (host, port); the mesh has normalised it already.
std::pair<std::string, std::string> split_host_port(const std::string& address) {
  const auto colon = address.rfind(':');
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return {host, address.substr(colon + 1)};
}
}  // namespace

TimePoint steady_now() {
  return TimePoint(
      std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch()));
}

struct ConnIo {
  explicit ConnIo(asio::any_io_executor ex) : socket(ex) {}
  tcp::socket socket;
  std::deque<Bytes> queue;
  bool writing = false;
  bool closing = false;
};

struct MeshRunner::State : std::enable_shared_from_this<MeshRunner::State> {
  State(asio::any_io_executor e, Mesh& m) : ex(e), mesh(m), timer(e) {}
  asio::any_io_executor ex;
  Mesh& mesh;
  asio::steady_timer timer;
  TimePoint armed_for = TimePoint::max();
  std::optional<tcp::acceptor> acceptor;
  std::map<ConnId, std::shared_ptr<ConnIo>> conns;
  bool stopped = false;

  void kick();
  void apply(Effect& e);
  void start_reading(ConnId id, std::shared_ptr<ConnIo> io);
  void start_writing(ConnId id, std::shared_ptr<ConnIo> io);
};

namespace {
using StatePtr = std::shared_ptr<MeshRunner::State>;

awaitable<void> read_loop(StatePtr st, ConnId id, std::shared_ptr<ConnIo> io) {
  // Lives in the coroutine frame of every connection, so it is kept small (a larger frame
  // arrives over several reads) and left uninitialised (pages are touched only as used).
  std::array<std::uint8_t, 16 * 1024> buf;
  for (;;) {
    auto [ec, n] = co_await io->socket.async_read_some(asio::buffer(buf), kNoThrow);
    if (st->stopped) co_return;
    if (ec) {
      if (st->conns.erase(id) > 0) {
        st->mesh.on_closed(id, ec == asio::error::eof ? "connection closed by peer" : ec.message(),
                           steady_now());
        st->kick();
      }
      co_return;
    }
    st->mesh.on_bytes(id, std::span<const std::uint8_t>(buf.data(), n), steady_now());
    st->kick();
  }
}

awaitable<void> write_loop(StatePtr st, ConnId id, std::shared_ptr<ConnIo> io) {
  io->writing = true;
  while (!io->queue.empty()) {
    Bytes next = std::move(io->queue.front());
    io->queue.pop_front();
    auto [ec, n] = co_await asio::async_write(io->socket, asio::buffer(next), kNoThrow);
    if (ec) {
      io->writing = false;
      if (!st->stopped && st->conns.erase(id) > 0) {
        st->mesh.on_closed(id, "write failed: " + ec.message(), steady_now());
        st->kick();
      }
      co_return;
    }
  }
  io->writing = false;
  if (io->closing) {
    boost::system::error_code ignored;
    io->socket.shutdown(tcp::socket::shutdown_both, ignored);
    io->socket.close(ignored);
  }
}

awaitable<void> dial(StatePtr st, ConnId id, std::shared_ptr<ConnIo> io, std::string address) {
  auto [host, port] = split_host_port(address);
  tcp::resolver resolver(st->ex);
  auto [rec, results] = co_await resolver.async_resolve(host, port, kNoThrow);
  if (st->stopped) co_return;
  if (rec) {
    st->conns.erase(id);
    st->mesh.on_dial_failed(id, "cannot resolve " + host + ": " + rec.message(), steady_now());
    st->kick();
    co_return;
  }
  asio::steady_timer deadline(st->ex);
  deadline.expires_after(kDialTimeout);
  // Shared: the timer's handler may run after this coroutine has moved on.
  auto timed_out = std::make_shared<bool>(false);
  deadline.async_wait([timed_out, io](boost::system::error_code ec) {
    if (!ec) {
      *timed_out = true;
      io->socket.close();
    }
  });
  auto [cec, ep] = co_await asio::async_connect(io->socket, results, kNoThrow);
  deadline.cancel();
  if (st->stopped) co_return;
  if (cec) {
    st->conns.erase(id);
    st->mesh.on_dial_failed(id, *timed_out ? "connect timed out" : cec.message(), steady_now());
    st->kick();
    co_return;
  }
  boost::system::error_code ignored;
  io->socket.set_option(tcp::no_delay(true), ignored);
  st->mesh.on_dialed(id, steady_now());
  st->start_reading(id, io);
  st->kick();
}

awaitable<void> accept_loop(StatePtr st) {
  while (!st->stopped) {
    auto [ec, socket] = co_await st->acceptor->async_accept(kNoThrow);
    if (st->stopped) co_return;
    if (ec) {
      log::warn("mesh io: accept failed: {}", ec.message());
      continue;
    }
    boost::system::error_code rec;
    const auto remote = socket.remote_endpoint(rec);
    if (rec) continue;
    socket.set_option(tcp::no_delay(true), rec);
    auto io = std::make_shared<ConnIo>(st->ex);
    io->socket = std::move(socket);
    const ConnId id = st->mesh.on_accepted(endpoint_string(remote), steady_now());
    st->conns[id] = io;
    st->start_reading(id, io);
    st->kick();
  }
}
}  // namespace

void MeshRunner::State::start_reading(ConnId id, std::shared_ptr<ConnIo> io) {
  asio::co_spawn(ex, read_loop(shared_from_this(), id, std::move(io)),
                 [](std::exception_ptr e) { log_exit("read loop", e); });
}

void MeshRunner::State::start_writing(ConnId id, std::shared_ptr<ConnIo> io) {
  if (io->writing) return;
  asio::co_spawn(ex, write_loop(shared_from_this(), id, std::move(io)),
                 [](std::exception_ptr e) { log_exit("write loop", e); });
}

void MeshRunner::State::apply(Effect& effect) {
  if (auto* d = std::get_if<DialEffect>(&effect)) {
    auto io = std::make_shared<ConnIo>(ex);
    conns[d->conn] = io;
    asio::co_spawn(ex, dial(shared_from_this(), d->conn, io, d->address),
                   [](std::exception_ptr e) { log_exit("dial", e); });
  } else if (auto* s = std::get_if<SendEffect>(&effect)) {
    auto it = conns.find(s->conn);
    if (it == conns.end()) return;
    it->second->queue.push_back(std::move(s->bytes));
    if (it->second->socket.is_open()) start_writing(s->conn, it->second);
  } else if (auto* c = std::get_if<CloseEffect>(&effect)) {
    auto it = conns.find(c->conn);
    if (it == conns.end()) return;
    auto io = it->second;
    conns.erase(it);
    io->closing = true;
    // Queued bytes (e.g. the frame that tells the peer why) go out before the close.
    if (!io->writing) {
      if (!io->queue.empty() && io->socket.is_open()) {
        start_writing(c->conn, io);
      } else {
        boost::system::error_code ignored;
        io->socket.close(ignored);
      }
    }
  }
}

void MeshRunner::State::kick() {
  if (stopped) return;
  for (auto& e : mesh.take_effects()) apply(e);
  const TimePoint next = mesh.next_deadline();
  if (next == armed_for) return;
  armed_for = next;
  if (next == TimePoint::max()) {
    timer.cancel();
    return;
  }
  const auto wait = next - steady_now();
  timer.expires_after(wait > Duration::zero() ? wait : Duration::zero());
  timer.async_wait([self = shared_from_this(), next](boost::system::error_code ec) {
    if (ec || self->stopped || self->armed_for != next) return;
    self->armed_for = TimePoint::max();
    self->mesh.on_tick(steady_now());
    self->kick();
  });
}

MeshRunner::MeshRunner(asio::any_io_executor ex, Mesh& mesh)
    : state_(std::make_shared<State>(std::move(ex), mesh)) {}

MeshRunner::~MeshRunner() {
  stop();
}

Result<void> MeshRunner::listen(const tcp::endpoint& endpoint) {
  auto& acc = state_->acceptor.emplace(state_->ex);
  if (const auto ec = asio_util::listen_tcp(acc, endpoint)) {
    state_->acceptor.reset();
    return Error(ec, "listen for mesh connections on " + endpoint_string(endpoint) + ": " +
                         ec.message() +
                         (ec == asio::error::address_in_use
                              ? " (another weftd on this host? use --port or another netns)"
                              : ""));
  }
  asio::co_spawn(state_->ex, accept_loop(state_),
                 [](std::exception_ptr e) { log_exit("accept loop", e); });
  return ok();
}

void MeshRunner::kick() {
  state_->kick();
}

void MeshRunner::stop() {
  if (!state_ || state_->stopped) return;
  state_->stopped = true;
  boost::system::error_code ec;
  state_->timer.cancel();
  if (state_->acceptor) state_->acceptor->close(ec);
  for (auto& [id, io] : state_->conns) io->socket.close(ec);
  state_->conns.clear();
}

}  // namespace weft::gossip
