// SPDX-License-Identifier: Apache-2.0
// Path MTU search per sleeve link (pmtu_probe.hpp).
#include "weft/router/pmtu_probe.hpp"

#include <algorithm>
#include <set>

namespace weft::router {

std::string_view to_string(PathMtuProber::State state) noexcept {
  switch (state) {
    case PathMtuProber::State::probing: return "probing";
    case PathMtuProber::State::verified: return "verified";
    case PathMtuProber::State::unanswered: return "unanswered";
  }
  return "unknown";
}

PathMtuProber::PathMtuProber(std::size_t ceiling, std::uint32_t first_id, PathMtuTiming timing)
    : ceiling_(std::max(ceiling, kFloor)), limit_(ceiling_), timing_(timing), next_id_(first_id) {}

std::vector<PathMtuProbe> PathMtuProber::due(TimePoint now) {
  std::vector<PathMtuProbe> out;
  if (!started_) {
    started_ = true;
    next_round_ = now + timing_.first;
  }
  if (!round_.empty() && (now >= round_ends_ || round_answered())) {
    end_round(now);
    round_.clear();
  }
  if (round_.empty() && now >= next_round_) start_round(now, out);
  return out;
}

void PathMtuProber::acked(std::uint32_t id, std::size_t size, TimePoint /*now*/) {
  for (auto& s : round_) {
    if (s.probe.id == id && s.probe.size == size) s.answered = true;
  }
}

bool PathMtuProber::hint(std::size_t datagram, TimePoint now) {
  if (!started_ || datagram >= limit_) return false;
  if (searching_ || !round_.empty()) {
    // A check, or a search, is running: it may settle on a limit the path no longer
    // carries, so the smallest size heard is kept and weighed when it settles. (A search
    // down draws such ICMP from its own probes above the path; those are then not below
    // the limit it settles on.)
    pending_hint_ = pending_hint_ == 0 ? datagram : std::min(pending_hint_, datagram);
    return false;
  }
  return take_hint(datagram, now);
}

bool PathMtuProber::take_hint(std::size_t datagram, TimePoint now) {
  pending_hint_ = 0;
  if (hints_taken_ > 0 && now < hint_quiet_until_) return false;
  last_hint_ = datagram;
  hint_quiet_until_ = now + std::chrono::seconds(1);
  next_round_ = std::min(next_round_, now);
  ++hints_taken_;
  return true;
}

std::vector<std::size_t> PathMtuProber::round_sizes() const {
  std::vector<std::size_t> sizes;
  // A check probes the limit and, below the ceiling, sizes up to it: a path that grew, or
  // a limit set low by lost probes, is found again at the next check.
  const bool check = !searching_;
  const std::size_t base = check ? limit_ : (lo_ != 0 ? lo_ : kFloor);
  const std::size_t top = check ? ceiling_ : hi_;
  // Until something answers, the floor tells a smaller path from a peer that never answers.
  if (check || lo_ == 0) sizes.push_back(base);
  for (std::size_t k = 1; k <= kSizesPerRound; ++k) {
    const std::size_t s = base + (top - base) * k / kSizesPerRound;
    if (s > base && (sizes.empty() || s != sizes.back())) sizes.push_back(s);
  }
  return sizes;
}

bool PathMtuProber::round_answered() const {
  std::set<std::size_t> sizes, answered;
  for (const auto& s : round_) {
    sizes.insert(s.probe.size);
    if (s.answered) answered.insert(s.probe.size);
  }
  return sizes == answered;
}

void PathMtuProber::start_round(TimePoint now, std::vector<PathMtuProbe>& out) {
  for (const std::size_t size : round_sizes()) {
    for (int c = 0; c < kCopies; ++c) {
      const PathMtuProbe p{next_id_++, size};
      round_.push_back({p, false});
      out.push_back(p);
    }
  }
  probes_sent_ += out.size();
  round_ends_ = now + timing_.round;
}

void PathMtuProber::end_round(TimePoint now) {
  std::set<std::size_t> answered, refused;
  for (const auto& s : round_) {
    if (s.answered) answered.insert(s.probe.size);
  }
  for (const auto& s : round_) {
    if (!answered.contains(s.probe.size)) refused.insert(s.probe.size);
  }
  const auto settle = [&](State state) {
    searching_ = false;
    state_ = state;
    next_round_ = now + timing_.recheck;
    if (pending_hint_ != 0 && pending_hint_ < limit_) take_hint(pending_hint_, now);
    pending_hint_ = 0;
  };
  if (!searching_) {
    if (answered.empty() || *answered.rbegin() < limit_) {
      if (limit_ <= kFloor) {
        settle(State::unanswered);  // nothing smaller to try
        return;
      }
      // The limit went unanswered: the path shrank, or was never this wide. Search down
      // from the floor; data keeps the limit meanwhile.
      searching_ = true;
      state_ = State::probing;
      ++searches_;
      lo_ = 0;
      hi_ = limit_;  // tried again: both copies may have been lost
      next_round_ = now;
      return;
    }
    // Something at or above the limit answered: search on up from there (the limit rises
    // to each answered size at once: the peer received it).
    lo_ = *answered.rbegin();
    hi_ = ceiling_;
    limit_ = lo_;
    state_ = State::verified;
    searching_ = true;
  } else {
    if (answered.empty() && lo_ == 0) {
      // Not even the floor: the peer does not answer probes (an older weftd) or the path
      // is down. Data keeps its limit; the next check tries again.
      settle(State::unanswered);
      return;
    }
    if (!answered.empty()) lo_ = std::max(lo_, *answered.rbegin());
    // Searching up from a verified limit, each answer raises it; searching down, the old
    // limit stays until the end (see the header).
    if (state_ == State::verified) limit_ = lo_;
  }
  // The smallest size refused above what answered bounds the search (a refusal below an
  // answer is a lost pair of probes, not the path).
  for (const std::size_t s : refused) {
    if (s > lo_) {
      hi_ = std::min(hi_, s - 1);
      break;
    }
  }
  if (hi_ <= lo_) {
    limit_ = lo_;
    settle(State::verified);
  } else {
    next_round_ = now;
  }
}

}  // namespace weft::router
