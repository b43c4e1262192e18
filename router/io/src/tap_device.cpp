// SPDX-License-Identifier: Apache-2.0
#include "weft/router/tap_device.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

namespace weft::router {

namespace {
Error sys_error(const std::string& what, const std::string& hint = {}) {
  return Error(Errc::io_error,
               what + ": " + std::strerror(errno) + (hint.empty() ? "" : ": " + hint));
}
}  // namespace

Result<TapDevice> TapDevice::open(const std::string& name, bool offload) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    return Error(Errc::invalid_argument, "TAP device name \"" + name + "\" must be 1-15 bytes");
  }
  const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return sys_error("open /dev/net/tun for " + name,
                     "load the tun module (modprobe tun) and run weftd with CAP_NET_ADMIN");
  }
  TapDevice tap(fd, name);
  ifreq ifr{};
  ifr.ifr_flags = static_cast<short>(IFF_TAP | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0));
  std::memcpy(ifr.ifr_name, name.c_str(), name.size());
  if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
    return sys_error("create TAP device " + name, "weftd needs CAP_NET_ADMIN");
  }
  tap.vnet_ = offload;
  // TSO for IPv4 and IPv6 needs checksum offload too. Refused (old kernel): frames come
  // whole and checksummed, behind a header that says so.
  if (offload && ::ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) == 0) {
    tap.offload_ = true;
  }
  return tap;
}

TapDevice& TapDevice::operator=(TapDevice&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    name_ = std::move(o.name_);
    vnet_ = o.vnet_;
    offload_ = o.offload_;
  }
  return *this;
}

TapDevice::~TapDevice() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::optional<std::size_t>> TapDevice::read(std::span<std::uint8_t> buf) {
  const ssize_t n = ::read(fd_, buf.data(), buf.size());
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
      return std::optional<std::size_t>{};
    return sys_error("read from " + name_);
  }
  return std::optional<std::size_t>{static_cast<std::size_t>(n)};
}

Result<bool> TapDevice::write(std::span<const std::uint8_t> frame) {
  if (vnet_) {
    // A zero virtio-net header: no offload asked, the checksums are complete.
    static constexpr std::uint8_t kNoOffload[10] = {};
    const std::span<const std::uint8_t> parts[1] = {frame};
    return write(kNoOffload, parts);
  }
  return written(::write(fd_, frame.data(), frame.size()));
}

Result<bool> TapDevice::write(std::span<const std::uint8_t> vnet,
                              std::span<const std::span<const std::uint8_t>> parts) {
  std::array<iovec, 129> iov;
  if (!vnet_ || parts.size() + 1 > iov.size()) {
    return Error(Errc::invalid_argument,
                 "write to " + name_ + ": " + std::to_string(parts.size()) +
                     " parts behind a virtio-net header (the device " +
                     (vnet_ ? "takes at most 128)" : "has no IFF_VNET_HDR)"));
  }
  iov[0] = {const_cast<std::uint8_t*>(vnet.data()), vnet.size()};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    iov[i + 1] = {const_cast<std::uint8_t*>(parts[i].data()), parts[i].size()};
  }
  return written(::writev(fd_, iov.data(), static_cast<int>(parts.size() + 1)));
}

Result<bool> TapDevice::written(ssize_t n) const {
  if (n < 0) {
    // A full queue drops the frame, as a NIC would.
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == EIO) return false;
    return sys_error("write to " + name_);
  }
  return true;
}

}  // namespace weft::router
