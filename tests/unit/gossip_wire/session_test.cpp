// SPDX-License-Identifier: Apache-2.0
// Session: records in both directions, tampering, replay, gaps, rekeying and secrecy.
#include "weft/gossip/session.hpp"

#include "weft/gossip/frame_reader.hpp"

#include "gossip_wire_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>

using namespace weft;
using namespace weft::gossip;
using namespace std::chrono_literals;
using test::Bytes;

namespace {

struct Pair {
  Session a;  // initiator
  Session b;
};

Pair connect(bool encrypted, std::uint64_t seed = 1) {
  const std::optional<Psk> psk = encrypted ? std::optional(derive_psk("pw")) : std::nullopt;
  auto o = test::run_handshake(test::make_config(1, psk), test::make_config(2, psk), seed);
  REQUIRE(o.session_i);
  REQUIRE(o.session_r);
  return Pair{std::move(*o.session_i), std::move(*o.session_r)};
}

// Seals `message` and returns the frame payloads produced (a rekey adds one in front).
std::vector<Bytes> seal(Session& s, const Bytes& message, TimePoint now = kEpoch) {
  Bytes out;
  s.seal(out, message, now);
  FrameReader r;
  REQUIRE(r.feed(out));
  std::vector<Bytes> frames;
  while (auto f = r.next()) frames.push_back(std::move(*f));
  REQUIRE(r.buffered() == 0);
  return frames;
}

// Opens frames in order; returns the messages (rekey records yield none).
std::vector<Bytes> open_all(Session& s, const std::vector<Bytes>& frames) {
  std::vector<Bytes> out;
  for (const auto& f : frames) {
    auto r = s.open(f);
    REQUIRE(r);
    if (*r) out.push_back(std::move(**r));
  }
  return out;
}

Bytes msg(int i) {
  return encode_message(ChannelGossip{"test", PeerName(1), {static_cast<std::uint8_t>(i)}});
}

bool contains(const Bytes& hay, const std::string& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

}  // namespace

TEST_CASE("session: records flow both ways in order, counters count", "[gossip][session]") {
  for (const bool encrypted : {false, true}) {
    INFO("encrypted " << encrypted);
    auto [a, b] = connect(encrypted);
    for (int i = 0; i < 50; ++i) {
      CHECK(open_all(b, seal(a, msg(i))) == std::vector<Bytes>{msg(i)});
      CHECK(open_all(a, seal(b, msg(i + 100))) == std::vector<Bytes>{msg(i + 100)});
    }
    CHECK(a.records_sent() == 50);
    CHECK(b.records_received() == 50);
    CHECK(a.rekeys() == 0);
    // A moved session keeps working.
    Session moved = std::move(a);
    CHECK(open_all(b, seal(moved, msg(7))) == std::vector<Bytes>{msg(7)});
  }
}

TEST_CASE("session: the frame layout", "[gossip][session]") {
  auto plain = connect(false);
  Bytes out;
  plain.a.seal(out, msg(1), kEpoch);
  Bytes expected;
  append_frame(expected, msg(1));
  CHECK(out == expected);  // plaintext: the message bytes are the frame payload

  auto enc = connect(true);
  out.clear();
  enc.a.seal(out, msg(1), kEpoch);
  enc.a.seal(out, msg(2), kEpoch);
  const std::size_t len = 8 + msg(1).size() + 16;
  REQUIRE(out.size() == 2 * (4 + len));
  CHECK(out[3] == len);
  CHECK(std::all_of(out.begin() + 4, out.begin() + 12, [](auto b) { return b == 0; }));
  CHECK(out[4 + len + 4 + 7] == 1);  // the second record's counter is 1
}

TEST_CASE("session: encrypted records hide the plaintext, plaintext ones do not",
          "[gossip][session]") {
  const std::string nickname = "secret-host-nickname";
  const Bytes update = encode_message(TopologyUpdate{
      {PeerEntry{PeerName(9), nickname, 1, 1, {{PeerName(8), "10.1.2.3:6783", true, true}}}}});
  auto plain = connect(false);
  Bytes out;
  plain.a.seal(out, update, kEpoch);
  CHECK(contains(out, nickname));
  auto enc = connect(true);
  out.clear();
  enc.a.seal(out, update, kEpoch);
  CHECK_FALSE(contains(out, nickname));
  CHECK_FALSE(contains(out, "10.1.2.3"));
  CHECK(open_all(enc.b, {Bytes(out.begin() + 4, out.end())}) == std::vector<Bytes>{update});
}

TEST_CASE("session: flipping any byte of a record fails authentication", "[gossip][session]") {
  auto [a, b] = connect(true);
  const auto frames = seal(a, msg(5));
  REQUIRE(frames.size() == 1);
  const Bytes& record = frames[0];
  for (std::size_t i = 0; i < record.size(); ++i) {
    for (const std::uint8_t bit : {0x01, 0x80}) {
      INFO("byte " << i << " bit " << int(bit));
      Bytes bad = record;
      bad[i] ^= bit;
      auto r = b.open(bad);
      REQUIRE_FALSE(r);
      CHECK(r.error().message() == "record failed authentication (tampered or wrong key)");
      CHECK(r.error().is(Errc::corrupt));
    }
  }
  // The failures changed nothing: the genuine record still opens.
  CHECK(open_all(b, frames) == std::vector<Bytes>{msg(5)});
}

TEST_CASE("session: truncated records are parse errors", "[gossip][session]") {
  auto [a, b] = connect(true);
  const Bytes record = seal(a, msg(5))[0];
  for (std::size_t n = 0; n < kRecordOverheadBytes; ++n) {
    auto r = b.open(std::span(record).first(n));
    REQUIRE_FALSE(r);
    CHECK(r.error().is(Errc::parse_error));
    CHECK(r.error().message().starts_with("truncated record: " + std::to_string(n) + " bytes"));
  }
  for (std::size_t n = kRecordOverheadBytes; n < record.size(); ++n) {
    auto r = b.open(std::span(record).first(n));
    REQUIRE_FALSE(r);
    CHECK(r.error().is(Errc::corrupt));
  }
}

TEST_CASE("session: replayed and missing records", "[gossip][session]") {
  auto [a, b] = connect(true);
  const Bytes r0 = seal(a, msg(0))[0];
  const Bytes r1 = seal(a, msg(1))[0];
  const Bytes r2 = seal(a, msg(2))[0];
  REQUIRE(open_all(b, {r0}) == std::vector<Bytes>{msg(0)});
  auto r = b.open(r0);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "replayed record (counter 0, expected 1)");
  r = b.open(r2);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "records missing (counter 2, expected 1)");
  CHECK(open_all(b, {r1, r2}) == std::vector<Bytes>{msg(1), msg(2)});
  // A record from the other direction does not open here either (other key).
  auto back = seal(b, msg(3));
  r = b.open(back[0]);
  REQUIRE_FALSE(r);
  CHECK(r.error().is(Errc::corrupt));
}

