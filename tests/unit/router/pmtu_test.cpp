// SPDX-License-Identifier: Apache-2.0
// ICMP "fragmentation needed" for frames too big for the sleeve: a well-formed answer to
// the sender (checksums, addresses swapped, the MTU, the quoted packet), and silence for
// everything a router must not answer.
#include "weft/router/pmtu.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace weft::router;

namespace {

std::uint16_t sum16(const std::uint8_t* p, std::size_t n) {
  std::uint32_t s = 0;
  for (std::size_t i = 0; i + 1 < n; i += 2) s += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  if (n % 2) s += static_cast<std::uint32_t>(p[n - 1]) << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(s);
}

// A pod's frame: 02:..:01 -> 02:..:02, IPv4 10.32.0.5 -> 10.44.0.1, protocol `proto`.
std::vector<std::uint8_t> frame(std::size_t ip_len, std::uint16_t flags_frag, std::uint8_t proto,
                                std::uint8_t first_payload_byte = 0) {
  std::vector<std::uint8_t> f(14 + ip_len, 0xab);
  const std::uint8_t hdr[] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0};
  std::copy(std::begin(hdr), std::end(hdr), f.begin());
  std::uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  ip[1] = 0;
  ip[2] = static_cast<std::uint8_t>(ip_len >> 8);
  ip[3] = static_cast<std::uint8_t>(ip_len);
  ip[6] = static_cast<std::uint8_t>(flags_frag >> 8);
  ip[7] = static_cast<std::uint8_t>(flags_frag);
  ip[8] = 64;
  ip[9] = proto;
  const std::uint8_t src[] = {10, 32, 0, 5}, dst[] = {10, 44, 0, 1};
  std::copy(std::begin(src), std::end(src), ip + 12);
  std::copy(std::begin(dst), std::end(dst), ip + 16);
  ip[20] = first_payload_byte;
  return f;
}

// A pod's IPv6 frame: fd00::5 -> fd00::1:1, `ip_len` bytes of IP, the header chain `chain`
// (next-header values; each but the last an 8-byte extension header), then the upper layer
// whose first byte is `first_upper_byte`.
std::vector<std::uint8_t> frame6(std::size_t ip_len, std::vector<std::uint8_t> chain,
                                 std::uint8_t first_upper_byte = 0) {
  std::vector<std::uint8_t> f(14 + ip_len, 0xcd);
  const std::uint8_t hdr[] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd};
  std::copy(std::begin(hdr), std::end(hdr), f.begin());
  std::uint8_t* ip = f.data() + 14;
  std::fill(ip, ip + 40, 0);
  ip[0] = 0x60;
  ip[4] = static_cast<std::uint8_t>((ip_len - 40) >> 8);
  ip[5] = static_cast<std::uint8_t>(ip_len - 40);
  ip[6] = chain.front();
  ip[7] = 64;
  ip[8] = ip[24] = 0xfd;
  ip[23] = 5;
  ip[37] = 1;
  ip[39] = 1;
  std::size_t at = 40;
  for (std::size_t i = 1; i < chain.size(); ++i, at += 8) {
    std::fill(ip + at, ip + at + 8, 0);
    ip[at] = chain[i];  // next header; length 0: 8 bytes
  }
  ip[at] = first_upper_byte;
  return f;
}

}  // namespace

TEST_CASE("IPv6 up to 1280 bytes is what every link carries", "[router][pmtu]") {
  CHECK(ipv6_within_minimum_mtu(frame6(1280, {6})));
  CHECK(ipv6_within_minimum_mtu(frame6(48, {59})));
  CHECK_FALSE(ipv6_within_minimum_mtu(frame6(1281, {6})));
  CHECK_FALSE(ipv6_within_minimum_mtu(frame(600, 0x4000, 6)));  // IPv4: fragmented or answered
  auto runt = frame6(48, {59});
  runt.resize(14 + 39);
  CHECK_FALSE(ipv6_within_minimum_mtu(runt));
  auto v4_in_v6_type = frame6(100, {6});
  v4_in_v6_type[14] = 0x45;  // the ethertype says IPv6, the header does not
  CHECK_FALSE(ipv6_within_minimum_mtu(v4_in_v6_type));
}

