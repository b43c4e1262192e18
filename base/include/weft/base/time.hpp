// SPDX-License-Identifier: Apache-2.0
// Time as a value: pure cores take `TimePoint now` as a parameter and never read a clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace weft {

using Duration = std::chrono::microseconds;
/// A monotonic instant. The io layer makes it from steady_clock; simulations from virtual time.
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

constexpr TimePoint kEpoch{};

inline std::int64_t to_millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace weft
