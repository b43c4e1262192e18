// SPDX-License-Identifier: Apache-2.0
// The authoritative answers: `weft.local.` from the name registry, and the reverse zones
// (in-addr.arpa / ip6.arpa) of the IPAM range. Pure: a parsed query in, a response out, or
// "not ours" so that the caller forwards it upstream.
//
// Zones and their apex:
// - forward: `domain` (weft.local.). Its apex has SOA, NS (the apex itself is the name server's
//   name, so no registry name can clash with it: registry names are strictly below the zone)
//   and A/AAAA = the answering server's own address when it has one (ZoneConfig::server).
// - reverse: for each range in ZoneConfig::reverse, the zones of the octet- (IPv4) or nibble-
//   (IPv6) aligned prefixes the range splits into: 10.32.0.0/12 is served as the sixteen zones
//   32.10.in-addr.arpa. .. 47.10.in-addr.arpa., each with its own SOA and NS at its apex. A
//   reverse name shorter than the zone apex (10.in-addr.arpa.) covers addresses that are not
//   ours and is forwarded like any other name. Only registered addresses inside a served zone
//   get PTR records; the PTR names of others are forwarded.
// Answers, per RFC 1034 4.3.2 and RFC 2308:
// - a name with records of the type asked: AA, the records (several addresses: all of them,
//   in the order `rotation` picks, see rotate_order), TTL ZoneConfig::ttl;
// - a name that exists (it has records of another type, or names exist below it: an empty
//   non-terminal) but none of that type: NOERROR with no answer (NODATA), the zone's SOA in the
//   authority section;
// - a name that does not exist: NXDOMAIN, the SOA in the authority section;
// - the SOA's minimum (the negative-caching TTL, RFC 2308) and its own TTL are ZoneConfig::ttl;
// - an answer holding NS gets the server's address as glue in the additional section (the NS
//   target is the forward apex) unless the answer already has it.
// Names compare case-insensitively; the question is echoed as asked (DNS 0x20), and answer
// records are owned by the name as asked, so they compress to a pointer at the question.
//
// Cost: zones are fixed at construction. The names with records or with names below them are
// indexed by their lower-case wire form, rebuilt when Registry::generation() moved (on the
// first answer after a change), never per query; an answer is two hash lookups. So answers,
// although const, may rebuild that index: one thread, like every pure core.
#pragma once

#include "weft/base/cidr.hpp"
#include "weft/base/ip_address.hpp"
#include "weft/dns/registry.hpp"
#include "weft/dns/wire.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace weft::dns {

struct ZoneConfig {
  Name domain;                      ///< weft.local. (kRegistryZone)
  std::uint32_t ttl = 30;           ///< of every record served and of negative answers
  std::vector<Cidr> reverse;        ///< ranges whose PTR zones are served (the IPAM range)
  std::optional<IpAddress> server;  ///< this server's address: the apex's A/AAAA (glue for NS)
};

/// Rejects a domain that is the root or a TTL above 2^31 - 1 (RFC 2181 8), saying which.
Result<void> check_zone_config(const ZoneConfig& config);

/// Puts `items` in the order `rotation` picks: a Fisher-Yates shuffle whose choices are the
/// digits of `rotation` in the mixed radix n, n-1, ..., so consecutive rotations put each item
/// first in turn and n! consecutive ones give every order (for n <= 20; beyond, the rotation
/// runs out of digits and the tail keeps its order). Every item stays, exactly once.
template <class T>
void rotate_order(std::span<T> items, std::uint64_t rotation) {
  const std::size_t n = items.size();
  for (std::size_t i = 0; i + 1 < n && rotation != 0; ++i) {
    const std::uint64_t radix = n - i;
    std::swap(items[i], items[i + rotation % radix]);
    rotation /= radix;
  }
}

class Authority {
 public:
  /// `registry` must outlive this object; it is read on every answer (never copied).
  Authority(ZoneConfig config, const Registry& registry);

  [[nodiscard]] const ZoneConfig& config() const noexcept { return config_; }

  /// True when `name` is in the forward zone or in one of the reverse zones.
  [[nodiscard]] bool is_authoritative(const Name& name) const;

  /// The response to a query whose single question is_authoritative (else nullopt, also for a
  /// query without exactly one question): header id, RD and CD copied, QR and AA set, RA =
  /// `recursion_available`; the question echoed; an OPT record (payload size 1232, DO
  /// copied) when the query had one. The caller encodes and truncates.
  /// Class other than IN or ANY, and zone transfers (AXFR, IXFR): REFUSED (AA clear). Types
  /// other than A, AAAA, PTR, SOA, NS and ANY: NODATA or NXDOMAIN as for any type the name
  /// has no records of.
  [[nodiscard]] std::optional<Message> answer(const Message& query, std::uint64_t rotation,
                                              bool recursion_available) const;

  /// The responder's fast path (A and AAAA straight from the query's bytes): the addresses,
  /// in registry order, that answer(query, ...) would put in the answer section for a question
  /// of `type` (A or AAAA) and class IN or ANY at the name whose lower-case wire form without
  /// the root's zero byte is `key` ("\3pod\4weft\5local"); nullptr when that answer would be
  /// anything else (not ours, NODATA, NXDOMAIN). Valid until the registry changes.
  [[nodiscard]] const std::vector<IpAddress>* addresses(std::string_view key, RrType type) const;

  /// The SOA serial: bumped whenever the registry's live entries may have changed.
  [[nodiscard]] std::uint32_t serial() const;

 private:
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view k) const noexcept {
      return std::hash<std::string_view>{}(k);
    }
  };
  template <class V>
  using KeyMap = std::unordered_map<std::string, V, KeyHash, std::equal_to<>>;

  struct Zone {
    Name apex;  ///< lower case
    std::string key;
    std::vector<IpAddress> v4, v6;  ///< the apex's A and AAAA (forward zone only)
  };
  /// A name that exists below an apex: its records, none for an empty non-terminal.
  struct Node {
    std::vector<IpAddress> v4, v6;
    std::vector<Name> ptr;
  };
  class Key;

  void add_zone(Name apex, bool forward);
  [[nodiscard]] const Zone* find_zone(const Key& key) const;
  /// Rebuilds nodes_ when the registry changed since the last build.
  void refresh() const;
  void add_apex_records(Message& r, const Zone& zone, RrType type) const;
  void add_node_records(Message& r, const Node& node, RrType type, std::uint64_t rotation) const;
  [[nodiscard]] ResourceRecord soa(const Zone& zone) const;

  ZoneConfig config_;
  const Registry& registry_;
  Name rname_;  ///< the SOA's mailbox: hostmaster.<domain>
  std::vector<Zone> zones_;
  KeyMap<std::size_t> zone_by_key_;
  std::vector<std::size_t> apex_depths_;  ///< the apexes' label counts, most labels first
  // Rebuilt from the registry when its generation moved, never per query.
  mutable bool indexed_ = false;
  mutable std::uint64_t generation_ = 0;
  mutable KeyMap<Node> nodes_;
};

}  // namespace weft::dns
