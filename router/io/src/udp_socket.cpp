// SPDX-License-Identifier: Apache-2.0
#include "weft/router/udp_socket.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace weft::router {

namespace {

constexpr std::size_t kBatch = 64;

Error sys_error(const std::string& what, const std::string& hint = {}) {
  return Error(Errc::io_error,
               what + ": " + std::strerror(errno) + (hint.empty() ? "" : ": " + hint));
}

sockaddr_in to_sockaddr(const UdpEndpoint& e) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(e.port);
  a.sin_addr.s_addr = htonl(e.ip.v4_value());
  return a;
}

UdpEndpoint from_sockaddr(const sockaddr_in& a) {
  return {IpAddress::v4(ntohl(a.sin_addr.s_addr)), ntohs(a.sin_port)};
}

}  // namespace

Result<UdpSocket> UdpSocket::bind(const IpAddress& host, std::uint16_t port) {
  const std::string where = "UDP " + host.to_string() + ":" + std::to_string(port);
  if (!host.is_v4()) {
    return Error(Errc::unsupported, "bind " + where + ": the sleeve speaks IPv4 underlays so far");
  }
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return sys_error("open " + where);
  UdpSocket s(fd);
  // Bursts of frames from pods arrive faster than one loop turn drains them; a deeper
  // queue trades a little memory for fewer drops (the kernel caps it at rmem_max).
  // FORCE (weftd has CAP_NET_ADMIN) goes past net.core.[rw]mem_max, which is 208 KiB by
  // default: a TCP super-frame alone fills ~45 datagrams.
  const int bytes = 4 << 20;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0) {
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  }
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof bytes) != 0) {
    (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
  }
  const sockaddr_in a = to_sockaddr({host, port});
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    return sys_error("bind " + where,
                     errno == EADDRINUSE ? "another program holds it (ss -ulpn)" : "");
  }
  return s;
}

UdpSocket& UdpSocket::operator=(UdpSocket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::size_t> UdpSocket::receive(std::span<UdpSlot> slots) {
  const std::size_t n = std::min(slots.size(), kBatch);
  mmsghdr msgs[kBatch]{};
  iovec iov[kBatch]{};
  sockaddr_in from[kBatch]{};
  for (std::size_t i = 0; i < n; ++i) {
    iov[i] = {slots[i].bytes.data(), slots[i].bytes.size()};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &from[i];
    msgs[i].msg_hdr.msg_namelen = sizeof from[i];
  }
  const int got = ::recvmmsg(fd_, msgs, static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
  if (got < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return std::size_t{0};
    return sys_error("receive sleeve datagrams");
  }
  for (int i = 0; i < got; ++i) {
    // A truncated datagram (larger than the slot) fails authentication or parsing later.
    slots[static_cast<std::size_t>(i)].size = msgs[i].msg_len;
    slots[static_cast<std::size_t>(i)].from = from_sockaddr(from[i]);
  }
  return static_cast<std::size_t>(got);
}

Result<std::size_t> UdpSocket::send(std::span<const UdpOutgoing> out) {
  std::size_t sent = 0;
  while (sent < out.size()) {
    const std::size_t n = std::min(out.size() - sent, kBatch);
    mmsghdr msgs[kBatch]{};
    iovec iov[kBatch]{};
    sockaddr_in to[kBatch]{};
    for (std::size_t i = 0; i < n; ++i) {
      const auto& o = out[sent + i];
      iov[i] = {const_cast<std::uint8_t*>(o.bytes.data()), o.bytes.size()};
      to[i] = to_sockaddr(o.to);
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &to[i];
      msgs[i].msg_hdr.msg_namelen = sizeof to[i];
    }
    const int got = ::sendmmsg(fd_, msgs, static_cast<unsigned>(n), MSG_DONTWAIT);
    if (got < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return sent;
      if (errno == EINTR) continue;
      // One unreachable peer (ICMP feedback) must not stop the others' datagrams.
      if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH ||
          errno == EMSGSIZE) {
        ++sent;
        continue;
      }
      return sys_error("send sleeve datagrams");
    }
    sent += static_cast<std::size_t>(got);
  }
  return sent;
}

}  // namespace weft::router
