// SPDX-License-Identifier: Apache-2.0
// Sleeve datagrams: header and record codec, sealing with both AEADs, and every way a
// datagram must be dropped (tampered, replayed, too old, truncated, wrong key or sender,
// plaintext where a password is set), the key ratchet, and the replay window against a
// naive model over random counters (fixed seeds, printed on failure).
#include "weft/base/rng.hpp"
#include "weft/router/replay_window.hpp"
#include "weft/router/sleeve_control.hpp"
#include "weft/router/sleeve_crypto.hpp"
#include "weft/router/sleeve_wire.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

using namespace weft;
using namespace weft::router;
using namespace std::chrono_literals;

namespace {

const PeerName kA(0xa1);
const PeerName kB(0xb2);
const PeerName kC(0xc3);
constexpr SleeveKey kKeyAB{1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                           17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
constexpr SleeveKey kOtherKey{99};

std::vector<std::uint8_t> frame(std::size_t n, std::uint8_t fill) {
  std::vector<std::uint8_t> f(n, fill);
  f[0] = 0x02;  // a locally administered destination MAC, as a pod's would be
  return f;
}

std::vector<SleeveCipher> sealed_ciphers() {
  std::vector<SleeveCipher> c{SleeveCipher::chacha20poly1305};
  if (aes256gcm_available()) c.push_back(SleeveCipher::aes256gcm);
  return c;
}

// One datagram from A to B carrying `frames`.
std::vector<std::uint8_t> seal(SleeveSealer& s,
                               const std::vector<std::vector<std::uint8_t>>& frames,
                               TimePoint now = kEpoch) {
  std::vector<std::uint8_t> d;
  s.begin(d);
  for (const auto& f : frames) REQUIRE(s.append(d, {kA, kB, kSleeveDefaultTtl, f}, 65535));
  s.finish(d, now);
  return d;
}

}  // namespace

TEST_CASE("sleeve headers round-trip and bad ones are refused", "[router][sleeve]") {
  const SleeveHeader h{SleeveCipher::aes256gcm, 7, kA, 0x0102030405060708};
  std::vector<std::uint8_t> d;
  write_sleeve_header(d, h);
  REQUIRE(d.size() == kSleeveHeaderBytes);
  CHECK(d[0] == 0x12);
  auto back = decode_sleeve_header(d);
  REQUIRE(back);
  CHECK(*back == h);

  for (std::size_t n = 0; n < kSleeveHeaderBytes; ++n) {
    CHECK_FALSE(decode_sleeve_header(std::span(d).first(n)));
  }
  auto bad = d;
  bad[0] = 0x22;
  CHECK(decode_sleeve_header(bad).error().code() == Errc::unsupported);
  CHECK_THAT(decode_sleeve_header(bad).error().message(), Catch::Contains("version 2"));
  bad = d;
  bad[0] = 0x13;
  CHECK_THAT(decode_sleeve_header(bad).error().message(), Catch::Contains("unknown cipher 3"));
  bad = d;
  bad[3] = 1;
  CHECK_THAT(decode_sleeve_header(bad).error().message(), Catch::Contains("reserved"));
  bad = d;
  std::fill(bad.begin() + 4, bad.begin() + 12, 0);
  CHECK_THAT(decode_sleeve_header(bad).error().message(), Catch::Contains("sender is zero"));
}

TEST_CASE("sleeve records round-trip; malformed bodies append nothing", "[router][sleeve]") {
  const auto f1 = frame(60, 0x11);
  const auto f2 = frame(1514, 0x22);
  std::vector<std::uint8_t> body;
  append_sleeve_record(body, {kA, kC, 3, f1});
  append_sleeve_record(body, {kB, kA, kSleeveDefaultTtl, f2});
  CHECK(body.size() == sleeve_record_bytes(60) + sleeve_record_bytes(1514));
  std::vector<SleeveRecord> out;
  REQUIRE(decode_sleeve_records(body, out));
  REQUIRE(out.size() == 2);
  CHECK(out[0].origin == kA);
  CHECK(out[0].destination == kC);
  CHECK(out[0].ttl == 3);
  CHECK(std::vector<std::uint8_t>(out[0].frame.begin(), out[0].frame.end()) == f1);
  CHECK(out[1].destination == kA);
  CHECK(std::vector<std::uint8_t>(out[1].frame.begin(), out[1].frame.end()) == f2);

  // Every cut inside a record fails; cuts at a record boundary are whole bodies.
  for (std::size_t n = 1; n < body.size(); ++n) {
    if (n == sleeve_record_bytes(60)) continue;
    std::vector<SleeveRecord> none;
    CHECK_FALSE(decode_sleeve_records(std::span(body).first(n), none));
    CHECK(none.empty());
  }
  std::vector<std::uint8_t> zero_len = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa1, 0, 0, 0, 0, 0, 0, 0, 0, 8};
  CHECK_THAT(decode_sleeve_records(zero_len, out).error().message(),
             Catch::Contains("empty frame"));
  std::vector<std::uint8_t> zero_origin;
  append_sleeve_record(zero_origin, {PeerName(), kB, 1, f1});
  CHECK_THAT(decode_sleeve_records(zero_origin, out).error().message(),
             Catch::Contains("zero origin"));
  std::vector<std::uint8_t> many;
  for (std::size_t i = 0; i <= kSleeveMaxRecords; ++i) append_sleeve_record(many, {kA, kB, 1, f1});
  CHECK_THAT(decode_sleeve_records(many, out).error().message(), Catch::Contains("more than 64"));
}

