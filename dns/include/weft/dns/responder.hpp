// SPDX-License-Identifier: Apache-2.0
// What the DNS server does with one message, without the sockets: bytes of a query in,
// bytes of a response out, or "ask upstream" and later the upstream's answer in. Pure, so
// the io server (dns/io) only moves bytes and the fuzzer can drive everything else.
//
//   bytes -> parse   -- not even a header: dropped; a response (QR): dropped;
//                       the rest unparseable: FORMERR with the query's id
//         -> opcode other than QUERY: NOTIMP; not exactly one question: FORMERR;
//            EDNS version above 0: BADVERS
//         -> Authority (weft.local. and the reverse zones): answered here
//         -> Cache: answered from it (a hit)
//         -> forwarding on: Forward (the caller sends `bytes` upstream as they came and
//            hands the outcome to on_upstream); forwarding off: REFUSED
// Every reply is encoded with compression; over UDP it is truncated to what the query allows
// (udp_response_limit, TC set) so that the client retries over TCP.
// Replies made here: QR set, id, opcode, RD and CD copied, RA = forwarding, the question
// echoed as asked (none for FORMERR), an OPT record (payload 1232, version 0, DO copied) when
// the query had one.
//
// Fast path: the hot query, A or AAAA for a name with addresses (one question, no compression,
// at most an OPT record), is answered from the query's bytes without decoding the message:
// the header and question copied, the records pointing at the question's name. It gives the
// same bytes as the general path (the unit tests and the fuzzer compare the two), which
// answers everything else.
#pragma once

#include "weft/base/result.hpp"
#include "weft/base/time.hpp"
#include "weft/dns/authority.hpp"
#include "weft/dns/cache.hpp"
#include "weft/dns/wire.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace weft::dns {

enum class Transport { udp, tcp };

/// A query to send upstream: the client's bytes as they came (the forwarder sets its own id),
/// and the parsed query for on_upstream.
struct Forward {
  Message query;
  std::vector<std::uint8_t> bytes;
};

/// The outcome of handle(): a reply to send now (empty: send nothing), or a Forward.
struct Handled {
  std::vector<std::uint8_t> reply;
  std::optional<Forward> forward;
};

/// Counters for metrics (weft_dns_*): by query type and response code as numbers (the
/// caller names them), plus the paths taken.
struct ResponderStats {
  std::map<std::uint16_t, std::uint64_t> queries_by_type;     ///< RrType value
  std::map<std::uint16_t, std::uint64_t> responses_by_rcode;  ///< Rcode value (12-bit)
  std::uint64_t authoritative = 0;                            ///< answered from the zones
  std::uint64_t forwarded = 0;                                ///< sent upstream
  std::uint64_t upstream_failures = 0;  ///< upstream gave no usable answer: SERVFAIL
  std::uint64_t truncated = 0;          ///< UDP replies cut with TC
  std::uint64_t dropped = 0;            ///< not answered at all (no header, or a response)
};

class Responder {
 public:
  /// `authority` and `cache` must outlive this object. `forwarding`: whether names outside
  /// the zones go upstream (an upstream is configured) or get REFUSED.
  Responder(const Authority& authority, Cache& cache, bool forwarding);

  /// One message from a client. Never throws on any bytes.
  Handled handle(std::span<const std::uint8_t> bytes, Transport transport, TimePoint now);

  /// The reply to a forwarded query once upstream answered (the bytes of its response) or
  /// failed (an error: SERVFAIL). The upstream's answer is checked (a response to the same
  /// question), cached, and given the client's id, question case and EDNS; anything wrong
  /// with it is a SERVFAIL too.
  std::vector<std::uint8_t> on_upstream(const Forward& forward,
                                        const Result<std::vector<std::uint8_t>>& upstream,
                                        Transport transport, TimePoint now);

  [[nodiscard]] const ResponderStats& stats() const noexcept { return stats_; }
  [[nodiscard]] bool forwarding() const noexcept { return forwarding_; }

  /// On by default; off only to check that the general path gives the same bytes.
  void use_fast_path(bool on) noexcept { fast_path_ = on; }

 private:
  /// The fast path's reply, or nullopt when the query is not the hot case.
  std::optional<std::vector<std::uint8_t>> fast_answer(std::span<const std::uint8_t> bytes,
                                                       Transport transport);
  /// Encodes `reply` within `limit` bytes (TC when cut) and counts it.
  std::vector<std::uint8_t> send(const Message& reply, std::size_t limit);
  /// The upstream's (or the cache's) answer given the client's question, flags and EDNS;
  /// false when it cannot be (a 12-bit rcode and no EDNS to carry it).
  bool restore(Message& answer, const Message& query) const;

  const Authority& authority_;
  Cache& cache_;
  bool forwarding_;
  bool fast_path_ = true;
  std::uint64_t rotation_ = 0;    // advances per answer, so several addresses rotate
  std::vector<IpAddress> order_;  // the fast path's addresses in rotated order, reused
  ResponderStats stats_;
};

/// "A", "AAAA", ... for known types, else "TYPE<n>" (RFC 3597); for metrics labels.
std::string type_name(std::uint16_t type);
/// "NOERROR", "NXDOMAIN", ... else "RCODE<n>".
std::string rcode_name(std::uint16_t rcode);

}  // namespace weft::dns
