// SPDX-License-Identifier: Apache-2.0
// The sleeve's receive-side GRO: segments of a flow that arrive back to back become one
// super-frame that the kernel's own segmentation (finish_offloads here, the same rules)
// turns back into exactly the segments that came, byte for byte; anything GRO must not
// merge (gaps, other headers, bad checksums, SYN/FIN/pure ACKs, PSH, size limits) is passed
// on as it came, and a flow's frames never overtake each other. Also: the fast checksum
// against a naive one.
#include "weft/router/coalesce.hpp"

#include "weft/base/rng.hpp"
#include "weft/router/offload.hpp"

#include "../../../router/src/inet_checksum.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <vector>

using namespace weft;
using namespace weft::router;

namespace {

using Bytes = std::vector<std::uint8_t>;

// A TCP super-frame as weft-tap hands it over (vnet header first), flow `port`, with a
// 12-byte timestamp option, flags ACK (+PSH), then cut by finish_offloads into segments with
// valid checksums, consecutive ids and sequence numbers: what a sending weftd puts on the wire.
std::vector<Bytes> segments(bool v4, std::size_t payload, std::uint16_t mss, bool psh = false,
                            std::uint8_t port = 80, std::uint32_t seq = 1000,
                            std::uint16_t id = 0x1234) {
  const std::size_t ip_hl = v4 ? 20 : 40, tcp_hl = 32;
  Bytes r{VnetHeader::kNeedsCsum, v4 ? VnetHeader::kGsoTcpV4 : VnetHeader::kGsoTcpV6};
  const auto put_le = [&](std::uint16_t v) {
    r.push_back(static_cast<std::uint8_t>(v));
    r.push_back(static_cast<std::uint8_t>(v >> 8));
  };
  put_le(static_cast<std::uint16_t>(14 + ip_hl + tcp_hl)), put_le(mss);
  put_le(static_cast<std::uint16_t>(14 + ip_hl)), put_le(16);
  Bytes f(14 + ip_hl + tcp_hl + payload, 0);
  f[0] = 2, f[5] = 2, f[6] = 2, f[11] = 1;
  f[12] = v4 ? 0x08 : 0x86, f[13] = v4 ? 0x00 : 0xdd;
  std::uint8_t* ip = f.data() + 14;
  if (v4) {
    ip[0] = 0x45, ip[4] = static_cast<std::uint8_t>(id >> 8), ip[5] = static_cast<std::uint8_t>(id);
    ip[6] = 0x40, ip[8] = 64, ip[9] = 6;
    ip[12] = 10, ip[13] = 32, ip[15] = 5, ip[16] = 10, ip[17] = 44, ip[19] = 1;
  } else {
    ip[0] = 0x60, ip[6] = 6, ip[7] = 64, ip[8] = 0xfd, ip[23] = 5, ip[24] = 0xfd, ip[39] = 1;
  }
  std::uint8_t* tcp = ip + ip_hl;
  tcp[0] = 0x9c, tcp[1] = 0x40, tcp[3] = port;
  for (int i = 0; i < 4; ++i) tcp[4 + i] = static_cast<std::uint8_t>(seq >> (24 - 8 * i));
  tcp[11] = 7;  // ack
  tcp[12] = 0x80, tcp[13] = static_cast<std::uint8_t>(0x10 | (psh ? 0x08 : 0));
  tcp[14] = 0x01, tcp[15] = 0xf5;                                                  // window
  tcp[20] = 1, tcp[21] = 1, tcp[22] = 8, tcp[23] = 10, tcp[27] = 42, tcp[31] = 9;  // timestamps
  for (std::size_t i = 0; i < payload; ++i) {
    tcp[tcp_hl + i] = static_cast<std::uint8_t>(i * 7 + 3 + port);
  }
  r.insert(r.end(), f.begin(), f.end());
  Bytes scratch;
  std::vector<std::span<const std::uint8_t>> out;
  REQUIRE(finish_offloads(r, scratch, out));
  std::vector<Bytes> segs;
  for (auto s : out) segs.emplace_back(s.begin(), s.end());
  return segs;
}

// What the coalescer writes: each write's header and bytes joined.
struct Written {
  VnetHeader header;
  Bytes bytes;
};

std::vector<Written> coalesce(FrameCoalescer& c, const std::vector<const Bytes*>& frames) {
  for (const Bytes* f : frames) c.add(*f);
  std::vector<Written> w;
  c.flush([&](const VnetHeader& h, std::span<const std::span<const std::uint8_t>> parts) {
    Written x{h, {}};
    for (auto p : parts) x.bytes.insert(x.bytes.end(), p.begin(), p.end());
    w.push_back(std::move(x));
  });
  return w;
}

// The kernel's view of a write: segmented back (a GSO write) or the frame itself.
std::vector<Bytes> resegment(const Written& w) {
  auto hdr = encode_vnet_header(w.header);
  Bytes read(hdr.begin(), hdr.end());
  read.insert(read.end(), w.bytes.begin(), w.bytes.end());
  Bytes scratch;
  std::vector<std::span<const std::uint8_t>> out;
  REQUIRE(finish_offloads(read, scratch, out));
  std::vector<Bytes> segs;
  for (auto s : out) segs.emplace_back(s.begin(), s.end());
  return segs;
}

// Recomputes an IPv4 frame's checksums after a test changed a header field.
void fix_checksums(Bytes& f) {
  using detail::checksum_fold, detail::checksum_sum;
  std::uint8_t* ip = f.data() + 14;
  ip[10] = ip[11] = 0;
  const std::uint16_t ic = checksum_fold(checksum_sum(ip, 20));
  ip[10] = static_cast<std::uint8_t>(ic >> 8), ip[11] = static_cast<std::uint8_t>(ic);
  const std::size_t tcp_len = static_cast<std::size_t>(ip[2] << 8 | ip[3]) - 20;
  ip[36] = ip[37] = 0;
  const std::uint16_t tc =
      checksum_fold(checksum_sum(ip + 20, tcp_len, checksum_sum(ip + 12, 8) + 6 + tcp_len));
  ip[36] = static_cast<std::uint8_t>(tc >> 8), ip[37] = static_cast<std::uint8_t>(tc);
}

std::vector<const Bytes*> ptrs(const std::vector<Bytes>& v) {
  std::vector<const Bytes*> p;
  for (const auto& b : v) p.push_back(&b);
  return p;
}

}  // namespace

