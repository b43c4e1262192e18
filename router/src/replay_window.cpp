// SPDX-License-Identifier: Apache-2.0
// ReplayWindow (replay_window.hpp).
#include "weft/router/replay_window.hpp"

namespace weft::router {
namespace {

constexpr std::uint64_t kWordBits = 64;

}  // namespace

ReplayWindow::Verdict ReplayWindow::check(std::uint64_t counter) const noexcept {
  if (!any_ || counter > highest_) return Verdict::fresh;
  if (highest_ - counter > kWindow) return Verdict::too_old;
  const std::uint64_t word = (counter / kWordBits) % kWords;
  const std::uint64_t bit = std::uint64_t{1} << (counter % kWordBits);
  return (bits_[word] & bit) != 0 ? Verdict::replayed : Verdict::fresh;
}

ReplayWindow::Verdict ReplayWindow::accept(std::uint64_t counter) noexcept {
  const Verdict v = check(counter);
  if (v != Verdict::fresh) return v;
  if (!any_ || counter > highest_) {
    // Clear the words the window moves over (all of them after a long jump). The word
    // holding the old highest keeps its bits: they are still inside the window.
    const std::uint64_t from = any_ ? highest_ / kWordBits + 1 : counter / kWordBits;
    const std::uint64_t to = counter / kWordBits;
    if (!any_ || to - from + 1 >= kWords) {
      bits_.fill(0);
    } else {
      for (std::uint64_t w = from; w <= to; ++w) bits_[w % kWords] = 0;
    }
    highest_ = counter;
    any_ = true;
  }
  bits_[(counter / kWordBits) % kWords] |= std::uint64_t{1} << (counter % kWordBits);
  return Verdict::fresh;
}

}  // namespace weft::router
