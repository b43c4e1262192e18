// SPDX-License-Identifier: Apache-2.0
// The sleeve's UDP socket on loopback: runs of datagrams to one peer leave as UDP GSO
// messages and arrive as the datagrams they were, intact and in order, beside datagrams of
// other sizes and to other peers; with UDP GRO on the receiver, they arrive as runs that
// cut back into the same datagrams.
#include "weft/base/udp_socket.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <vector>

using namespace weft;

namespace {

std::vector<std::uint8_t> datagram(std::size_t size, std::uint8_t tag) {
  std::vector<std::uint8_t> d(size);
  for (std::size_t i = 0; i < size; ++i) d[i] = static_cast<std::uint8_t>(tag * 31 + i);
  return d;
}

// The datagrams waiting on `s` (runs cut where GRO says), waiting up to 5 s for `want`;
// `runs` counts the slots that held more than one.
std::vector<std::vector<std::uint8_t>> drain(UdpSocket& s, std::size_t want, int& runs) {
  std::vector<std::vector<std::uint8_t>> got;
  std::vector<UdpSlot> slots(64);
  for (auto& sl : slots) sl.bytes.resize(s.gro() ? 65536 : 2048);
  for (int tries = 0; tries < 50 && got.size() < want; ++tries) {
    pollfd p{s.fd(), POLLIN, 0};
    ::poll(&p, 1, 100);
    auto n = s.receive(slots);
    REQUIRE(n);
    for (std::size_t i = 0; i < *n; ++i) {
      if (slots[i].segment) ++runs;
      for_each_datagram(slots[i],
                        [&](std::span<std::uint8_t> d) { got.emplace_back(d.begin(), d.end()); });
    }
  }
  return got;
}

const IpAddress kLoopback = IpAddress::v4(0x7f000001);

// A socket on loopback, port chosen by the kernel.
UdpSocket bound() {
  auto s = UdpSocket::bind(kLoopback, 0);
  REQUIRE(s);
  return std::move(*s);
}

}  // namespace

TEST_CASE("runs of datagrams leave as GSO messages and arrive as they were", "[router][udp]") {
  const auto lo = IpAddress::v4(0x7f000001);
  auto a = UdpSocket::bind(lo, 0);
  const bool gro = GENERATE(false, true);
  auto b = UdpSocket::bind(lo, 0, gro);
  auto c = UdpSocket::bind(lo, 0, gro);
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  INFO("UDP GSO " << (a->gso() ? "on" : "off (kernel without it)") << ", GRO asked " << gro
                  << ", on " << b->gro());
  CHECK(b->gro() == gro);  // this machine's kernel has both
  const UdpEndpoint to_b{lo, b->local_port()}, to_c{lo, c->local_port()};
  // To b: 50 of 1,460 bytes and a short one (two GSO messages: 44 + 7), then 3 of other
  // sizes, then to c: 5 equal ones, then b again.
  std::vector<std::vector<std::uint8_t>> to_b_sent, to_c_sent;
  std::vector<UdpOutgoing> out;
  std::vector<std::vector<std::uint8_t>> store;
  store.reserve(100);
  const auto add = [&](std::size_t size, const UdpEndpoint& to) {
    store.push_back(datagram(size, static_cast<std::uint8_t>(store.size())));
    (to == to_b ? to_b_sent : to_c_sent).push_back(store.back());
    out.push_back({store.back(), to});
  };
  for (int i = 0; i < 50; ++i) add(1460, to_b);
  add(300, to_b);
  for (std::size_t size : {1000u, 1200u, 1200u}) add(size, to_b);
  for (int i = 0; i < 5; ++i) add(900, to_c);
  add(1460, to_b);
  auto sent = a->send(out);
  REQUIRE(sent);
  CHECK(*sent == out.size());
  int runs = 0;
  CHECK(drain(*b, to_b_sent.size(), runs) == to_b_sent);
  CHECK(drain(*c, to_c_sent.size(), runs) == to_c_sent);
  // With GRO the receiver got runs in one buffer (GSO sends stay whole over loopback).
  CHECK((runs > 0) == (gro && a->gso()));
}

TEST_CASE("datagrams the path may fragment go out, and the socket keeps its mode", "[udp]") {
  auto a = bound();
  auto b = bound();
  REQUIRE(a.never_fragment());
  const UdpEndpoint to_b{kLoopback, b.local_port()};
  const auto big = datagram(1400, 7), small = datagram(100, 8);
  const std::vector<UdpOutgoing> out{{big, to_b}, {small, to_b}};
  auto sent = a.send_fragmentable(out);
  REQUIRE(sent);
  CHECK(*sent == 2);
  int runs = 0;
  const auto got = drain(b, 2, runs);
  REQUIRE(got.size() == 2);
  CHECK(got[0] == big);
  CHECK(got[1] == small);
  // Back in never_fragment's mode (DF on everything else it sends).
  int mode = -1;
  socklen_t len = sizeof mode;
  REQUIRE(::getsockopt(a.fd(), IPPROTO_IP, IP_MTU_DISCOVER, &mode, &len) == 0);
  CHECK(mode == IP_PMTUDISC_PROBE);
}

TEST_CASE("an ICMP error for a sent datagram is noted, and receiving goes on", "[udp]") {
  auto a = bound();
  auto c = bound();
  REQUIRE(a.report_path_errors());
  const std::uint16_t closed_port = bound().local_port();  // closed again at once
  // To a port nobody holds: loopback answers ICMP port unreachable, queued for `a`.
  const auto d = datagram(100, 3);
  const std::vector<UdpOutgoing> out{{d, {kLoopback, closed_port}}};
  REQUIRE(a.send(out));
  const std::vector<UdpOutgoing> back{{d, {kLoopback, a.local_port()}}};
  REQUIRE(c.send(back));
  int runs = 0;
  const auto got = drain(a, 1, runs);  // the error is reported first, then the datagram
  REQUIRE(got.size() == 1);
  CHECK(got[0] == d);
  CHECK(a.path_errors_waiting());
  CHECK(a.take_path_reports().empty());  // not "fragmentation needed": nothing to report
  CHECK_FALSE(a.path_errors_waiting());
}