TEST_CASE("a flow's segments become one super-frame that segments back to them",
          "[router][coalesce]") {
  for (const bool v4 : {true, false}) {
    for (const bool psh : {false, true}) {
      INFO((v4 ? "IPv4" : "IPv6") << (psh ? ", PSH last" : ""));
      const auto segs = segments(v4, 10000, 1448, psh);
      REQUIRE(segs.size() == 7);
      FrameCoalescer c;
      const auto w = coalesce(c, ptrs(segs));
      REQUIRE(w.size() == 1);
      CHECK(w[0].header.gso_type == (v4 ? VnetHeader::kGsoTcpV4 : VnetHeader::kGsoTcpV6));
      CHECK(w[0].header.gso_size == 1448);
      CHECK(w[0].header.flags == VnetHeader::kNeedsCsum);
      CHECK(w[0].header.csum_start == 14 + (v4 ? 20 : 40));
      CHECK(w[0].header.hdr_len == 14 + (v4 ? 20 : 40) + 32);
      CHECK(resegment(w[0]) == segs);
      CHECK(c.merged_segments() == 7);
      CHECK(c.super_frames() == 1);
    }
  }
}

TEST_CASE("interleaved flows merge each; a flow's frames keep their order", "[router][coalesce]") {
  const auto a = segments(true, 4 * 1400, 1400, false, 80);
  const auto b = segments(true, 3 * 1400, 1400, false, 81);
  FrameCoalescer c;
  const auto w = coalesce(c, {&a[0], &b[0], &a[1], &b[1], &a[2], &b[2], &a[3]});
  REQUIRE(w.size() == 2);
  CHECK(resegment(w[0]) == a);
  CHECK(resegment(w[1]) == b);
}

