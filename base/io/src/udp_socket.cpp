// SPDX-License-Identifier: Apache-2.0
#include "weft/base/udp_socket.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace weft {

namespace {

constexpr std::size_t kBatch = 64;
constexpr std::size_t kMaxIov = 1024;
// The kernel's UDP_MAX_SEGMENTS (64 before Linux 6.9) and the largest IP packet.
constexpr std::size_t kGsoSegments = 64;
constexpr std::size_t kGsoBytes = 65000;

Error sys_error(const std::string& what, const std::string& hint = {}) {
  return Error(Errc::io_error,
               what + ": " + std::strerror(errno) + (hint.empty() ? "" : ": " + hint));
}

// What an ICMP error queued under IP_RECVERR makes a receive or send report once.
bool is_icmp_error(int err) {
  return err == EMSGSIZE || err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH ||
         err == EHOSTDOWN || err == ENETDOWN || err == EPROTO;
}

// What a send does after a message failed with err; send() and send_fragmentable() share it.
enum class AfterSendError { stop, again, skip, fail };

// A full queue ends the call: the rest are dropped, as a full NIC queue would drop them.
// An ICMP error queued under IP_RECVERR is reported once, by whatever call comes next,
// whichever peer it is about: the same message is sent again (it was not sent), and only a
// message that fails twice running (failed_at) is the one at fault. One unreachable peer
// must not stop the others' datagrams, so its message alone is skipped.
AfterSendError after_send_error(int err, std::size_t at, std::size_t& failed_at,
                                bool& errors_waiting) {
  if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) return AfterSendError::stop;
  if (err == EINTR) return AfterSendError::again;
  if (is_icmp_error(err)) {
    errors_waiting = true;
    if (std::exchange(failed_at, at) != at) return AfterSendError::again;
  }
  if (err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH || err == EMSGSIZE) {
    return AfterSendError::skip;
  }
  return AfterSendError::fail;
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

Result<UdpSocket> UdpSocket::bind(const IpAddress& host, std::uint16_t port, bool gro) {
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
  // UDP GSO (Linux 4.18): several datagrams to one peer in one send. Without it, or if a
  // send is refused later, datagrams go one by one.
  const int zero = 0;
  s.gso_ = ::setsockopt(fd, SOL_UDP, UDP_SEGMENT, &zero, sizeof zero) == 0;
  // UDP GRO (Linux 5.0): the kernel hands over a run of datagrams from one peer in one
  // buffer, cut at the size it reports, so the receive path runs once per run too.
  const int one = 1;
  s.gro_ = gro && ::setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one) == 0;
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
    gso_ = o.gso_;
    gro_ = o.gro_;
    errors_waiting_ = o.errors_waiting_;
  }
  return *this;
}

std::uint16_t UdpSocket::local_port() const {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) return 0;
  return ntohs(a.sin_port);
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::size_t> UdpSocket::receive(std::span<UdpSlot> slots) {
  const std::size_t n = std::min(slots.size(), kBatch);
  mmsghdr msgs[kBatch]{};
  iovec iov[kBatch]{};
  sockaddr_in from[kBatch]{};
  alignas(cmsghdr) char control[kBatch][CMSG_SPACE(sizeof(int))];
  for (std::size_t i = 0; i < n; ++i) {
    iov[i] = {slots[i].bytes.data(), slots[i].bytes.size()};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &from[i];
    msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    if (gro_) {
      msgs[i].msg_hdr.msg_control = control[i];
      msgs[i].msg_hdr.msg_controllen = sizeof control[i];
    }
  }
  int got = -1;
  // With IP_RECVERR, each ICMP error queued for us is reported once, ahead of any datagram
  // waiting: note it (take_path_reports reads them) and read the datagrams. Bounded: each
  // report clears one; more than the bound is a flood, read at the next wakeup.
  for (int tries = 0; tries < 64; ++tries) {
    got = ::recvmmsg(fd_, msgs, static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
    if (got >= 0 || !is_icmp_error(errno)) break;
    errors_waiting_ = true;
  }
  if (got < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return std::size_t{0};
    if (is_icmp_error(errno)) return std::size_t{0};
    return sys_error("receive sleeve datagrams");
  }
  for (int i = 0; i < got; ++i) {
    UdpSlot& slot = slots[static_cast<std::size_t>(i)];
    // A truncated datagram (larger than the slot) fails authentication or parsing later.
    slot.size = msgs[i].msg_len;
    slot.from = from_sockaddr(from[i]);
    slot.segment = 0;
    for (cmsghdr* c = gro_ ? CMSG_FIRSTHDR(&msgs[i].msg_hdr) : nullptr; c != nullptr;
         c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
      if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
        int segment = 0;
        std::memcpy(&segment, CMSG_DATA(c), sizeof segment);
        if (segment > 0 && static_cast<std::size_t>(segment) < slot.size) {
          slot.segment = static_cast<std::size_t>(segment);
        }
      }
    }
  }
  return static_cast<std::size_t>(got);
}

