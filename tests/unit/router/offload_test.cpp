// SPDX-License-Identifier: Apache-2.0
// What weft-tap's offloads leave to weftd: TCP super-frames (IPv4 and IPv6) cut into segments
// a receiver accepts as they are (lengths, ids, sequence numbers, flags, every checksum
// valid, the payload intact and in order), partial checksums completed, and anything
// malformed refused without a crash.
#include "weft/router/offload.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace weft;
using namespace weft::router;

namespace {

std::uint64_t sum(const std::uint8_t* p, std::size_t n, std::uint64_t acc = 0) {
  for (std::size_t i = 0; i + 1 < n; i += 2)
    acc += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  if (n % 2) acc += static_cast<std::uint64_t>(p[n - 1]) << 8;
  return acc;
}
std::uint16_t folded(std::uint64_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(acc);
}
std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
std::uint32_t be32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(be16(p)) << 16 | be16(p + 2);
}

std::vector<std::uint8_t> vnet(std::uint8_t flags, std::uint8_t gso, std::uint16_t gso_size,
                               std::uint16_t csum_start, std::uint16_t csum_offset) {
  return {flags,
          gso,
          0,
          0,
          static_cast<std::uint8_t>(gso_size),
          static_cast<std::uint8_t>(gso_size >> 8),
          static_cast<std::uint8_t>(csum_start),
          static_cast<std::uint8_t>(csum_start >> 8),
          static_cast<std::uint8_t>(csum_offset),
          static_cast<std::uint8_t>(csum_offset >> 8)};
}

// vnet header + Ethernet + IPv4 or IPv6 + TCP (seq 1000, ACK|PSH|FIN|CWR) + `payload` bytes.
std::vector<std::uint8_t> tcp_superframe(bool v4, std::size_t payload, std::uint16_t mss) {
  const std::size_t ip_hl = v4 ? 20 : 40;
  auto r = vnet(VnetHeader::kNeedsCsum, v4 ? VnetHeader::kGsoTcpV4 : VnetHeader::kGsoTcpV6, mss,
                static_cast<std::uint16_t>(14 + ip_hl), 16);
  std::vector<std::uint8_t> f(14 + ip_hl + 20 + payload, 0);
  f[0] = 2, f[5] = 2, f[6] = 2, f[11] = 1;
  f[12] = v4 ? 0x08 : 0x86, f[13] = v4 ? 0x00 : 0xdd;
  std::uint8_t* ip = f.data() + 14;
  if (v4) {
    ip[0] = 0x45, ip[4] = 0x12, ip[5] = 0x34, ip[6] = 0x40, ip[8] = 64, ip[9] = 6;
    ip[12] = 10, ip[13] = 32, ip[15] = 5, ip[16] = 10, ip[17] = 44, ip[19] = 1;
  } else {
    ip[0] = 0x60, ip[6] = 6, ip[7] = 64, ip[8] = 0xfd, ip[23] = 5, ip[24] = 0xfd, ip[39] = 1;
  }
  std::uint8_t* tcp = ip + ip_hl;
  tcp[0] = 0x9c, tcp[1] = 0x40, tcp[3] = 80;  // 40000 -> 80
  tcp[6] = 0x03, tcp[7] = 0xe8;               // seq 1000
  tcp[12] = 0x50, tcp[13] = 0x80 | 0x10 | 0x08 | 0x01;
  for (std::size_t i = 0; i < payload; ++i) tcp[20 + i] = static_cast<std::uint8_t>(i * 7 + 3);
  r.insert(r.end(), f.begin(), f.end());
  return r;
}

}  // namespace