TEST_CASE("what GRO must not merge passes through as it came", "[router][coalesce]") {
  const auto a = segments(true, 5 * 1400, 1400);
  FrameCoalescer c;
  SECTION("a gap in the sequence starts another frame") {
    const auto w = coalesce(c, {&a[0], &a[1], &a[3], &a[4]});
    REQUIRE(w.size() == 2);
    CHECK(resegment(w[0]) == std::vector<Bytes>{a[0], a[1]});
    CHECK(resegment(w[1]) == std::vector<Bytes>{a[3], a[4]});
  }
  SECTION("a bad checksum is not hidden: that segment goes alone, unchanged") {
    Bytes bad = a[2];
    bad[bad.size() - 1] ^= 1;
    const auto w = coalesce(c, {&a[0], &a[1], &bad, &a[3], &a[4]});
    REQUIRE(w.size() == 3);
    CHECK(resegment(w[0]) == std::vector<Bytes>{a[0], a[1]});
    CHECK(w[1].header.gso_type == VnetHeader::kGsoNone);
    CHECK(w[1].bytes == bad);
    // a[3] does not join bad (whose checksum fails) but starts a frame of its own.
    CHECK(resegment(w[2]) == std::vector<Bytes>{a[3], a[4]});
    CHECK(c.merged_segments() == 4);
  }
  SECTION("a pure ACK of the flow ends the merged frame and stays in place") {
    Bytes ack(a[0].begin(), a[0].begin() + 14 + 20 + 32);
    ack[14 + 2] = 0, ack[14 + 3] = 52;  // IPv4 length: headers only
    fix_checksums(ack);
    const auto w = coalesce(c, {&a[0], &a[1], &ack, &a[2], &a[3]});
    REQUIRE(w.size() == 3);
    CHECK(resegment(w[0]) == std::vector<Bytes>{a[0], a[1]});
    CHECK(w[1].bytes == ack);
    CHECK(resegment(w[2]) == std::vector<Bytes>{a[2], a[3]});
  }
  SECTION("other IP or TCP header fields start another frame") {
    for (const std::size_t at : {14u + 1, 14u + 8, 34u + 8, 34u + 14, 34u + 24}) {
      INFO("byte " << at);  // tos, ttl, ack, window, timestamp value
      Bytes other = a[1];
      other[at] ^= 0x10;
      fix_checksums(other);
      FrameCoalescer d;
      CHECK(coalesce(d, {&a[0], &other}).size() == 2);
    }
    Bytes same = a[1];  // the control: the same fix on an unchanged segment still merges
    fix_checksums(same);
    FrameCoalescer d;
    CHECK(coalesce(d, {&a[0], &same}).size() == 1);
  }
  SECTION("a short segment or PSH closes the frame") {
    const auto s = segments(true, 2 * 1400 + 500, 1400, true);  // 1400, 1400, 500+PSH
    const auto more = segments(true, 1400, 1400, false, 80, 1000 + 2 * 1400 + 500, 0x1237);
    const auto w = coalesce(c, {&s[0], &s[1], &s[2], &more[0]});
    REQUIRE(w.size() == 2);
    CHECK(resegment(w[0]) == s);
    CHECK(w[1].bytes == more[0]);
  }
  SECTION("a segment larger than the first starts another frame") {
    const auto small = segments(true, 1000, 1000);
    const auto big = segments(true, 1400, 1400, false, 80, 2000, 0x1235);
    CHECK(coalesce(c, {&small[0], &big[0]}).size() == 2);
  }
}

TEST_CASE("a merged frame stays within 64 KiB of IP and 64 segments", "[router][coalesce]") {
  const auto many = segments(true, 100 * 1000, 1000);
  FrameCoalescer c;
  const auto w = coalesce(c, ptrs(many));
  REQUIRE(w.size() == 2);
  std::size_t back = 0;
  for (const auto& x : w) {
    CHECK(x.bytes.size() - 14 <= 65535);
    const auto r = resegment(x);
    CHECK(r.size() <= 64);
    for (const auto& s : r) CHECK(s == many[back++]);
  }
  CHECK(back == many.size());
}

TEST_CASE("the fast Internet checksum equals a naive one", "[router][coalesce]") {
  const std::uint64_t seed = 20261128;
  std::printf("checksum seed %llu\n", static_cast<unsigned long long>(seed));
  SplitMix64Rng rng(seed);
  Bytes buf(3000);
  for (auto& b : buf) b = static_cast<std::uint8_t>(rng.next());
  for (int round = 0; round < 2000; ++round) {
    const std::size_t at = rng.next() % 64, n = rng.next() % 2900;
    std::uint64_t naive = 0;
    for (std::size_t i = 0; i + 1 < n; i += 2) naive += buf[at + i] << 8 | buf[at + i + 1];
    if (n % 2) naive += static_cast<std::uint64_t>(buf[at + n - 1]) << 8;
    INFO("offset " << at << " length " << n);
    CHECK(detail::checksum_fold(detail::checksum_sum(buf.data() + at, n)) ==
          detail::checksum_fold(naive));
  }
}
