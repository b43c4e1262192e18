// SPDX-License-Identifier: Apache-2.0
// The sleeve's TAP device (weft-tap): Ethernet frames between the bridge and weftd. Made
// non-persistent, so it goes away with weftd and pod traffic to sleeve peers stops with it
// rather than vanishing into a device nobody reads. Non-blocking; the caller waits for
// readability on fd() (Asio).
#pragma once

#include "weft/base/result.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <sys/types.h>
#include <utility>

namespace weft::router {

class TapDevice {
 public:
  /// Creates (or attaches to) TAP device `name`. Errc::io_error saying what to do when
  /// /dev/net/tun is missing or weftd lacks CAP_NET_ADMIN. With `offload`, every read
  /// starts with a virtio-net header (offload.hpp) and the kernel may hand over TCP
  /// super-frames and partial checksums (TSO, checksum offload); writes then carry a zero
  /// header. Without kernel support for the offloads, the header stays and they are off.
  static Result<TapDevice> open(const std::string& name, bool offload = false);
  TapDevice(TapDevice&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)),
        name_(std::move(o.name_)),
        vnet_(o.vnet_),
        offload_(o.offload_) {}
  TapDevice& operator=(TapDevice&& o) noexcept;
  TapDevice(const TapDevice&) = delete;
  TapDevice& operator=(const TapDevice&) = delete;
  ~TapDevice();

  [[nodiscard]] int fd() const noexcept { return fd_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  /// Reads and writes carry a virtio-net header.
  [[nodiscard]] bool vnet_header() const noexcept { return vnet_; }
  /// The kernel accepted TSO and checksum offload.
  [[nodiscard]] bool offload() const noexcept { return offload_; }
  /// One read into `buf` (with its virtio-net header when vnet_header()): its length, or
  /// nullopt when none is waiting.
  Result<std::optional<std::size_t>> read(std::span<std::uint8_t> buf);
  /// One frame to the bridge. A full queue drops the frame (false), as a NIC would.
  Result<bool> write(std::span<const std::uint8_t> frame);
  /// One frame written from `parts` behind the virtio-net header `vnet` (vnet_header()
  /// only), e.g. a merged TCP super-frame that asks the kernel for GSO. At most 128 parts.
  Result<bool> write(std::span<const std::uint8_t> vnet,
                     std::span<const std::span<const std::uint8_t>> parts);

 private:
  TapDevice(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  /// A write's result: false for a full queue, the error for anything else.
  [[nodiscard]] Result<bool> written(ssize_t n) const;
  int fd_ = -1;
  std::string name_;
  bool vnet_ = false;
  bool offload_ = false;
};

}  // namespace weft::router