TEST_CASE("packet-too-big never says less than 1280", "[router][pmtu]") {
  // A sleeve path of 1203 still carries 1280-byte IPv6 (its datagram fragmented on the way).
  auto r = icmp6_packet_too_big(frame6(1403, {6}), 1203);
  REQUIRE(r);
  const std::uint8_t* icmp = r->data() + 14 + 40;
  CHECK((icmp[4] << 24 | icmp[5] << 16 | icmp[6] << 8 | icmp[7]) == 1280);
}

TEST_CASE("an IPv6 packet too big gets packet-too-big with the MTU", "[router][pmtu]") {
  const auto f = frame6(1450, {6});
  auto r = icmp6_packet_too_big(f, 1303);
  REQUIRE(r);
  REQUIRE(r->size() == 14 + 1280);  // quoted up to IPv6's minimum MTU, no more
  const std::uint8_t* e = r->data();
  CHECK(std::equal(e, e + 6, f.begin() + 6));  // back to the sender's MAC
  CHECK(std::equal(e + 6, e + 12, f.begin()));
  CHECK((e[12] << 8 | e[13]) == 0x86dd);
  const std::uint8_t* ip = e + 14;
  CHECK(ip[0] == 0x60);
  CHECK((ip[4] << 8 | ip[5]) == 1280 - 40);
  CHECK(ip[6] == 58);
  CHECK(std::equal(ip + 8, ip + 24, f.begin() + 14 + 24));  // from the packet's destination
  CHECK(std::equal(ip + 24, ip + 40, f.begin() + 14 + 8));  // to its source
  const std::uint8_t* icmp = ip + 40;
  CHECK(icmp[0] == 2);
  CHECK(icmp[1] == 0);
  CHECK((icmp[4] << 24 | icmp[5] << 16 | icmp[6] << 8 | icmp[7]) == 1303);
  CHECK(std::equal(icmp + 8, icmp + 1240, f.begin() + 14));  // the packet, quoted
  // The checksum over the pseudo-header (RFC 4443 2.3) and the message holds.
  std::vector<std::uint8_t> pseudo(ip + 8, ip + 40);
  const std::uint8_t len_next[] = {0, 0, 1240 >> 8, 1240 & 0xff, 0, 0, 0, 58};
  pseudo.insert(pseudo.end(), std::begin(len_next), std::end(len_next));
  pseudo.insert(pseudo.end(), icmp, icmp + 1240);
  CHECK(sum16(pseudo.data(), pseudo.size()) == 0xffff);

  // A ping (echo request, 128) is answered, past extension headers too; short is quoted whole.
  auto ping = icmp6_packet_too_big(frame6(100, {0, 60, 58}, 128), 1303);
  REQUIRE(ping);
  CHECK(ping->size() == 14 + 40 + 8 + 100);
}

