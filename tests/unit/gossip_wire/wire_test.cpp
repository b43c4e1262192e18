// SPDX-License-Identifier: Apache-2.0
// wire.hpp: round trips of every message and the Hello, exact layouts, and rejects.
#include "weft/gossip/wire.hpp"

#include "weft/base/bytes.hpp"

#include "gossip_wire_support.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace weft;
using namespace weft::gossip;
using test::Bytes;

namespace {

Hello sample_hello(Rng& rng) {
  Hello h;
  h.min_version = static_cast<std::uint16_t>(rng.uniform(5));
  h.max_version = static_cast<std::uint16_t>(h.min_version + rng.uniform(5));
  h.features = static_cast<std::uint32_t>(rng.next());
  h.name = test::random_name(rng);
  h.incarnation = test::random_u64(rng);
  for (auto& b : h.static_public) b = static_cast<std::uint8_t>(rng.next());
  for (auto& b : h.ephemeral_public) b = static_cast<std::uint8_t>(rng.next());
  return h;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// One valid encoding per message type, with non-empty lists and strings.
std::vector<Bytes> one_of_each() {
  const PeerName a(0x0a), b(0x0b);
  std::vector<Message> ms = {
      Heartbeat{},
      TopologyUpdate{
          {PeerEntry{a, "host-a", 7, 9, {ConnectionEntry{b, "10.0.0.2:6783", true, true}}},
           PeerEntry{b, "", 1, 2, {}}}},
      TopologyDigest{true, {{a, 1}, {b, 2}}},
      DigestHash{{1, 2, 3}, 2},
      ChannelUnicast{"ipam", a, b, {1, 2, 3}},
      ChannelBroadcast{"dns", a, {4}},
      ChannelGossip{"ipam", b, {}},
      TopologyRequest{{a, b}},
  };
  std::vector<Bytes> out;
  for (const auto& m : ms) out.push_back(encode_message(m));
  return out;
}

}  // namespace

TEST_CASE("every message type round-trips, canonically", "[gossip][wire]") {
  Xoshiro256Rng rng(20240601);
  std::set<std::size_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const Message m = test::random_message(rng);
    seen.insert(m.index());
    const Bytes enc = encode_message(m);
    REQUIRE(enc.at(0) == m.index() + 1);
    auto back = decode_message(enc);
    INFO("iteration " << i << " type " << m.index());
    REQUIRE(back);
    CHECK(*back == m);
    CHECK(encode_message(*back) == enc);
  }
  CHECK(seen.size() == std::variant_size_v<Message>);
}

TEST_CASE("Hello round-trips and has the documented layout", "[gossip][wire]") {
  Xoshiro256Rng rng(7);
  for (int i = 0; i < 1000; ++i) {
    const Hello h = sample_hello(rng);
    const Bytes enc = encode_hello(h);
    REQUIRE(enc.size() == kHelloBytes);
    auto back = decode_hello(enc);
    REQUIRE(back);
    CHECK(*back == h);
  }
  Hello h;
  h.min_version = 1;
  h.max_version = 2;
  h.features = kFeatureEncryption;
  h.name = PeerName(0x0102030405060708);
  h.incarnation = 0x1112131415161718;
  h.static_public.fill(0xaa);
  h.ephemeral_public.fill(0xbb);
  const Bytes enc = encode_hello(h);
  const Bytes head = {'W', 'E', 'F', 'T', 0, 1,    0,    2,    0,    0,    0,    1,    1,    2,   3,
                      4,   5,   6,   7,   8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0xaa};
  CHECK(Bytes(enc.begin(), enc.begin() + static_cast<std::ptrdiff_t>(head.size())) == head);
  CHECK(enc[28 + 32] == 0xbb);
}

