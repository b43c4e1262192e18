// SPDX-License-Identifier: Apache-2.0
// Queries for names outside weft's zones go upstream through c-ares, on the Asio event loop
// (c-ares's sockets are watched by Asio; no thread, no blocking call). c-ares sends each query
// under an id of its own, retries over TCP when an answer comes back truncated, ignores
// answers to another question, and tries the next server on SERVFAIL, REFUSED and NOTIMP.
#pragma once

#include "weft/base/result.hpp"
#include "weft/base/time.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace weft::dns {

using namespace std::chrono_literals;

struct ForwarderConfig {
  /// "ADDRESS" or "ADDRESS:PORT" ("[v6]:PORT"; port 53 when none), tried in this order;
  /// empty = the nameservers of `resolv_conf` (read only then; its timeout and attempts
  /// options yield to the fields below).
  std::vector<std::string> servers;
  std::filesystem::path resolv_conf = "/etc/resolv.conf";
  /// Upstreams never to use (this server's own listen address: asking ourselves would loop):
  /// "ADDRESS" excludes every port of it, "ADDRESS:PORT" that one.
  std::vector<std::string> exclude;
  /// The first try's wait (1 ms .. 60 s). Each round over the servers doubles it (c-ares
  /// 1.18), so a query fails after at most timeout x (2^tries - 1) x servers: 3 s with the
  /// defaults and one server. The server's client then gets SERVFAIL.
  Duration timeout = 1s;
  int tries = 2;  ///< rounds over the servers, >= 1
};

class Forwarder {
 public:
  using Callback = std::function<void(Result<std::vector<std::uint8_t>>)>;

  /// invalid_argument for a malformed server or exclude entry, tries or timeout; not_found
  /// (saying to pass --dns-upstream) when resolv.conf cannot be read or names no server, or
  /// when `exclude` leaves none; io_error when c-ares cannot start.
  static Result<std::unique_ptr<Forwarder>> create(boost::asio::any_io_executor executor,
                                                   ForwarderConfig config);
  virtual ~Forwarder() = default;

  /// Sends `query` (a whole DNS message, copied; its id is replaced on the wire) upstream.
  /// `done` is called exactly once, later on the executor (never from inside forward, stop or
  /// the destructor): the response's bytes with the query's id restored, or an error naming
  /// the upstreams and what failed: timed_out ("upstream 198.18.0.9:53 timed out after 2
  /// tries"), unavailable (refused, SERVFAIL/REFUSED/NOTIMP from every server, or the
  /// forwarder stopped), invalid_argument (not a DNS message), parse_error.
  virtual void forward(std::span<const std::uint8_t> query, Callback done) = 0;
  /// The upstream servers in use, "ADDRESS:PORT" ("[v6]:PORT"), for status.
  [[nodiscard]] virtual std::vector<std::string> servers() const = 0;
  /// Fails what is pending (each callback gets unavailable, "the forwarder stopped") and
  /// closes c-ares's sockets; later forwards fail the same way. Idempotent; the destructor
  /// calls it. Callbacks still queued on the executor may outlive this object.
  virtual void stop() = 0;
};

}  // namespace weft::dns
