// SPDX-License-Identifier: Apache-2.0
#include "weft/api/server.hpp"

#include "weft/base/asio_util.hpp"
#include "weft/base/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cerrno>
#include <map>
#include <sys/stat.h>

namespace weft::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using local = asio::local::stream_protocol;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
}

struct ApiServer::State {
  asio::any_io_executor ex;
  const ApiRoutes& routes;
  ServerOptions options;
  std::optional<local::acceptor> unix_acceptor;
  std::filesystem::path socket_path;
  std::optional<tcp::acceptor> tcp_acceptor;
  std::optional<tcp::endpoint> tcp_bound;
  bool stopped = false;
  std::uint64_t next_session = 0;
  std::size_t arriving = 0;  // sessions before their first request is dispatched
  std::map<std::uint64_t, std::function<void()>> open_sessions;  // id -> close the socket

  State(asio::any_io_executor e, const ApiRoutes& r, ServerOptions o)
      : ex(std::move(e)), routes(r), options(o) {}
};

namespace {

using StatePtr = std::shared_ptr<ApiServer::State>;

// What a session waits on while an asynchronous handler works: the answer, and a timer
// that the reply (or the server stopping) cancels to wake the session up.
struct PendingAnswer {
  explicit PendingAnswer(const asio::any_io_executor& ex)
      : wake(ex, asio::steady_timer::time_point::max()) {}
  std::optional<HttpResponse> answer;
  asio::steady_timer wake;
};

void dispatch_safely(const ApiRoutes& routes, HttpRequest req,
                     const std::shared_ptr<PendingAnswer>& pending) {
  const std::string method = req.method, target = req.target;
  auto reply = [pending](HttpResponse r) {
    if (pending->answer) return;  // answered once already
    pending->answer = std::move(r);
    pending->wake.cancel();
  };
  try {
    routes.dispatch_async(std::move(req), reply);
  } catch (const std::exception& e) {
    // A handler bug must not take the daemon down; the caller sees a 500 with the reason.
    log::error("api: handler for {} {} threw: {}", method, target, e.what());
    reply(HttpResponse::error(500, std::string("internal error: ") + e.what()));
  }
}

template <class Protocol>
awaitable<void> serve_session(StatePtr st, beast::basic_stream<Protocol> stream, bool writable) {
  const std::uint64_t id = st->next_session++;
  std::shared_ptr<PendingAnswer> waiting;  // set while a handler has not answered
  st->open_sessions[id] = [&stream, &waiting] {
    stream.socket().close();
    if (waiting) waiting->wake.cancel();
  };
  beast::flat_buffer buffer;
  bool first = true;  // counted in `arriving` by the accept loop
  const auto arrived = [&] {
    if (first) --st->arriving;
    first = false;
  };
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(st->options.max_body_bytes);
    stream.expires_after(st->options.idle_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    arrived();
    if (ec) {
      if (ec == http::error::body_limit) {
        http::response<http::string_body> res{http::status::payload_too_large, 11};
        res.set(http::field::content_type, "application/json");
        res.body() = "{\"error\": \"request body is larger than " +
                     std::to_string(st->options.max_body_bytes) + " bytes\"}\n";
        res.prepare_payload();
        co_await http::async_write(stream, res, kNoThrow);
      }
      break;  // end of stream, timeout, or a malformed request: close the connection
    }
    auto req = parser.release();
    HttpRequest hr;
    hr.method = std::string(req.method_string());
    hr.target = std::string(req.target());
    hr.body = std::move(req.body());
    hr.writable = writable;
    auto pending = std::make_shared<PendingAnswer>(st->ex);
    dispatch_safely(st->routes, std::move(hr), pending);
    if (!pending->answer) {
      waiting = pending;
      co_await pending->wake.async_wait(kNoThrow);
      waiting.reset();
      if (!pending->answer) break;  // the server stopped first
    }
    HttpResponse resp = std::move(*pending->answer);

    http::response<http::string_body> res{static_cast<http::status>(resp.status), req.version()};
    res.set(http::field::server, "weftd");
    res.set(http::field::content_type, resp.content_type);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(resp.body);
    res.prepare_payload();
    if (req.method() == http::verb::head) res.body().clear();
    auto [wec, wn] = co_await http::async_write(stream, res, kNoThrow);
    if (wec || !res.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(Protocol::socket::shutdown_both, ignored);
  st->open_sessions.erase(id);
}

void log_exit(const char* what, std::exception_ptr e) {
  asio_util::log_exit("api", what, e);
}

template <class Acceptor>
awaitable<void> accept_loop(StatePtr st, Acceptor* acceptor, bool writable) {
  using Protocol = typename Acceptor::protocol_type;
  while (!st->stopped) {
    auto [ec, socket] = co_await acceptor->async_accept(kNoThrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || st->stopped) break;
      log::warn("api: accept failed: {}", ec.message());
      continue;
    }
    // Counted from here, not from the session's first turn: a group commit waiting on
    // `arriving` must also see sessions accepted but not started yet.
    ++st->arriving;
    asio::co_spawn(
        st->ex,
        serve_session<Protocol>(st, beast::basic_stream<Protocol>(std::move(socket)), writable),
        [](std::exception_ptr e) { log_exit("api session", e); });
  }
}

// A socket file that still accepts connections belongs to a live daemon.
bool socket_answers(const std::filesystem::path& path) {
  asio::io_context io;
  local::socket probe(io);
  boost::system::error_code ec;
  probe.connect(local::endpoint(path.string()), ec);
  return !ec;
}

}  // namespace

ApiServer::ApiServer(asio::any_io_executor ex, const ApiRoutes& routes, ServerOptions options)
    : state_(std::make_shared<State>(std::move(ex), routes, options)) {}

ApiServer::~ApiServer() {
  stop();
}

Result<void> ApiServer::listen_unix(const std::filesystem::path& socket_path) {
  std::error_code fec;
  const auto status = std::filesystem::symlink_status(socket_path, fec);
  if (!fec && std::filesystem::exists(status)) {
    if (!std::filesystem::is_socket(status)) {
      return Error(Errc::already_exists, socket_path.string() +
                                             " exists and is not a socket; remove it or use "
                                             "another --run-dir");
    }
    if (socket_answers(socket_path)) {
      return Error(Errc::busy, "another weftd is already serving " + socket_path.string() +
                                   "; stop it or use another --run-dir");
    }
    std::filesystem::remove(socket_path, fec);  // stale: its daemon is gone
  }

  boost::system::error_code ec;
  auto& acc = state_->unix_acceptor.emplace(state_->ex);
  acc.open(local(), ec);
  // umask around bind so the socket is never reachable by others, not even briefly.
  const mode_t old_mask = ::umask(0177);
  if (!ec) acc.bind(local::endpoint(socket_path.string()), ec);
  ::umask(old_mask);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    state_->unix_acceptor.reset();
    return Error(ec, "listen on unix socket " + socket_path.string() + ": " + ec.message());
  }
  if (::chmod(socket_path.c_str(), 0600) != 0) {
    return errno_error(errno, "chmod 0600 " + socket_path.string());
  }
  state_->socket_path = socket_path;
  asio::co_spawn(state_->ex, accept_loop(state_, &*state_->unix_acceptor, true),
                 [](std::exception_ptr e) { log_exit("unix accept loop", e); });
  return ok();
}

