// SPDX-License-Identifier: Apache-2.0
// A non-blocking AF_PACKET socket on one device that sees only frames of one ethertype
// arriving there (a classic BPF filter in the kernel, so pod traffic is never copied to
// weftd) and not the frames the host sends out (PACKET_IGNORE_OUTGOING, so the transmit path
// clones nothing for it). Used for fast-path heartbeats on weft-vxlan. The caller waits for
// readability on fd() (Asio) and decides everything else.
#pragma once

#include "weft/base/result.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace weft::router {

class PacketSocket {
 public:
  /// Errc::io_error naming the device on failure (needs CAP_NET_RAW).
  static Result<PacketSocket> open(int ifindex, std::uint16_t ethertype);
  PacketSocket(PacketSocket&& o) noexcept : fd_(std::exchange(o.fd_, -1)), ifindex_(o.ifindex_) {}
  PacketSocket& operator=(PacketSocket&& o) noexcept;
  PacketSocket(const PacketSocket&) = delete;
  PacketSocket& operator=(const PacketSocket&) = delete;
  ~PacketSocket();

  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] int ifindex() const { return ifindex_; }
  /// Sends one whole Ethernet frame out of the device.
  Result<void> send(std::span<const std::uint8_t> frame);
  /// The next waiting frame, nullopt when none is waiting.
  Result<std::optional<std::vector<std::uint8_t>>> receive();

 private:
  PacketSocket(int fd, int ifindex) : fd_(fd), ifindex_(ifindex) {}
  int fd_ = -1;
  int ifindex_ = 0;
};

}  // namespace weft::router
