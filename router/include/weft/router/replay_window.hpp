// SPDX-License-Identifier: Apache-2.0
// ReplayWindow: which datagram counters of one key have been seen. UDP reorders, so a
// counter below the highest seen is still accepted once while it is within kWindow of it
// (the bitmap scheme of RFC 6479: a ring of 64-bit words, advanced a word at a time).
#pragma once

#include <array>
#include <cstdint>

namespace weft::router {

class ReplayWindow {
 public:
  /// Counters further than this below the highest one seen are refused as too old.
  static constexpr std::uint64_t kWindow = 4096 - 64;

  enum class Verdict { fresh, replayed, too_old };

  /// What accept(counter) would say, without recording anything: callers check before the
  /// (costly) authentication and record only after it succeeded, so forged datagrams can
  /// neither move the window nor mark counters as seen.
  [[nodiscard]] Verdict check(std::uint64_t counter) const noexcept;
  /// Records an authenticated counter; returns its verdict (only fresh counters count).
  Verdict accept(std::uint64_t counter) noexcept;

  /// The highest counter accepted, if any.
  [[nodiscard]] bool empty() const noexcept { return !any_; }
  [[nodiscard]] std::uint64_t highest() const noexcept { return highest_; }

 private:
  static constexpr std::size_t kWords = 64;  // 4096 bits
  std::array<std::uint64_t, kWords> bits_{};
  std::uint64_t highest_ = 0;
  bool any_ = false;
};

}  // namespace weft::router
