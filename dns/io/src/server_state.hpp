// SPDX-License-Identifier: Apache-2.0
// What the DNS server's parts share (server.cpp: sockets, UDP, accepting; tcp_connection.cpp:
// one TCP client). Held by shared_ptr: coroutines and forward callbacks keep it alive after
// the server object is gone, and check `stopped` before touching the responder.
#pragma once

#include "weft/base/udp_socket.hpp"
#include "weft/dns/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace weft::dns::detail {

TimePoint steady_now();

struct TcpConnection;

struct ServerState : std::enable_shared_from_this<ServerState> {
  ServerState(boost::asio::any_io_executor ex, ServerConfig c, Responder& r, Forwarder* f)
      : executor(ex), config(c), responder(r), forwarder(f), udp_wait(ex), acceptor(ex) {}

  boost::asio::any_io_executor executor;
  ServerConfig config;
  Responder& responder;  // only while !stopped: the caller may destroy it after stop()
  Forwarder* forwarder;
  ServerStats stats;
  bool stopped = false;
  std::uint16_t udp_port = 0, tcp_port = 0;

  std::optional<UdpSocket> udp;
  boost::asio::posix::stream_descriptor udp_wait;  // a dup of udp's fd, for readiness only
  std::vector<UdpSlot> slots;

  boost::asio::ip::tcp::acceptor acceptor;
  std::map<std::uint64_t, std::shared_ptr<TcpConnection>> connections;
  std::uint64_t next_connection = 0;

  /// Where a forwarded query's reply goes once the upstream answered (never called when the
  /// server stopped meanwhile).
  using Reply = std::function<void(ServerState&, std::vector<std::uint8_t>)>;
  /// Sends `forward` upstream; the Responder turns the outcome into the reply.
  void forward(Forward forward, Transport transport, Reply reply);
};

/// Serves one accepted TCP client until it closes, idles out or the server stops.
void start_tcp_connection(const std::shared_ptr<ServerState>& state,
                          boost::asio::ip::tcp::socket socket);
/// Closes it now (pending replies are dropped).
void close_tcp_connection(TcpConnection& connection);

}  // namespace weft::dns::detail