TEST_CASE("sealed datagrams open on the other side, several frames in one", "[router][sleeve]") {
  for (const SleeveCipher cipher : sealed_ciphers()) {
    INFO(to_string(cipher));
    SleeveSealer tx(kA, cipher, kKeyAB);
    SleeveOpener rx(kA, true, kKeyAB);
    const auto f1 = frame(98, 0x41);
    const auto f2 = frame(1400, 0x42);
    auto d = seal(tx, {f1, f2});
    CHECK(d.size() == tx.overhead() + sleeve_record_bytes(98) + sleeve_record_bytes(1400));
    // The payload does not appear in the sealed datagram.
    const std::vector<std::uint8_t> needle(32, 0x42);
    CHECK(std::search(d.begin(), d.end(), needle.begin(), needle.end()) == d.end());
    std::vector<SleeveRecord> out;
    REQUIRE(rx.open(d, out));
    REQUIRE(out.size() == 2);
    CHECK(std::vector<std::uint8_t>(out[1].frame.begin(), out[1].frame.end()) == f2);
    CHECK(rx.opened() == 1);
    CHECK(tx.datagrams() == 1);
  }
}

TEST_CASE("append stops at the datagram size, counting the tag", "[router][sleeve]") {
  SleeveSealer tx(kA, SleeveCipher::chacha20poly1305, kKeyAB);
  const auto f = frame(400, 1);
  const std::size_t max = 1472;  // a 1500-byte underlay: 1500 - 20 (IPv4) - 8 (UDP)
  std::vector<std::uint8_t> d;
  tx.begin(d);
  int fitted = 0;
  while (tx.append(d, {kA, kB, 1, f}, max)) ++fitted;
  CHECK(fitted == 3);  // 20 + 3 * 419 + 16 = 1293; a fourth would make 1712
  tx.finish(d, kEpoch);
  CHECK(d.size() <= max);
  SleeveOpener rx(kA, true, kKeyAB);
  std::vector<SleeveRecord> out;
  REQUIRE(rx.open(d, out));
  CHECK(out.size() == 3);
}

TEST_CASE("tampered, truncated, misdirected and mis-keyed datagrams are dropped",
          "[router][sleeve]") {
  for (const SleeveCipher cipher : sealed_ciphers()) {
    INFO(to_string(cipher));
    SleeveSealer tx(kA, cipher, kKeyAB);
    SleeveOpener rx(kA, true, kKeyAB);
    const auto good = seal(tx, {frame(200, 7)});
    std::vector<SleeveRecord> out;
    // A flipped bit anywhere: header (version, cipher, epoch, reserved, sender, counter are
    // all either checked or authenticated), body or tag.
    for (std::size_t i = 0; i < good.size(); ++i) {
      auto bad = good;
      bad[i] ^= 0x01;
      CHECK_FALSE(rx.open(bad, out));
    }
    for (std::size_t n = 0; n < good.size(); ++n) {
      auto cut = std::vector<std::uint8_t>(good.begin(), good.begin() + static_cast<long>(n));
      CHECK_FALSE(rx.open(cut, out));
    }
    CHECK(out.empty());
    CHECK(rx.auth_failures() > 0);
    // None of that moved the window: the genuine datagram still opens, once.
    auto copy = good;
    REQUIRE(rx.open(copy, out));
    copy = good;
    auto replay = rx.open(copy, out);
    REQUIRE_FALSE(replay);
    CHECK(replay.error().code() == Errc::out_of_range);
    CHECK_THAT(replay.error().message(), Catch::Contains("replayed"));
    CHECK(rx.replays() == 1);

    auto other = seal(tx, {frame(60, 1)});
    SleeveOpener wrong_key(kA, true, kOtherKey);
    CHECK(wrong_key.open(other, out).error().code() == Errc::corrupt);
    other = seal(tx, {frame(60, 1)});
    SleeveOpener wrong_sender(kC, true, kKeyAB);
    CHECK(wrong_sender.open(other, out).error().code() == Errc::invalid_argument);
  }
}