TEST_CASE("decode_hello: magic, empty ranges, zero names, truncation, extensions",
          "[gossip][wire]") {
  Hello h;
  h.name = PeerName(5);
  const Bytes good = encode_hello(h);

  Bytes bad_magic = good;
  bad_magic[0] = 'X';
  auto r = decode_hello(bad_magic);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "not a weft peer (bad magic)");
  CHECK(r.error().is(Errc::parse_error));

  Bytes empty_range = good;
  empty_range[5] = 3;  // min 3, max 1
  r = decode_hello(empty_range);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "hello version range 3..1 is empty");

  Bytes zero_name = good;
  std::fill(zero_name.begin() + 12, zero_name.begin() + 20, 0);
  r = decode_hello(zero_name);
  REQUIRE_FALSE(r);
  CHECK(contains(r.error().message(), "hello peer name is zero"));

  for (std::size_t n = 0; n < good.size(); ++n) {
    INFO("truncated to " << n);
    r = decode_hello(std::span(good).first(n));
    REQUIRE_FALSE(r);
    CHECK(r.error().is(Errc::out_of_range));
    CHECK(contains(r.error().message(), "hello"));
  }

  // A later version's extra fields are skipped, so its version range can still be read.
  Bytes extended = good;
  extended.insert(extended.end(), {9, 9, 9});
  r = decode_hello(extended);
  REQUIRE(r);
  CHECK(*r == h);
}

TEST_CASE("decode_message rejects every truncation and any trailing byte", "[gossip][wire]") {
  Xoshiro256Rng rng(99);
  auto encodings = one_of_each();
  for (int i = 0; i < 50; ++i) encodings.push_back(encode_message(test::random_message(rng)));
  for (const auto& enc : encodings) {
    for (std::size_t n = 0; n < enc.size(); ++n) {
      INFO("type " << int(enc[0]) << " truncated to " << n << " of " << enc.size());
      auto r = decode_message(std::span(enc).first(n));
      REQUIRE_FALSE(r);
      CHECK((r.error().is(Errc::out_of_range) || r.error().is(Errc::parse_error)));
    }
    Bytes longer = enc;
    longer.push_back(0);
    auto r = decode_message(longer);
    REQUIRE_FALSE(r);
    CHECK(r.error().message() ==
          "1 unexpected bytes after message at offset " + std::to_string(enc.size()));
  }
}

TEST_CASE("decode_message rejects unknown types, including the rekey tag", "[gossip][wire]") {
  for (int tag : {0, int(std::variant_size_v<Message>) + 1, 200, int(kRekeyTag)}) {
    auto r = decode_message(Bytes{static_cast<std::uint8_t>(tag)});
    REQUIRE_FALSE(r);
    CHECK(r.error().message() == "unknown message type " + std::to_string(tag));
  }
  auto r = decode_message(Bytes{});
  REQUIRE_FALSE(r);
  CHECK(contains(r.error().message(), "message type"));
}

TEST_CASE("decode_message rejects oversize strings and names the field", "[gossip][wire]") {
  const PeerName a(1);
  struct Case {
    Message message;
    std::size_t limit;
    std::string field;
  };
  const std::vector<Case> cases = {
      {TopologyUpdate{{PeerEntry{a, std::string(kMaxNicknameBytes, 'n'), 0, 0, {}}}},
       kMaxNicknameBytes, "peer entry nickname"},
      {TopologyUpdate{
           {PeerEntry{a, "", 0, 0, {{a, std::string(kMaxAddressBytes, 'x'), false, false}}}}},
       kMaxAddressBytes, "connection address"},
      {ChannelUnicast{std::string(kMaxChannelNameBytes, 'c'), a, a, {}}, kMaxChannelNameBytes,
       "unicast channel name"},
      {ChannelBroadcast{std::string(kMaxChannelNameBytes, 'c'), a, {}}, kMaxChannelNameBytes,
       "broadcast channel name"},
      {ChannelGossip{std::string(kMaxChannelNameBytes, 'c'), a, {}}, kMaxChannelNameBytes,
       "gossip channel name"},
  };
  for (const auto& c : cases) {
    INFO(c.field);
    Bytes enc = encode_message(c.message);
    REQUIRE(decode_message(enc));  // exactly at the limit is fine
    // Grow the string by one byte: find its u16 length prefix and bump it.
    const auto len_hi = static_cast<std::uint8_t>(c.limit >> 8);
    const auto len_lo = static_cast<std::uint8_t>(c.limit);
    const Bytes pattern = {len_hi, len_lo};
    const auto it = std::search(enc.begin(), enc.end(), pattern.begin(), pattern.end());
    REQUIRE(it != enc.end());
    const auto at = static_cast<std::size_t>(it - enc.begin());
    const auto grown = static_cast<std::uint16_t>(c.limit + 1);
    enc[at] = static_cast<std::uint8_t>(grown >> 8);
    enc[at + 1] = static_cast<std::uint8_t>(grown);
    enc.insert(enc.begin() + static_cast<std::ptrdiff_t>(at + 2), 'z');
    auto r = decode_message(enc);
    REQUIRE_FALSE(r);
    CHECK(r.error().is(Errc::parse_error));
    CHECK(contains(r.error().message(), c.field));
    CHECK(contains(r.error().message(), "more than the limit of " + std::to_string(c.limit)));
  }
}

