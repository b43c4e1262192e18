// SPDX-License-Identifier: Apache-2.0
#include "weft/api/client.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace weft::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

namespace {

// A blocking unix-socket stream for Beast's synchronous read and write, bounded by one
// deadline for the whole request. Plain syscalls rather than an io_context: one request is
// 7 syscalls (socket, setsockopt, connect, sendmsg, poll, recv, close) where an io_context
// made ~20 (epoll, eventfd, timerfd, registrations), and weft-cni runs one request per pod
// start on hosts where a syscall can cost tens of microseconds (VMs).
class UnixStream {
 public:
  explicit UnixStream(Clock::time_point deadline) : deadline_(deadline) {}
  UnixStream(const UnixStream&) = delete;
  UnixStream& operator=(const UnixStream&) = delete;
  ~UnixStream() {
    if (fd_ >= 0) ::close(fd_);
  }

  /// Connects; the error is an errno value, 0 on success.
  int connect(const std::string& path) {
    sockaddr_un addr{};
    if (path.size() >= sizeof(addr.sun_path)) return ENAMETOOLONG;
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return errno;
    // Bounds connect when the daemon's listen queue is full (the kernel reports EAGAIN).
    // Sends do not rely on it: they wait in poll() for what is left of the deadline.
    const timeval tv = remaining_timeval();
    if (::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) return errno;
    while (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      if (errno != EINTR) return errno;
    }
    return 0;
  }

  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers, beast::error_code& ec) {
    std::array<iovec, 16> iov{};
    std::size_t n = 0;
    for (auto it = asio::buffer_sequence_begin(buffers);
         it != asio::buffer_sequence_end(buffers) && n < iov.size(); ++it) {
      const asio::const_buffer b(*it);
      if (b.size() == 0) continue;
      iov[n].iov_base = const_cast<void*>(b.data());
      iov[n].iov_len = b.size();
      ++n;
    }
    if (n == 0) return 0;
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = n;
    for (;;) {
      // MSG_NOSIGNAL: a daemon that closed the connection must not kill the CLI with SIGPIPE.
      // MSG_DONTWAIT: a full socket buffer waits in poll(), under the request's one deadline.
      const ssize_t sent = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent >= 0) return static_cast<std::size_t>(sent);
      if (errno == EINTR) continue;
      if (errno != EAGAIN) {
        ec = errno_code(errno);
        return 0;
      }
      if (!wait_for(POLLOUT, ec)) return 0;
    }
  }
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers) {
    return or_throw([&](beast::error_code& ec) { return write_some(buffers, ec); });
  }

  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, beast::error_code& ec) {
    const asio::mutable_buffer b = beast::buffers_front(buffers);
    if (b.size() == 0) return 0;
    for (;;) {
      if (!wait_for(POLLIN, ec)) return 0;
      const ssize_t got = ::recv(fd_, b.data(), b.size(), MSG_DONTWAIT);
      if (got > 0) return static_cast<std::size_t>(got);
      if (got == 0) {
        ec = asio::error::eof;
        return 0;
      }
      if (errno == EINTR || errno == EAGAIN) continue;
      ec = errno_code(errno);
      return 0;
    }
  }
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    return or_throw([&](beast::error_code& ec) { return read_some(buffers, ec); });
  }

 private:
  // The throwing forms Beast's stream concepts ask for (weft calls only the error_code ones).
  template <class Op>
  static std::size_t or_throw(Op&& op) {
    beast::error_code ec;
    const std::size_t n = op(ec);
    if (ec) throw beast::system_error(ec);
    return n;
  }
  static beast::error_code errno_code(int err) { return {err, boost::system::system_category()}; }
  /// Waits until the socket is ready for `events` (or has an error or hang-up to report,
  /// which the next send or recv returns); false with `ec` set when the deadline passes.
  bool wait_for(short events, beast::error_code& ec) const {
    for (;;) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - Clock::now());
      if (left.count() <= 0) {
        ec = beast::error::timeout;
        return false;
      }
      pollfd p{fd_, events, 0};
      const int ready =
          ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30)));
      if (ready > 0) return true;
      if (ready < 0 && errno != EINTR) {
        ec = errno_code(errno);
        return false;
      }
    }
  }
  [[nodiscard]] timeval remaining_timeval() const {
    const auto left =
        std::max(std::chrono::duration_cast<std::chrono::microseconds>(deadline_ - Clock::now()),
                 std::chrono::microseconds(1));
    return timeval{static_cast<time_t>(left.count() / 1'000'000),
                   static_cast<suseconds_t>(left.count() % 1'000'000)};
  }

  int fd_ = -1;
  Clock::time_point deadline_;
};

}  // namespace

ApiClient::ApiClient(std::filesystem::path socket_path, std::chrono::milliseconds timeout)
    : socket_path_(std::move(socket_path)), timeout_(timeout) {}

Result<HttpResponse> ApiClient::request(const std::string& method, const std::string& target,
                                        const std::string& body) const {
  const std::string where = socket_path_.string();
  UnixStream stream(Clock::now() + timeout_);
  if (const int err = stream.connect(where); err != 0) {
    if (err == ENOENT || err == ECONNREFUSED) {
      return Error(Errc::unavailable, "weftd is not running at " + where);
    }
    if (err == EAGAIN) {
      return Error(Errc::timed_out, "connect to weftd at " + where + " timed out after " +
                                        std::to_string(timeout_.count()) +
                                        " ms (its listen queue is full: is weftd stuck?)");
    }
    return Error(Errc::unavailable, "connect to weftd at " + where + ": " + std::strerror(err));
  }

  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "weftd");
  req.set(http::field::user_agent, "weft");
  req.keep_alive(false);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();

  beast::error_code ec;
  std::string stage = "send request to";
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  if (!ec) {
    stage = "read response from";
    http::read(stream, buffer, parser, ec);
  } else if (ec == asio::error::broken_pipe || ec == asio::error::connection_reset) {
    // weftd may have answered before hanging up on a request it refuses without reading
    // it all (413: body too large). Its answer is still queued here: read it, and report
    // the send failure only when there is none.
    beast::error_code read_ec;
    http::read(stream, buffer, parser, read_ec);
    if (parser.is_done()) ec = {};
  }
  if (ec) {
    if (ec == beast::error::timeout) {
      return Error(Errc::timed_out, stage + " weftd at " + where + " timed out after " +
                                        std::to_string(timeout_.count()) + " ms");
    }
    return Error(Errc::unavailable, stage + " weftd at " + where + ": " + ec.message());
  }
  auto res = parser.release();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  out.content_type = std::string(res[http::field::content_type]);
  out.body = std::move(res.body());
  return out;
}

}  // namespace weft::api
