// SPDX-License-Identifier: Apache-2.0
// A token bucket: at most `burst` events at once, `rate` per second on average. Pure (the
// caller passes the time), so it works the same under simulated time. Integer arithmetic
// in millionths of a token, so refills are exact at microsecond resolution.
#pragma once

#include "weft/base/time.hpp"

#include <algorithm>
#include <cstdint>

namespace weft {

class TokenBucket {
 public:
  /// Starts full. A rate or burst of zero is raised to one.
  TokenBucket(std::uint32_t rate_per_second, std::uint32_t burst)
      : rate_(std::max<std::uint64_t>(rate_per_second, 1)),
        cap_(std::max<std::uint64_t>(burst, 1) * kUnit),
        credit_(cap_) {}

  /// Takes one token when there is one: true when the event may happen at `now`. Time that
  /// goes backwards (a caller mixing clocks) adds nothing rather than draining the bucket.
  bool take(TimePoint now) {
    credit_ = credit_at(now);
    if (!started_ || now > last_) last_ = now;
    started_ = true;
    if (credit_ < kUnit) return false;
    credit_ -= kUnit;
    return true;
  }

  /// Gives back the token the last take() took, for an event that did not happen after all.
  void refund() { credit_ = std::min(cap_, credit_ + kUnit); }

  /// True when the bucket is full at `now`: an idle bucket, the same as a new one.
  [[nodiscard]] bool full(TimePoint now) const { return credit_at(now) == cap_; }

  /// How long an empty bucket takes to fill.
  [[nodiscard]] Duration fill_time() const { return Duration(cap_ / rate_ + 1); }

 private:
  // The credit at `now`: each microsecond since the last take adds rate_ millionths, and a
  // gap long enough to fill the bucket just fills it.
  [[nodiscard]] std::uint64_t credit_at(TimePoint now) const {
    if (!started_ || now <= last_) return credit_;
    const auto us = static_cast<std::uint64_t>((now - last_).count());
    return us >= cap_ / rate_ + 1 ? cap_ : std::min(cap_, credit_ + us * rate_);
  }

  static constexpr std::uint64_t kUnit = 1'000'000;  // one token
  std::uint64_t rate_;
  std::uint64_t cap_;
  std::uint64_t credit_;
  TimePoint last_{};
  bool started_ = false;
};

}  // namespace weft
