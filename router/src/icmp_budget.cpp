// SPDX-License-Identifier: Apache-2.0
#include "weft/router/icmp_budget.hpp"

namespace weft::router {

namespace {
constexpr std::size_t kEth = 14;
}  // namespace

IcmpBudget::IcmpBudget(IcmpBudgetConfig config)
    : config_(config),
      host_(config.rate, config.burst),
      overflow_(config.per_source_rate, config.per_source_burst) {}

TokenBucket& IcmpBudget::bucket_for(const IpAddress& to, TimePoint now) {
  if (auto it = sources_.find(to); it != sources_.end()) return it->second;
  if (sources_.size() >= config_.max_sources && now >= next_sweep_) {
    // A full bucket is the same as a new one: forgetting it changes nothing. Swept at most
    // once per fill time, so a flood of new addresses does not make every packet walk the
    // table.
    std::erase_if(sources_, [&](const auto& s) { return s.second.full(now); });
    next_sweep_ = now + overflow_.fill_time();  // every address's bucket has the same size
  }
  if (sources_.size() >= config_.max_sources) return overflow_;
  return sources_.emplace(to, TokenBucket(config_.per_source_rate, config_.per_source_burst))
      .first->second;
}

bool IcmpBudget::take(const std::optional<IpAddress>& to, TimePoint now) {
  if (to) {
    TokenBucket& own = bucket_for(*to, now);
    if (!own.take(now)) return false;
    if (host_.take(now)) return true;
    own.refund();  // not sent: the address keeps its share for when the host has budget
    return false;
  }
  return host_.take(now);
}

std::optional<IpAddress> frame_source(std::span<const std::uint8_t> frame) {
  if (frame.size() < kEth) return std::nullopt;
  const unsigned type = (unsigned{frame[12]} << 8) | frame[13];
  if (type == 0x0800 && frame.size() >= kEth + 20 && (frame[kEth] >> 4) == 4) {
    auto a = IpAddress::from_bytes(frame.subspan(kEth + 12, 4));
    return a ? std::optional<IpAddress>(*a) : std::nullopt;
  }
  if (type == 0x86dd && frame.size() >= kEth + 40 && (frame[kEth] >> 4) == 6) {
    auto a = IpAddress::from_bytes(frame.subspan(kEth + 8, 16));
    return a ? std::optional<IpAddress>(*a) : std::nullopt;
  }
  return std::nullopt;
}

}  // namespace weft::router