TEST_CASE("session: rekey after N records, both directions, several times", "[gossip][session]") {
  auto [a, b] = connect(true);
  a.set_limits({3, 1h});
  b.set_limits({5, 1h});
  for (int i = 0; i < 31; ++i) {
    INFO("message " << i);
    REQUIRE(open_all(b, seal(a, msg(i))) == std::vector<Bytes>{msg(i)});
    REQUIRE(open_all(a, seal(b, msg(i))) == std::vector<Bytes>{msg(i)});
  }
  // 31 messages, 3 (or 5) per key: a rekey before messages 3, 6, ..., 30 (and 5, ..., 30).
  CHECK(a.rekeys() == 10);
  CHECK(b.rekeys_received() == 10);
  CHECK(b.rekeys() == 6);
  CHECK(a.rekeys_received() == 6);
  CHECK(a.records_sent() == 31 + 10);
  CHECK(b.records_received() == 31 + 10);
  // The rekey record goes in front of the message that found the limit reached.
  a.set_limits({1, 1h});
  CHECK(seal(a, msg(1)).size() == 2);
}

TEST_CASE("session: time-based rekey", "[gossip][session]") {
  auto [a, b] = connect(true);
  a.set_limits({1u << 20, 10s});
  const TimePoint t0 = kEpoch + 1000s;  // the clock starts at the first seal
  CHECK(open_all(b, seal(a, msg(0), t0)) == std::vector<Bytes>{msg(0)});
  CHECK(seal(a, msg(1), t0 + 9s).size() == 1);
  auto frames = seal(a, msg(2), t0 + 10s);
  CHECK(frames.size() == 2);
  CHECK(a.rekeys() == 1);
  CHECK(seal(a, msg(3), t0 + 19s).size() == 1);  // 9 s after the rekey
  CHECK(seal(a, msg(4), t0 + 20s).size() == 2);
  CHECK(a.rekeys() == 2);
}

TEST_CASE("session: a record from before a rekey cannot be opened after it", "[gossip][session]") {
  auto [a, b] = connect(true);
  a.set_limits({2, 1h});
  const auto first = seal(a, msg(0));   // counter 0 under key 0
  const auto second = seal(a, msg(1));  // counter 1 under key 0
  const auto third = seal(a, msg(2));   // rekey record, then counter 0 under key 1
  REQUIRE(third.size() == 2);
  CHECK(open_all(b, first) == std::vector<Bytes>{msg(0)});
  CHECK(open_all(b, second) == std::vector<Bytes>{msg(1)});
  CHECK(open_all(b, third) == std::vector<Bytes>{msg(2)});
  CHECK(b.rekeys_received() == 1);
  // Replaying the old counter-0 record now: the new key does not authenticate it.
  auto r = b.open(first[0]);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "record failed authentication (tampered or wrong key)");
  // Nor does dropping the rekey record work: the next key's records fail on the old key.
  auto [c, d] = connect(true, 2);
  c.set_limits({1, 1h});
  REQUIRE(open_all(d, seal(c, msg(0))) == std::vector<Bytes>{msg(0)});
  const auto with_rekey = seal(c, msg(1));
  REQUIRE(with_rekey.size() == 2);
  r = d.open(with_rekey[1]);
  REQUIRE_FALSE(r);
  CHECK(r.error().is(Errc::corrupt));
}

TEST_CASE("session: plaintext mode passes payloads through and never rekeys", "[gossip][session]") {
  auto [a, b] = connect(false);
  a.set_limits({1, 1s});
  for (int i = 0; i < 5; ++i) {
    CHECK(open_all(b, seal(a, msg(i), kEpoch + std::chrono::seconds(10 * i))) ==
          std::vector<Bytes>{msg(i)});
  }
  CHECK(a.rekeys() == 0);
  // Nothing is authenticated: what arrives is handed on for decode_message to judge.
  auto r = b.open(Bytes{0xff});
  REQUIRE(r);
  REQUIRE(*r);
  CHECK(**r == Bytes{0xff});
}