Result<std::size_t> UdpSocket::send(std::span<const UdpOutgoing> out) {
  std::size_t sent = 0;
  std::size_t failed_at = out.size();  // the message the last ICMP-kind error came on
  while (sent < out.size()) {
    // One message per run of datagrams to the same peer that UDP GSO can carry: all but the
    // last of one size, the last no larger, at most kGsoSegments and 64 KiB. The kernel cuts
    // it back into those datagrams below the UDP layer, so one pass through the stack (and
    // one route and conntrack lookup) carries up to 44 datagrams instead of one.
    mmsghdr msgs[kBatch]{};
    sockaddr_in to[kBatch]{};
    std::size_t count[kBatch]{};
    alignas(cmsghdr) char control[kBatch][CMSG_SPACE(sizeof(std::uint16_t))]{};
    iovec iov[kMaxIov];
    std::size_t m = 0, used_iov = 0, at = sent;
    while (m < kBatch && at < out.size() && used_iov < kMaxIov) {
      const std::size_t size = out[at].bytes.size();
      std::size_t end = at + 1, bytes = size;
      while (gso_ && end < out.size() && end - at < kGsoSegments && used_iov + end - at < kMaxIov &&
             out[end].to == out[at].to && out[end - 1].bytes.size() == size &&
             out[end].bytes.size() <= size && bytes + out[end].bytes.size() <= kGsoBytes) {
        bytes += out[end++].bytes.size();
      }
      for (std::size_t i = at; i < end; ++i) {
        iov[used_iov + i - at] = {const_cast<std::uint8_t*>(out[i].bytes.data()),
                                  out[i].bytes.size()};
      }
      to[m] = to_sockaddr(out[at].to);
      msghdr& h = msgs[m].msg_hdr;
      h.msg_iov = &iov[used_iov];
      h.msg_iovlen = end - at;
      h.msg_name = &to[m];
      h.msg_namelen = sizeof to[m];
      if (end - at > 1) {
        h.msg_control = control[m];
        h.msg_controllen = sizeof control[m];
        cmsghdr* c = CMSG_FIRSTHDR(&h);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
        const auto seg = static_cast<std::uint16_t>(size);
        std::memcpy(CMSG_DATA(c), &seg, sizeof seg);
      }
      count[m++] = end - at;
      used_iov += end - at;
      at = end;
    }
    const int got = ::sendmmsg(fd_, msgs, static_cast<unsigned>(m), MSG_DONTWAIT);
    if (got < 0) {
      const int err = errno;
      switch (after_send_error(err, sent, failed_at, errors_waiting_)) {
        case AfterSendError::stop: return sent;
        case AfterSendError::again: continue;
        case AfterSendError::skip: sent += count[0]; continue;
        case AfterSendError::fail: break;  // unless it is UDP GSO being refused:
      }
      if (count[0] > 1 && (err == EINVAL || err == EIO || err == EOPNOTSUPP)) {
        // This kernel or route refuses UDP GSO (e.g. a datagram above the path MTU): send
        // datagram by datagram from now on rather than lose any.
        gso_ = false;
        continue;
      }
      errno = err;
      return sys_error("send sleeve datagrams");
    }
    for (int i = 0; i < got; ++i) sent += count[i];
  }
  return sent;
}

