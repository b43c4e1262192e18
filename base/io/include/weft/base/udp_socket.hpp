// SPDX-License-Identifier: Apache-2.0
// A batched IPv4 UDP socket (the sleeve's on 6783, the DNS server's on 53): datagrams in and out in
// batches (recvmmsg/sendmmsg), one syscall for many packets, and UDP GSO on the way out.
// Non-blocking; the caller waits for readability on fd() (Asio).
#pragma once

#include "weft/base/ip_address.hpp"
#include "weft/base/result.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace weft {

struct UdpEndpoint {
  IpAddress ip;
  std::uint16_t port = 0;
  friend bool operator==(const UdpEndpoint&, const UdpEndpoint&) = default;
};

/// A receive slot: bytes[0, size) is the datagram, from its sender. With UDP GRO, a run of
/// datagrams from that sender: each `segment` bytes long but the last (0: one datagram).
struct UdpSlot {
  std::vector<std::uint8_t> bytes;  // capacity of one datagram (64 KiB with GRO)
  std::size_t size = 0;
  std::size_t segment = 0;
  UdpEndpoint from;
};

/// Calls f(std::span<std::uint8_t>) for each datagram in a received slot: the slot itself,
/// or the pieces of a GRO run.
template <class F>
void for_each_datagram(UdpSlot& slot, F&& f) {
  const std::size_t step = slot.segment != 0 ? slot.segment : slot.size;
  for (std::size_t at = 0; at < slot.size; at += step) {
    f(std::span<std::uint8_t>(slot.bytes.data() + at, std::min(step, slot.size - at)));
  }
}

/// An ICMP "fragmentation needed" the kernel matched to a datagram this socket sent.
struct UdpPathReport {
  UdpEndpoint to;         ///< where that datagram was going
  std::uint16_t mtu = 0;  ///< the next-hop MTU the router gave (bytes of IP)
};

struct UdpOutgoing {
  std::span<const std::uint8_t> bytes;
  UdpEndpoint to;
};

class UdpSocket {
 public:
  /// Binds host:port (host "0.0.0.0" for all). Errc::io_error names the address; "in use"
  /// says which other program to look for.
  /// With `gro`, asks for UDP GRO where the kernel has it (gro()): slots must then hold
  /// 64 KiB.
  static Result<UdpSocket> bind(const IpAddress& host, std::uint16_t port, bool gro = false);
  UdpSocket(UdpSocket&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)),
        gso_(o.gso_),
        gro_(o.gro_),
        errors_waiting_(o.errors_waiting_) {}
  UdpSocket& operator=(UdpSocket&& o) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket();

  [[nodiscard]] int fd() const noexcept { return fd_; }
  /// The port bound (useful after binding port 0).
  [[nodiscard]] std::uint16_t local_port() const;
  /// Sends to one peer go out as UDP GSO messages (off if the kernel lacks it or refused).
  [[nodiscard]] bool gso() const noexcept { return gso_; }
  /// Receives may bring runs of datagrams (UdpSlot::segment).
  [[nodiscard]] bool gro() const noexcept { return gro_; }
  /// Fills slots with waiting datagrams (one recvmmsg); returns how many slots, 0 when none.
  /// Each slot's bytes must be sized to the largest datagram it may hold.
  Result<std::size_t> receive(std::span<UdpSlot> slots);
  /// Sends the datagrams (sendmmsg, repeated for partial sends); returns N: the first N of
  /// `out` were dealt with (sent, or given up on because their peer is unreachable or the
  /// path refuses them twice running), the rest were not sent. Consecutive datagrams to one
  /// peer, all but the last of one size, go as one UDP GSO message. A full socket buffer
  /// drops the rest, as a NIC would; other errors are returned.
  Result<std::size_t> send(std::span<const UdpOutgoing> out);
  /// From now on every datagram carries DF and is never fragmented here, whatever path MTU
  /// the kernel cached from ICMP (IP_PMTUDISC_PROBE): the caller sizes datagrams per peer
  /// (the sleeve probes each path). One over the device's own MTU is dropped (EMSGSIZE).
  Result<void> never_fragment();
  /// Sends each datagram without DF, so this host or a router on the path may fragment it
  /// (IP_PMTUDISC_DONT for these sends only; the socket's own mode comes back after). For
  /// the rare datagram that must cross a path narrower than itself: the sleeve carries IPv6
  /// packets of up to 1280 bytes, which every link must, over any path. Returns N as send()
  /// does (the first N dealt with); a full socket buffer drops the rest.
  Result<std::size_t> send_fragmentable(std::span<const UdpOutgoing> out);

  /// Has the kernel queue the ICMP errors routers send about this socket's datagrams
  /// (IP_RECVERR). receive() then notes when one is waiting (path_errors_waiting()) instead
  /// of failing on it, and take_path_reports() reads them.
  Result<void> report_path_errors();
  [[nodiscard]] bool path_errors_waiting() const noexcept { return errors_waiting_; }
  /// Drains the socket's error queue; returns its "fragmentation needed" reports. They are
  /// not authenticated: hints for probing, never limits.
  std::vector<UdpPathReport> take_path_reports();

 private:
  explicit UdpSocket(int fd) : fd_(fd) {}
  int fd_ = -1;
  bool gso_ = false;
  bool gro_ = false;
  bool errors_waiting_ = false;
};

}  // namespace weft
