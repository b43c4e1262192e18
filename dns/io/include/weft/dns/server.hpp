// SPDX-License-Identifier: Apache-2.0
// The DNS server's sockets: UDP (batched, weft::UdpSocket) and TCP (RFC 7766: length-prefixed
// messages, several per connection, idle timeout) on one address and port. Bytes go to a
// Responder; what it forwards goes through a Forwarder and comes back to it.
// UDP: each wake-up receives up to 64 datagrams (one recvmmsg), answers them and sends the
// immediate replies in one sendmmsg; forwarded ones leave when the upstream answered.
// TCP: one coroutine per connection; replies leave as they are ready (a forwarded one may be
// overtaken: the ids tell them apart), one write at a time; a connection with 64 forwards
// outstanding or 64 replies unsent stops reading until some complete.
#pragma once

#include "weft/base/ip_address.hpp"
#include "weft/base/result.hpp"
#include "weft/dns/forwarder.hpp"
#include "weft/dns/responder.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace weft::dns {

struct ServerConfig {
  IpAddress address;        ///< IPv4 (the UDP socket is IPv4 only for now)
  std::uint16_t port = 53;  ///< 0: any free port, the same for UDP and TCP (tests)
  /// Open at once; more are accepted and closed at once (ServerStats::tcp_refused).
  std::size_t max_tcp_connections = 128;
  /// A connection without a query, a reply written or a forward pending for this long closes.
  Duration tcp_idle_timeout = 10s;
  /// Forwards waiting for the upstream at once; beyond it a query gets SERVFAIL at once.
  std::size_t max_pending_upstream = 4096;
};

struct ServerStats {
  std::uint64_t udp_queries = 0, tcp_queries = 0;  ///< messages received
  std::uint64_t tcp_connections = 0;               ///< accepted and served, in total
  std::uint64_t tcp_refused = 0;       ///< closed at once: max_tcp_connections were open
  std::uint64_t pending_upstream = 0;  ///< forwarded, not yet answered (a gauge)
};

class DnsServer {
 public:
  /// Binds UDP and TCP. `responder` (and `forwarder`, null when forwarding is off) must
  /// outlive the server, or at least its stop(). io_error naming the address when a socket
  /// cannot bind ("in use": another DNS server, e.g. dnsmasq or systemd-resolved, holds it;
  /// use --dns-listen); unsupported for an IPv6 address.
  static Result<std::unique_ptr<DnsServer>> start(boost::asio::any_io_executor executor,
                                                  ServerConfig config, Responder& responder,
                                                  Forwarder* forwarder);
  virtual ~DnsServer() = default;
  [[nodiscard]] virtual std::uint16_t udp_port() const = 0;
  [[nodiscard]] virtual std::uint16_t tcp_port() const = 0;
  [[nodiscard]] virtual const ServerStats& stats() const = 0;
  /// Closes the sockets and every TCP connection; pending forwards are answered with nothing
  /// (their callbacks, whenever the forwarder runs them, touch neither the responder nor this
  /// object). Idempotent; the destructor calls it.
  virtual void stop() = 0;
};

}  // namespace weft::dns