TEST_CASE("plaintext and sealed datagrams each belong to their kind of connection",
          "[router][sleeve]") {
  SleeveSealer plain(kA, SleeveCipher::plaintext, SleeveKey{});
  SleeveSealer sealed(kA, SleeveCipher::chacha20poly1305, kKeyAB);
  const auto f = frame(64, 0x55);
  auto p = seal(plain, {f});
  CHECK(p.size() == kSleeveHeaderBytes + sleeve_record_bytes(64));
  SleeveOpener open_plain(kA, false, SleeveKey{});
  SleeveOpener open_sealed(kA, true, kKeyAB);
  std::vector<SleeveRecord> out;
  REQUIRE(open_plain.open(p, out));
  CHECK(out.size() == 1);
  auto spoof = open_sealed.open(p, out);
  REQUIRE_FALSE(spoof);
  CHECK(spoof.error().code() == Errc::unsupported);
  CHECK_THAT(spoof.error().message(), Catch::Contains("plaintext sleeve datagram"));
  auto s = seal(sealed, {f});
  CHECK(open_plain.open(s, out).error().code() == Errc::unsupported);
}

TEST_CASE("datagrams reordered within the window open; older ones do not", "[router][sleeve]") {
  SleeveSealer tx(kA, SleeveCipher::chacha20poly1305, kKeyAB);
  SleeveOpener rx(kA, true, kKeyAB);
  std::vector<std::vector<std::uint8_t>> sent;
  for (int i = 0; i < 5000; ++i) sent.push_back(seal(tx, {frame(60, 3)}));
  std::vector<SleeveRecord> out;
  REQUIRE(rx.open(sent[4999], out));
  REQUIRE(rx.open(sent[4999 - ReplayWindow::kWindow], out));  // the edge of the window
  auto old = rx.open(sent[4999 - ReplayWindow::kWindow - 1], out);
  REQUIRE_FALSE(old);
  CHECK_THAT(old.error().message(), Catch::Contains("too old"));
  REQUIRE(rx.open(sent[4000], out));
  CHECK_FALSE(rx.open(sent[4000], out));
}

TEST_CASE("the send key ratchets and the receiver follows, across loss and reordering",
          "[router][sleeve]") {
  for (const SleeveCipher cipher : sealed_ciphers()) {
    INFO(to_string(cipher));
    SleeveSealer tx(kA, cipher, kKeyAB, SleeveRekey{3, 1h});
    SleeveOpener rx(kA, true, kKeyAB);
    std::vector<SleeveRecord> out;
    std::vector<std::vector<std::uint8_t>> d;
    for (int i = 0; i < 7; ++i) d.push_back(seal(tx, {frame(60, static_cast<std::uint8_t>(i))}));
    CHECK(tx.epoch() == 2);  // 3 under epoch 0, 3 under 1, then 2
    CHECK(d[3][1] == 1);
    CHECK(d[6][1] == 2);
    // Epoch 1's first datagram arrives before epoch 0's last: both open.
    REQUIRE(rx.open(d[0], out));
    REQUIRE(rx.open(d[3], out));
    REQUIRE(rx.open(d[2], out));  // previous epoch, in flight
    REQUIRE(rx.open(d[6], out));  // now epoch 2; epoch 1 is the previous one
    REQUIRE(rx.open(d[4], out));
    CHECK_FALSE(rx.open(d[1], out));  // two epochs back: its key is gone
    // A forged "next epoch" datagram does not move the receiver.
    auto forged = seal(tx, {frame(60, 9)});
    forged[1] = static_cast<std::uint8_t>(forged[1] + 1);
    CHECK(rx.open(forged, out).error().code() == Errc::corrupt);
    auto next = seal(tx, {frame(60, 9)});  // epoch 2, counter 2
    REQUIRE(rx.open(next, out));

    // Every datagram of several epochs lost: the receiver skips ahead (up to kMaxEpochSkip).
    SleeveSealer tx2(kA, cipher, kKeyAB, SleeveRekey{1, 1h});
    SleeveOpener rx2(kA, true, kKeyAB);
    std::vector<std::uint8_t> last;
    for (std::uint64_t i = 0; i <= SleeveOpener::kMaxEpochSkip; ++i)
      last = seal(tx2, {frame(60, 1)});
    REQUIRE(rx2.open(last, out));
    for (std::uint64_t i = 0; i <= SleeveOpener::kMaxEpochSkip + 1; ++i)
      last = seal(tx2, {frame(60, 1)});
    auto too_far = rx2.open(last, out);
    REQUIRE_FALSE(too_far);
    CHECK_THAT(too_far.error().message(), Catch::Contains("key epoch"));
  }
}