TEST_CASE("what RFC 4443 forbids answering gets no packet-too-big", "[router][pmtu]") {
  CHECK_FALSE(icmp6_packet_too_big(frame6(1450, {58}, 1), 1303));         // an ICMPv6 error
  CHECK_FALSE(icmp6_packet_too_big(frame6(1450, {0, 43, 58}, 2), 1303));  // one behind headers
  CHECK_FALSE(icmp6_packet_too_big(frame6(1450, std::vector<std::uint8_t>(10, 60)), 1303));
  auto unspecified = frame6(1450, {6});
  unspecified[14 + 8] = 0;
  unspecified[14 + 23] = 0;
  CHECK_FALSE(icmp6_packet_too_big(unspecified, 1303));
  auto multicast_src = frame6(1450, {6});
  multicast_src[14 + 8] = 0xff;
  CHECK_FALSE(icmp6_packet_too_big(multicast_src, 1303));
  auto multicast_dst = frame6(1450, {6});
  multicast_dst[14 + 24] = 0xff;
  CHECK_FALSE(icmp6_packet_too_big(multicast_dst, 1303));
  CHECK_FALSE(icmp6_packet_too_big(frame(1450, 0x4000, 6), 1303));  // IPv4
  auto long_ext = frame6(100, {0, 6});
  long_ext[14 + 41] = 200;  // a hop-by-hop header of 1608 bytes in a 100-byte packet
  CHECK_FALSE(icmp6_packet_too_big(long_ext, 1303));
  const auto f = frame6(1450, {6});
  for (std::size_t n = 0; n < 14 + 40; ++n) {
    CHECK_FALSE(icmp6_packet_too_big(std::span(f).first(n), 1303));
  }
  // A later fragment is answered: its sender cut it, and it is still too big.
  auto later = frame6(1450, {44, 6});
  later[14 + 40 + 3] = 0x08;  // offset 1 (8 bytes)
  CHECK(icmp6_packet_too_big(later, 1303));
}

TEST_CASE("a DF packet too big gets fragmentation-needed with the MTU", "[router][pmtu]") {
  const auto f = frame(1450, 0x4000, 6);
  auto r = icmp_frag_needed(f, 1403);
  REQUIRE(r);
  REQUIRE(r->size() == 14 + 20 + 8 + 548);
  const std::uint8_t* e = r->data();
  CHECK(std::equal(e, e + 6, f.begin() + 6));  // back to the sender's MAC
  CHECK(std::equal(e + 6, e + 12, f.begin()));
  const std::uint8_t* ip = e + 14;
  CHECK(ip[0] == 0x45);
  CHECK(ip[9] == 1);
  CHECK(sum16(ip, 20) == 0xffff);  // the header checksum holds
  CHECK(std::vector<std::uint8_t>(ip + 12, ip + 16) == std::vector<std::uint8_t>{10, 44, 0, 1});
  CHECK(std::vector<std::uint8_t>(ip + 16, ip + 20) == std::vector<std::uint8_t>{10, 32, 0, 5});
  const std::uint8_t* icmp = ip + 20;
  CHECK(icmp[0] == 3);
  CHECK(icmp[1] == 4);
  CHECK((icmp[6] << 8 | icmp[7]) == 1403);
  CHECK(sum16(icmp, 8 + 548) == 0xffff);
  CHECK(std::equal(icmp + 8, icmp + 8 + 548, f.begin() + 14));  // the packet, quoted
  // A ping (ICMP echo, not an error) with DF is answered too; a short packet is quoted whole.
  auto ping = icmp_frag_needed(frame(100, 0x4000, 1, 8), 1403);
  REQUIRE(ping);
  CHECK(ping->size() == 14 + 20 + 8 + 100);
}

TEST_CASE("what a router must not answer gets no answer", "[router][pmtu]") {
  CHECK_FALSE(icmp_frag_needed(frame(1450, 0, 6), 1403));            // no DF: not ours to say
  CHECK_FALSE(icmp_frag_needed(frame(1450, 0x4000 | 10, 6), 1403));  // a later fragment
  CHECK_FALSE(icmp_frag_needed(frame(1450, 0x4000, 1, 3), 1403));    // an ICMP error itself
  auto arp = frame(60, 0x4000, 6);
  arp[12] = 0x08;
  arp[13] = 0x06;
  CHECK_FALSE(icmp_frag_needed(arp, 1403));
  auto v6 = frame(60, 0x4000, 6);
  v6[14] = 0x60;
  CHECK_FALSE(icmp_frag_needed(v6, 1403));
  const auto f = frame(1450, 0x4000, 6);
  for (std::size_t n = 0; n < 14 + 20; ++n) {
    CHECK_FALSE(icmp_frag_needed(std::span(f).first(n), 1403));
  }
  // A header claiming more than the frame holds quotes only what is there.
  auto cut = icmp_frag_needed(std::span(f).first(14 + 40), 1403);
  REQUIRE(cut);
  CHECK(cut->size() == 14 + 20 + 8 + 40);
}