Result<void> UdpSocket::never_fragment() {
  const int probe = IP_PMTUDISC_PROBE;
  if (::setsockopt(fd_, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof probe) != 0) {
    return sys_error("set IP_PMTUDISC_PROBE on UDP port " + std::to_string(local_port()));
  }
  return ok();
}

Result<std::size_t> UdpSocket::send_fragmentable(std::span<const UdpOutgoing> out) {
  if (out.empty()) return std::size_t{0};
  int mode = 0;
  socklen_t mode_len = sizeof mode;
  if (::getsockopt(fd_, IPPROTO_IP, IP_MTU_DISCOVER, &mode, &mode_len) != 0) {
    return sys_error("read IP_MTU_DISCOVER on UDP port " + std::to_string(local_port()));
  }
  const int dont = IP_PMTUDISC_DONT;
  if (::setsockopt(fd_, IPPROTO_IP, IP_MTU_DISCOVER, &dont, sizeof dont) != 0) {
    return sys_error("set IP_PMTUDISC_DONT on UDP port " + std::to_string(local_port()));
  }
  std::size_t sent = 0;
  int failed = 0;
  std::size_t failed_at = out.size();  // as in send()
  for (std::size_t i = 0; i < out.size();) {
    const sockaddr_in to = to_sockaddr(out[i].to);
    const ssize_t n = ::sendto(fd_, out[i].bytes.data(), out[i].bytes.size(), MSG_DONTWAIT,
                               reinterpret_cast<const sockaddr*>(&to), sizeof to);
    if (n >= 0) {
      ++sent;
      ++i;
      continue;
    }
    const int err = errno;
    const auto next = after_send_error(err, i, failed_at, errors_waiting_);
    if (next == AfterSendError::again) continue;
    if (next == AfterSendError::skip) {
      ++sent;  // dealt with, as send() counts it: the count stays a prefix of `out`
      ++i;
      continue;
    }
    if (next == AfterSendError::fail) failed = err;
    break;
  }
  // The socket's own mode back before anything else is sent, whatever happened above.
  if (::setsockopt(fd_, IPPROTO_IP, IP_MTU_DISCOVER, &mode, sizeof mode) != 0) {
    return sys_error("restore IP_MTU_DISCOVER on UDP port " + std::to_string(local_port()));
  }
  if (failed != 0) {
    errno = failed;
    return sys_error("send a datagram the path may fragment");
  }
  return sent;
}

Result<void> UdpSocket::report_path_errors() {
  const int on = 1;
  if (::setsockopt(fd_, IPPROTO_IP, IP_RECVERR, &on, sizeof on) != 0) {
    return sys_error("set IP_RECVERR on UDP port " + std::to_string(local_port()));
  }
  return ok();
}

std::vector<UdpPathReport> UdpSocket::take_path_reports() {
  std::vector<UdpPathReport> out;
  errors_waiting_ = false;
  // Bounded per call: what is left (a flood) keeps the flag up for the next call.
  for (int i = 0;; ++i) {
    if (i == 256) {
      errors_waiting_ = true;
      break;
    }
    std::uint8_t head[64];  // the start of the datagram the error is about (unused)
    iovec iov{head, sizeof head};
    sockaddr_in to{};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(sock_extended_err) + sizeof(sockaddr_in))];
    msghdr m{};
    m.msg_name = &to;
    m.msg_namelen = sizeof to;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    if (::recvmsg(fd_, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) break;
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_RECVERR ||
          c->cmsg_len < CMSG_LEN(sizeof(sock_extended_err))) {
        continue;
      }
      sock_extended_err e{};
      std::memcpy(&e, CMSG_DATA(c), sizeof e);
      if (e.ee_origin == SO_EE_ORIGIN_ICMP && e.ee_type == 3 /* unreachable */ &&
          e.ee_code == 4 /* fragmentation needed */ && e.ee_info >= 68 && e.ee_info <= 65535) {
        out.push_back({from_sockaddr(to), static_cast<std::uint16_t>(e.ee_info)});
      }
    }
  }
  return out;
}

}  // namespace weft
