// SPDX-License-Identifier: Apache-2.0
// The cache of forwarded answers: an upstream's response kept for as long as its records
// allow, and served with their TTLs counted down. Pure: time comes in as `now`.
//
// What is kept (RFC 2308 for the negative answers): responses to the same single question,
// rcode NOERROR or NXDOMAIN, not truncated. A positive answer lives for the smallest TTL of
// its answer records; a negative one (NXDOMAIN, or NOERROR with no answer) for the SOA's TTL
// and minimum, whichever is smaller (which the SOA's TTL then says, RFC 2308 3), and is not
// kept without an SOA. Every record's TTL is capped by `max_ttl` first, so what clients are
// told never outlives the entry; TTLs of 2^31 or more count as 0 (RFC 2181 8). A TTL of 0 is
// not kept. The key is the question (name case-insensitively, type, class) and the DO and CD
// bits, so DNSSEC-aware clients never get an answer cut for others. The OPT record is not
// kept: the responder adds its own. A hit comes back with AA clear (the authority is not the
// one speaking) and TTLs lowered by the whole seconds kept, rounded up. When full, expired
// entries go first, then the entry that expires soonest.
#pragma once

#include "weft/base/time.hpp"
#include "weft/dns/wire.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace weft::dns {

struct CacheStats {
  std::uint64_t hits = 0, misses = 0, stored = 0, evicted = 0, expired = 0;
};

class Cache {
 public:
  /// `max_entries` 0 disables the cache (every lookup misses, nothing is stored).
  Cache(std::size_t max_entries, Duration max_ttl);

  /// Keeps `response` (an upstream's answer to `query`) if it may be kept (see above).
  void store(const Message& query, const Message& response, TimePoint now);

  /// The kept answer to `query`: its header id and question as in `query` (case included),
  /// every record's TTL reduced by the time it has been kept; nullopt when none or expired.
  [[nodiscard]] std::optional<Message> lookup(const Message& query, TimePoint now);

  [[nodiscard]] std::size_t size() const noexcept;
  [[nodiscard]] const CacheStats& stats() const noexcept { return stats_; }

 private:
  struct Slot {
    Message response;
    TimePoint stored;
    std::pair<TimePoint, std::uint64_t> expiry;  ///< when, and a tie-breaker: its by_expiry_ key
  };
  void erase(std::unordered_map<std::string, Slot>::iterator it);

  std::size_t max_entries_;
  Duration max_ttl_;
  CacheStats stats_;
  std::unordered_map<std::string, Slot> entries_;
  /// Expiry -> the entry's key (in entries_, whose nodes do not move): the soonest first.
  std::map<std::pair<TimePoint, std::uint64_t>, const std::string*> by_expiry_;
  std::uint64_t next_order_ = 0;
};

}  // namespace weft::dns