TEST_CASE("the sleeve's IP MTU follows the datagram size", "[router][pmtu]") {
  CHECK(sleeve_ip_mtu(1472, 20 + 16) == 1403);  // a 1500-byte underlay, sealed
  CHECK(sleeve_ip_mtu(1472, 20) == 1419);       // unsealed
  CHECK(sleeve_ip_mtu(50, 36) == 68);           // never below IPv4's minimum
}

TEST_CASE("a packet without DF too big for the path is fragmented as a router would",
          "[router][pmtu]") {
  for (const std::uint16_t mtu : {1303, 576, 68, 1000}) {
    for (const std::uint16_t first_flags : {std::uint16_t{0}, std::uint16_t{0x2000 | 10}}) {
      INFO("mtu " << mtu << " flags " << first_flags);
      auto f = frame(1403, first_flags, 17);
      for (std::size_t i = 34; i < f.size(); ++i) f[i] = static_cast<std::uint8_t>(i * 7);
      const auto pieces = fragment_ipv4(f, mtu);
      REQUIRE(pieces.size() >= 2);
      std::vector<std::uint8_t> payload;
      std::size_t expect_offset = (first_flags & 0x1fff) * 8u;
      for (std::size_t k = 0; k < pieces.size(); ++k) {
        const auto& p = pieces[k];
        const std::uint8_t* ip = p.data() + 14;
        const std::size_t len = static_cast<std::size_t>(ip[2] << 8 | ip[3]);
        CHECK(len == p.size() - 14);
        CHECK(len <= mtu);
        CHECK(sum16(ip, 20) == 0xffff);
        CHECK(std::equal(p.begin(), p.begin() + 14, f.begin()));   // same MACs
        CHECK(std::equal(ip + 12, ip + 20, f.begin() + 14 + 12));  // same addresses
        const std::uint16_t ff = static_cast<std::uint16_t>(ip[6] << 8 | ip[7]);
        CHECK((ff & 0x1fff) * 8u == expect_offset);
        const bool last = k + 1 == pieces.size();
        CHECK(((ff & 0x2000) != 0) == (!last || (first_flags & 0x2000) != 0));
        if (!last) CHECK((len - 20) % 8 == 0);
        payload.insert(payload.end(), ip + 20, ip + len);
        expect_offset += len - 20;
      }
      CHECK(payload == std::vector<std::uint8_t>(f.begin() + 34, f.end()));
    }
  }
}

TEST_CASE("what must not be fragmented is not", "[router][pmtu]") {
  CHECK(fragment_ipv4(frame(1403, 0x4000, 17), 1303).empty());  // DF: ICMP instead
  CHECK(fragment_ipv4(frame(1200, 0, 17), 1303).empty());       // fits
  CHECK(fragment_ipv4(frame(1403, 0, 17), 60).empty());         // below IPv4's minimum
  auto options = frame(1403, 0, 17);
  options[14] = 0x46;
  CHECK(fragment_ipv4(options, 1303).empty());
  auto v6 = frame(1403, 0, 17);
  v6[12] = 0x86;
  v6[13] = 0xdd;
  CHECK(fragment_ipv4(v6, 1303).empty());
  auto lying = frame(1403, 0, 17);
  lying[16] = 0x10;  // total length 4,000+ in a 1,417-byte frame
  CHECK(fragment_ipv4(lying, 1303).empty());
  CHECK(fragment_ipv4(std::vector<std::uint8_t>(20, 0), 1303).empty());
}
