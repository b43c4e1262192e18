// SPDX-License-Identifier: Apache-2.0
#include "weft/router/packet_socket.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace weft::router {

namespace {
Error sys_error(const std::string& what) {
  return Error(Errc::io_error, what + ": " + std::strerror(errno));
}
}  // namespace

Result<PacketSocket> PacketSocket::open(int ifindex, std::uint16_t ethertype) {
  const std::string where = "packet socket on ifindex " + std::to_string(ifindex);
  // Protocol 0 at first: nothing is queued before the filter is on.
  const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return sys_error("open " + where + " (weftd needs CAP_NET_RAW)");
  PacketSocket s(fd, ifindex);
  // ldh [12]; jeq #type, accept, drop
  sock_filter code[] = {
      {0x28, 0, 0, 12},
      {0x15, 0, 1, ethertype},
      {0x06, 0, 0, 0x40000},
      {0x06, 0, 0, 0},
  };
  sock_fprog prog{static_cast<unsigned short>(std::size(code)), code};
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0) {
    return sys_error("filter " + where);
  }
  const int one = 1;
  if (::setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) != 0) {
    return sys_error("ignore outgoing on " + where);
  }
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);  // per-device tap: it sees frames before the bridge
  addr.sll_ifindex = ifindex;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return sys_error("bind " + where);
  }
  return s;
}

PacketSocket& PacketSocket::operator=(PacketSocket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    ifindex_ = o.ifindex_;
  }
  return *this;
}

PacketSocket::~PacketSocket() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void> PacketSocket::send(std::span<const std::uint8_t> frame) {
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_ifindex = ifindex_;
  addr.sll_halen = 6;
  std::memcpy(addr.sll_addr, frame.data(), frame.size() >= 6 ? 6 : frame.size());
  const ssize_t n = ::sendto(fd_, frame.data(), frame.size(), 0,
                             reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  if (n < 0) return sys_error("send on packet socket (ifindex " + std::to_string(ifindex_) + ")");
  return ok();
}

Result<std::optional<std::vector<std::uint8_t>>> PacketSocket::receive() {
  std::vector<std::uint8_t> buf(2048);
  const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<std::vector<std::uint8_t>>();
    return sys_error("receive on packet socket (ifindex " + std::to_string(ifindex_) + ")");
  }
  buf.resize(static_cast<std::size_t>(n));
  return std::optional<std::vector<std::uint8_t>>(std::move(buf));
}

}  // namespace weft::router