TEST_CASE("decode_message bounds list counts by the bytes that remain", "[gossip][wire]") {
  // A tiny message that declares 4 billion entries must fail before allocating anything.
  struct Case {
    Bytes bytes;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{2, 0xff, 0xff, 0xff, 0xff}, "topology update entry count of 4294967295"},
      {{3, 0, 0xff, 0xff, 0xff, 0xff, 1, 2, 3}, "digest item count of 4294967295"},
      {{8, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1}, "topology request name count of 2"},
      // One peer entry (name 1, empty nickname, incarnation 0, version 0) claiming 2^32-1
      // connections, plus 11 bytes: enough for one connection, not two.
      {[] {
         ByteWriter w;
         w.write_u8(2);
         w.write_u32(1);
         w.write_u64(1);
         w.write_u16(0);
         w.write_u64(0);
         w.write_u64(0);
         w.write_u32(2);
         w.write_bytes(Bytes(11, 1));
         return w.take();
       }(),
       "peer entry connection count of 2"},
  };
  for (const auto& c : cases) {
    auto r = decode_message(c.bytes);
    REQUIRE_FALSE(r);
    CHECK(r.error().is(Errc::parse_error));
    CHECK(contains(r.error().message(), c.field));
  }
  // An exact fit passes the bound: 2 digest items in exactly 32 bytes.
  Bytes fit = encode_message(TopologyDigest{false, {{PeerName(1), 1}, {PeerName(2), 2}}});
  CHECK(decode_message(fit));
}

TEST_CASE("decode_message rejects zero names and unknown flag bits", "[gossip][wire]") {
  Bytes unicast = encode_message(ChannelUnicast{"c", PeerName(1), PeerName(2), {}});
  // tag, u16 len, "c", src (8), dst (8)
  std::fill(unicast.begin() + 12, unicast.begin() + 20, 0);
  auto r = decode_message(unicast);
  REQUIRE_FALSE(r);
  CHECK(contains(r.error().message(), "unicast destination is zero"));

  Bytes digest = encode_message(TopologyDigest{true, {}});
  digest[1] = 0x03;
  r = decode_message(digest);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "digest flags has unknown bits set");

  Bytes update = encode_message(
      TopologyUpdate{{PeerEntry{PeerName(1), "", 0, 0, {{PeerName(2), "", false, true}}}}});
  update.back() = 0x80;
  r = decode_message(update);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "connection flags has unknown bits set");
}

TEST_CASE("known encodings of small messages", "[gossip][wire]") {
  CHECK(encode_message(Heartbeat{}) == Bytes{1});
  CHECK(encode_message(ChannelGossip{"ab", PeerName(3), {9}}) ==
        Bytes{7, 0, 2, 'a', 'b', 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1, 9});
  CHECK(encode_message(TopologyRequest{{PeerName(1)}}) ==
        Bytes{8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1});
  CHECK(encode_message(TopologyDigest{true, {{PeerName(1), 2}}}) ==
        Bytes{3, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2});
}

TEST_CASE("append_frame writes a big-endian length", "[gossip][wire]") {
  Bytes out = {0xee};
  append_frame(out, Bytes{1, 2, 3});
  CHECK(out == Bytes{0xee, 0, 0, 0, 3, 1, 2, 3});
  append_frame(out, Bytes{});
  CHECK(out.size() == 12);
}
