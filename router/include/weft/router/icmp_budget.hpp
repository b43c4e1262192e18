// SPDX-License-Identifier: Apache-2.0
// How many ICMP errors the sleeve originates ("fragmentation needed", "packet too big"):
// at most `rate` a second from the host, and at most `per_source_rate` a second to any one
// address, so one pod sending oversized packets as fast as it can neither makes weftd answer
// without bound nor uses up the answers other pods' path MTU discovery needs. RFC 4443
// 2.4(f) asks for a limit. Linux exempts these two kinds from its limits (path MTU
// discovery needs them), but its kernel answers cheaply; weftd answers in userspace, so a
// flood costs it a core. The host-wide numbers are Linux's icmp_msgs_per_sec and _burst.
// A pod that forges many source addresses still shares the host's budget with the rest.
// Pure: the caller passes the time.
#pragma once

#include "weft/base/ip_address.hpp"
#include "weft/base/time.hpp"
#include "weft/base/token_bucket.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>

namespace weft::router {

struct IcmpBudgetConfig {
  std::uint32_t rate = 1000;  // the host's, with bursts of `burst` (Linux's defaults)
  std::uint32_t burst = 50;
  std::uint32_t per_source_rate = 100;  // to one address; a pod needs one per destination
  std::uint32_t per_source_burst = 20;
  std::size_t max_sources = 1024;  // addresses tracked at once; beyond, they share a bucket
};

class IcmpBudget {
 public:
  explicit IcmpBudget(IcmpBudgetConfig config = {});

  /// True when an ICMP error may go to `to` at `now` (and counts it). An address whose own
  /// budget is spent is refused without touching the host's, so its flood leaves the host's
  /// budget to others. nullopt (an address not known): the host's budget only.
  bool take(const std::optional<IpAddress>& to, TimePoint now);

  /// Addresses tracked now (at most max_sources).
  [[nodiscard]] std::size_t sources() const noexcept { return sources_.size(); }

 private:
  TokenBucket& bucket_for(const IpAddress& to, TimePoint now);

  IcmpBudgetConfig config_;
  TokenBucket host_;
  TokenBucket overflow_;  // shared by addresses beyond max_sources
  std::map<IpAddress, TokenBucket> sources_;
  TimePoint next_sweep_{};
};

/// The source address of the IPv4 or IPv6 packet an Ethernet frame carries (where an ICMP
/// error about it goes); nullopt for any other frame or one too short to hold it.
std::optional<IpAddress> frame_source(std::span<const std::uint8_t> frame);

}  // namespace weft::router
