// SPDX-License-Identifier: Apache-2.0
// Path MTU per sleeve link (decision 0012, "Path MTU per peer"): the largest datagram that
// reaches a peer whole, found by sending it probes of chosen sizes with DF set and seeing
// which ones it acknowledges (data goes with DF too, never fragmented on the way, but for
// IPv6 of up to 1280 bytes over a narrower path: sleeve.cpp). Nothing depends
// on ICMP from the path: a switch or tunnel that
// drops big packets silently is found the same way as a router that answers. A router's
// "fragmentation needed" (unauthenticated, so a hint and never a limit) only brings the next
// check forward, so a path that shrank is searched at once rather than at the recheck.
//
//   - Starts optimistic: data uses this host's own limit (`ceiling`, its underlay MTU - 28)
//     while the first check (after `first`) probes exactly that. On the usual path it is answered
//     in one round trip and nothing changes.
//   - A size unanswered (each is sent twice, so one lost probe proves nothing) starts a
//     search: each round probes 8 sizes spread between the largest answered and the
//     smallest unanswered (the first round: from the floor up to the size that failed, which
//     is tried again in case both copies were lost), and the bounds close in
//     about 4 rounds (~5 s). Data keeps the old limit meanwhile: a limit too low would make
//     pods' stacks, told by ICMP, keep a needlessly small path MTU for 10 minutes.
//   - A peer that answers nothing, not even the floor, does not speak probes (or the path
//     is down): the limit stays and the state says so.
//   - Settled, it checks again every `recheck`: the limit itself (a path that shrank starts a
//     search) and, below the ceiling, 8 sizes up to it (a path that grew, or a limit left
//     low by lost probes, is searched up from there, the limit rising with each answer).
// Pure: time comes in as `now`; the caller sends the probes `due` returns and feeds back the
// answers.
#pragma once

#include "weft/base/time.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace weft::router {

struct PathMtuTiming {
  // Before the first check: both ends make their links within a second of the connection
  // (weftd plans overlays once a second), and a probe that arrives first is not answered.
  Duration first = std::chrono::milliseconds(1500);
  // How long a probe may take to be answered: generous, for satellite and mobile links.
  Duration round = std::chrono::seconds(1);
  // A path that shrank loses datagrams over it until the next check finds it.
  Duration recheck = std::chrono::seconds(10);
};

struct PathMtuProbe {
  std::uint32_t id = 0;
  std::size_t size = 0;  // of the whole datagram
};

class PathMtuProber {
 public:
  enum class State {
    probing,     // the first check, or a search, is running; limit() is the previous one
    verified,    // limit() was answered by the peer
    unanswered,  // no probe was answered, not even the floor: limit() is unverified
  };
  /// IPv4's 576-byte minimum less IPv4 and UDP headers: every path carries it.
  static constexpr std::size_t kFloor = 548;
  static constexpr std::size_t kSizesPerRound = 8;
  static constexpr int kCopies = 2;

  PathMtuProber(std::size_t ceiling, std::uint32_t first_id, PathMtuTiming timing = {});

  /// The probes to send now (empty most of the time). Call it often (every 100 ms): it also
  /// ends rounds whose time is up.
  [[nodiscard]] std::vector<PathMtuProbe> due(TimePoint now);
  /// An answer from the peer; ignored unless it matches a probe of the running round.
  void acked(std::uint32_t id, std::size_t size, TimePoint now);
  /// A router on the path said (ICMP "fragmentation needed") that it passes datagrams of at
  /// most `datagram` bytes. Below the limit, the next check is due now instead of at the
  /// recheck (or, while a round runs, as soon as it settles), at most once a second (a
  /// forged or repeated ICMP costs at most a check a second); the probes decide, as always.
  /// True when it brought the check forward now.
  bool hint(std::size_t datagram, TimePoint now);

  /// The largest datagram data may use now.
  [[nodiscard]] std::size_t limit() const noexcept { return limit_; }
  [[nodiscard]] std::size_t ceiling() const noexcept { return ceiling_; }
  [[nodiscard]] State state() const noexcept { return state_; }
  [[nodiscard]] std::uint64_t probes_sent() const noexcept { return probes_sent_; }
  /// Searches begun (the first check failing, or a settled limit failing a recheck).
  [[nodiscard]] std::uint64_t searches() const noexcept { return searches_; }
  /// Hints that brought a check forward, and the datagram size the last of them gave.
  [[nodiscard]] std::uint64_t hints_taken() const noexcept { return hints_taken_; }
  [[nodiscard]] std::size_t last_hint() const noexcept { return last_hint_; }

 private:
  struct Sent {
    PathMtuProbe probe;
    bool answered = false;
  };
  void start_round(TimePoint now, std::vector<PathMtuProbe>& out);
  bool take_hint(std::size_t datagram, TimePoint now);
  void end_round(TimePoint now);
  [[nodiscard]] std::vector<std::size_t> round_sizes() const;
  [[nodiscard]] bool round_answered() const;

  std::size_t ceiling_;
  std::size_t limit_;
  PathMtuTiming timing_;
  State state_ = State::probing;
  std::uint32_t next_id_;
  bool started_ = false;
  bool searching_ = false;
  std::size_t lo_ = 0;  // the largest size answered in this search (0: none yet)
  std::size_t hi_ = 0;  // the largest size not refused in this search
  std::vector<Sent> round_;
  TimePoint round_ends_{};
  TimePoint next_round_{};
  std::uint64_t probes_sent_ = 0;
  std::uint64_t searches_ = 0;
  std::uint64_t hints_taken_ = 0;
  TimePoint hint_quiet_until_{};
  std::size_t pending_hint_ = 0;  // the smallest hint heard while a round ran (0: none)
  std::size_t last_hint_ = 0;
};

std::string_view to_string(PathMtuProber::State state) noexcept;

}  // namespace weft::router