Result<void> ApiServer::listen_tcp(const tcp::endpoint& endpoint, bool writable) {
  auto& acc = state_->tcp_acceptor.emplace(state_->ex);
  if (const auto ec = asio_util::listen_tcp(acc, endpoint)) {
    state_->tcp_acceptor.reset();
    std::string hint = ec == asio::error::address_in_use
                           ? "; another process holds the port: stop it or pass --api-tcp with "
                             "another address (or 'off')"
                           : "";
    return Error(ec, "listen on tcp " + endpoint.address().to_string() + ":" +
                         std::to_string(endpoint.port()) + ": " + ec.message() + hint);
  }
  state_->tcp_bound = acc.local_endpoint();
  asio::co_spawn(state_->ex, accept_loop(state_, &*state_->tcp_acceptor, writable),
                 [](std::exception_ptr e) { log_exit("tcp accept loop", e); });
  return ok();
}

std::size_t ApiServer::arriving() const {
  return state_->arriving;
}

std::optional<tcp::endpoint> ApiServer::tcp_endpoint() const {
  return state_->tcp_bound;
}

void ApiServer::stop() {
  if (!state_ || state_->stopped) return;
  state_->stopped = true;
  boost::system::error_code ec;
  if (state_->unix_acceptor) state_->unix_acceptor->close(ec);
  if (state_->tcp_acceptor) state_->tcp_acceptor->close(ec);
  // Closing a session's socket completes its pending read with an error, ending it.
  auto sessions = std::move(state_->open_sessions);
  for (auto& [id, close] : sessions) close();
  if (!state_->socket_path.empty()) {
    std::error_code fec;
    std::filesystem::remove(state_->socket_path, fec);
  }
}

}  // namespace weft::api
