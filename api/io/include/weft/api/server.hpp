// SPDX-License-Identifier: Apache-2.0
// The daemon's HTTP/1.1 API server (Boost.Beast) on a unix socket and on TCP.
#pragma once

#include "weft/api/routes.hpp"
#include "weft/base/result.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>

namespace weft::api {

struct ServerOptions {
  std::size_t max_body_bytes = 1 << 20;
  std::chrono::seconds idle_timeout{30};  ///< a connection silent this long is closed
};

/// Serves `routes` on the listeners added. All work runs on the executor given (the
/// daemon's control thread), so handlers need no locks. `routes` must outlive the server.
class ApiServer {
 public:
  ApiServer(boost::asio::any_io_executor ex, const ApiRoutes& routes, ServerOptions options = {});
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  /// Listens on a unix socket (mode 0600, writable API). A stale socket file left by a dead
  /// daemon is replaced; one that still answers is refused (Errc::busy).
  Result<void> listen_unix(const std::filesystem::path& socket_path);
  /// Listens on TCP; `writable` false refuses every write with 403.
  Result<void> listen_tcp(const boost::asio::ip::tcp::endpoint& endpoint, bool writable);

  /// The TCP endpoint actually bound (port 0 resolved), if any.
  [[nodiscard]] std::optional<boost::asio::ip::tcp::endpoint> tcp_endpoint() const;

  /// Connections accepted whose first request has not been handled yet: requests about to
  /// arrive, which a group commit may wait for.
  [[nodiscard]] std::size_t arriving() const;

  /// Stops accepting, closes open connections and removes the socket file.
  void stop();

  struct State;  ///< opaque; shared with the coroutines so they outlive a stop() safely

 private:
  std::shared_ptr<State> state_;
};

}  // namespace weft::api