TEST_CASE("the send key also ratchets with time", "[router][sleeve]") {
  SleeveSealer tx(kA, SleeveCipher::chacha20poly1305, kKeyAB, SleeveRekey{1000, 2min});
  SleeveOpener rx(kA, true, kKeyAB);
  std::vector<SleeveRecord> out;
  auto d0 = seal(tx, {frame(60, 1)}, kEpoch + 10s);
  auto d1 = seal(tx, {frame(60, 1)}, kEpoch + 2min + 9s);
  auto d2 = seal(tx, {frame(60, 1)}, kEpoch + 2min + 10s);
  CHECK(d1[1] == 0);
  CHECK(d2[1] == 1);
  REQUIRE(rx.open(d0, out));
  REQUIRE(rx.open(d2, out));
  REQUIRE(rx.open(d1, out));
}

TEST_CASE("the replay window agrees with a naive model", "[router][sleeve]") {
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    INFO("seed " << seed << " (replay: this test with that seed)");
    Xoshiro256Rng rng(seed);
    ReplayWindow w;
    std::set<std::uint64_t> seen;
    std::uint64_t highest = 0;
    for (int step = 0; step < 20000; ++step) {
      // Mostly near the top (reordering), sometimes far back, sometimes a jump ahead.
      const std::uint64_t r = rng.next() % 100;
      std::uint64_t c = 0;
      if (r < 70) {
        c = highest + rng.next() % 64 - std::min<std::uint64_t>(highest, 32);
      } else if (r < 90) {
        c = highest - std::min<std::uint64_t>(highest, rng.next() % 5000);
      } else {
        c = highest + rng.next() % 10000;
      }
      ReplayWindow::Verdict want = ReplayWindow::Verdict::fresh;
      if (!seen.empty() && c <= highest && highest - c > ReplayWindow::kWindow) {
        want = ReplayWindow::Verdict::too_old;
      } else if (seen.contains(c)) {
        want = ReplayWindow::Verdict::replayed;
      }
      INFO("step " << step << " counter " << c << " highest " << highest);
      REQUIRE(w.check(c) == want);
      REQUIRE(w.accept(c) == want);
      if (want == ReplayWindow::Verdict::fresh) {
        seen.insert(c);
        highest = std::max(highest, c);
      }
    }
  }
}

TEST_CASE("a probe seals to exactly its size and opens as a control record", "[router][sleeve]") {
  auto ciphers = sealed_ciphers();
  ciphers.push_back(SleeveCipher::plaintext);
  for (const auto cipher : ciphers) {
    INFO("cipher " << to_string(cipher));
    for (const std::size_t size : {548u, 1000u, 1372u, 1472u, 8972u}) {
      SleeveSealer tx(kA, cipher, kKeyAB);
      SleeveOpener rx(kA, cipher != SleeveCipher::plaintext, kKeyAB);
      const auto message =
          encode_sleeve_control({SleeveControlKind::probe, 9, static_cast<std::uint16_t>(size)},
                                sleeve_probe_padding(size, tx.overhead()));
      std::vector<std::uint8_t> d;
      tx.begin(d);
      REQUIRE(tx.append(d, {kA, PeerName(), 1, message}, size));
      tx.finish(d, kEpoch);
      CHECK(d.size() == size);
      std::vector<SleeveRecord> out;
      REQUIRE(rx.open(d, out));
      REQUIRE(out.size() == 1);
      CHECK(is_sleeve_control(out[0]));
      auto m = decode_sleeve_control(out[0].frame);
      REQUIRE(m);
      CHECK(m->size == size);
      CHECK(m->id == 9);
    }
  }
}