TEST_CASE("TCP super-frames are cut into valid segments", "[router][offload]") {
  for (const bool v4 : {true, false}) {
    INFO((v4 ? "IPv4" : "IPv6"));
    const std::size_t ip_hl = v4 ? 20 : 40;
    auto read = tcp_superframe(v4, 5000, 1400);
    const std::vector<std::uint8_t> original(read.begin() + 10, read.end());
    std::vector<std::uint8_t> scratch;
    std::vector<std::span<const std::uint8_t>> out;
    REQUIRE(finish_offloads(read, scratch, out));
    REQUIRE(out.size() == 4);  // 1400 + 1400 + 1400 + 800
    std::vector<std::uint8_t> payload;
    for (std::size_t i = 0; i < out.size(); ++i) {
      INFO("segment " << i);
      const std::uint8_t* ip = out[i].data() + 14;
      const std::uint8_t* tcp = ip + ip_hl;
      const std::size_t len = i < 3 ? 1400 : 800;
      REQUIRE(out[i].size() == 14 + ip_hl + 20 + len);
      std::uint64_t pseudo = 0;
      if (v4) {
        CHECK(be16(ip + 2) == ip_hl + 20 + len);
        CHECK(be16(ip + 4) == 0x1234 + i);
        CHECK(folded(sum(ip, 20)) == 0xffff);
        pseudo = sum(ip + 12, 8) + 6 + 20 + len;
      } else {
        CHECK(be16(ip + 4) == 20 + len);
        pseudo = sum(ip + 8, 32) + 6 + 20 + len;
      }
      CHECK(folded(sum(tcp, 20 + len, pseudo)) == 0xffff);
      CHECK(be32(tcp + 4) == 1000 + i * 1400);
      const std::uint8_t flags = tcp[13];
      CHECK(((flags & 0x01) != 0) == (i == 3));  // FIN and PSH on the last only
      CHECK(((flags & 0x08) != 0) == (i == 3));
      CHECK(((flags & 0x80) != 0) == (i == 0));  // CWR on the first only
      CHECK((flags & 0x10) != 0);                // ACK on all
      payload.insert(payload.end(), tcp + 20, tcp + 20 + len);
    }
    CHECK(payload == std::vector<std::uint8_t>(
                         original.begin() + static_cast<long>(14 + ip_hl + 20), original.end()));
  }
}

TEST_CASE("a partial checksum is completed; plain frames pass as they are", "[router][offload]") {
  // IPv4 UDP 10.32.0.5 -> 10.44.0.1, 30 bytes of data, its check field holding the
  // pseudo-header sum as the kernel leaves it for a device.
  auto read = vnet(VnetHeader::kNeedsCsum, VnetHeader::kGsoNone, 0, 34, 6);
  std::vector<std::uint8_t> f(14 + 20 + 8 + 30, 0x5a);
  f[12] = 0x08, f[13] = 0;
  std::uint8_t* ip = f.data() + 14;
  std::fill(ip, ip + 20, 0);
  ip[0] = 0x45, ip[9] = 17, ip[12] = 10, ip[13] = 32, ip[15] = 5, ip[16] = 10, ip[17] = 44,
  ip[19] = 1;
  std::uint8_t* udp = ip + 20;
  udp[4] = 0, udp[5] = 38;
  const std::uint16_t pseudo = folded(sum(ip + 12, 8) + 17 + 38);
  udp[6] = static_cast<std::uint8_t>(pseudo >> 8), udp[7] = static_cast<std::uint8_t>(pseudo);
  read.insert(read.end(), f.begin(), f.end());
  std::vector<std::uint8_t> scratch;
  std::vector<std::span<const std::uint8_t>> out;
  REQUIRE(finish_offloads(read, scratch, out));
  REQUIRE(out.size() == 1);
  const std::uint8_t* u = out[0].data() + 34;
  CHECK(folded(sum(u, 38, sum(out[0].data() + 26, 8) + 17 + 38)) == 0xffff);

  auto plain = vnet(0, 0, 0, 0, 0);
  plain.insert(plain.end(), 60, 0x11);
  out.clear();
  REQUIRE(finish_offloads(plain, scratch, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].data() == plain.data() + kVnetHdrBytes);  // untouched, not copied
  CHECK(out[0].size() == 60);
}

TEST_CASE("malformed offload reads are refused without a crash", "[router][offload]") {
  std::vector<std::uint8_t> scratch;
  std::vector<std::span<const std::uint8_t>> out;
  auto good = tcp_superframe(true, 3000, 1400);
  for (std::size_t n = 0; n < 10 + 14 + 20 + 20; ++n) {
    std::vector<std::uint8_t> cut(good.begin(), good.begin() + static_cast<long>(n));
    CHECK_FALSE(finish_offloads(cut, scratch, out));
  }
  auto zero_mss = good;
  zero_mss[4] = zero_mss[5] = 0;
  CHECK_FALSE(finish_offloads(zero_mss, scratch, out));
  auto udp_gso = good;
  udp_gso[1] = VnetHeader::kGsoUdp;
  CHECK(finish_offloads(udp_gso, scratch, out).error().code() == Errc::unsupported);
  auto not_tcp = good;
  not_tcp[10 + 14 + 9] = 17;
  CHECK_FALSE(finish_offloads(not_tcp, scratch, out));
  auto bad_csum = vnet(VnetHeader::kNeedsCsum, 0, 0, 200, 16);
  bad_csum.insert(bad_csum.end(), 60, 0);
  CHECK_FALSE(finish_offloads(bad_csum, scratch, out));
  CHECK(out.empty());
}
