// SPDX-License-Identifier: Apache-2.0
// ByteWriter/ByteReader: big-endian layout, round trips, and truncation at every offset.
#include "weft/base/bytes.hpp"

#include <catch2/catch.hpp>

#include <string>

using weft::ByteReader;
using weft::ByteWriter;
using Bytes = std::vector<std::uint8_t>;

namespace {
Bytes vec(std::span<const std::uint8_t> s) {
  return {s.begin(), s.end()};
}

// One of each kind of field; returns the message built by the writer.
Bytes sample_message() {
  ByteWriter w;
  w.write_u8(0x01);
  w.write_u16(0x0203);
  w.write_u32(0x04050607);
  w.write_u64(0x08090a0b0c0d0e0fULL);
  REQUIRE(w.write_prefixed_u16("weft"));
  REQUIRE(w.write_prefixed_u32(Bytes{0xaa, 0xbb}));
  w.write_bytes(Bytes{0xcc, 0xdd});
  return w.take();
}

// Reads sample_message(); the first failure is returned with its message.
weft::Result<void> read_sample(ByteReader& r) {
  auto a = r.read_u8("version");
  if (!a) return a.error();
  auto b = r.read_u16("flags");
  if (!b) return b.error();
  auto c = r.read_u32("sequence");
  if (!c) return c.error();
  auto d = r.read_u64("peer");
  if (!d) return d.error();
  auto e = r.read_prefixed_u16(16, "nickname");
  if (!e) return e.error();
  auto f = r.read_prefixed_u32(16, "payload");
  if (!f) return f.error();
  auto g = r.read_bytes(2, "trailer");
  if (!g) return g.error();
  return r.expect_end();
}
}  // namespace

TEST_CASE("ByteWriter writes big-endian", "[bytes]") {
  const Bytes expected = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
                          0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x00, 0x04, 'w',  'e',  'f',
                          't',  0x00, 0x00, 0x00, 0x02, 0xaa, 0xbb, 0xcc, 0xdd};
  CHECK(sample_message() == expected);
}

TEST_CASE("ByteReader reads back what ByteWriter wrote", "[bytes]") {
  const Bytes msg = sample_message();
  ByteReader r(msg);
  CHECK(r.remaining() == msg.size());
  CHECK(*r.read_u8() == 0x01);
  CHECK(*r.read_u16() == 0x0203);
  CHECK(*r.read_u32() == 0x04050607U);
  CHECK(*r.read_u64() == 0x08090a0b0c0d0e0fULL);
  const auto name = r.read_prefixed_u16(100);
  REQUIRE(name);
  CHECK(std::string(name->begin(), name->end()) == "weft");
  CHECK(vec(*r.read_prefixed_u32(100)) == Bytes{0xaa, 0xbb});
  CHECK(r.offset() == msg.size() - 2);
  CHECK_FALSE(r.at_end());
  CHECK(r.expect_end("sample").error().is(weft::Errc::parse_error));
  CHECK(vec(r.read_rest()) == Bytes{0xcc, 0xdd});
  CHECK(r.at_end());
  CHECK(r.remaining() == 0);
  CHECK(r.read_rest().empty());
  CHECK(r.expect_end());
}

TEST_CASE("ByteReader fails cleanly when truncated at every offset", "[bytes]") {
  const Bytes msg = sample_message();
  {
    ByteReader whole(msg);
    REQUIRE(read_sample(whole));
  }
  for (std::size_t n = 0; n < msg.size(); ++n) {
    // A copy of exactly n bytes, so ASan sees any read past the end.
    const Bytes cut(msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(n));
    ByteReader r(cut);
    INFO("truncated to " << n << " bytes");
    const auto res = read_sample(r);
    REQUIRE_FALSE(res);
    CHECK(res.error().is(weft::Errc::out_of_range));
    CHECK(res.error().message().find("truncated input: reading ") == 0);
    CHECK(r.offset() <= n);
  }
}

TEST_CASE("ByteReader errors name the field and offset, and consume nothing", "[bytes]") {
  const Bytes data = {0x00, 0x01, 0x02};
  ByteReader r(data);
  REQUIRE(r.read_u8());
  auto e = r.read_u32("sequence number");
  REQUIRE_FALSE(e);
  CHECK(e.error().message() ==
        "truncated input: reading sequence number (4 bytes) at offset 1, 2 remain");
  CHECK(r.offset() == 1);
  CHECK_FALSE(r.skip(3));
  CHECK(r.offset() == 1);
  CHECK(r.skip(2));
  CHECK(r.at_end());
  CHECK_FALSE(r.read_u8());
  CHECK(r.read_bytes(0)->empty());

  ByteReader empty(std::span<const std::uint8_t>{});
  CHECK(empty.at_end());
  CHECK_FALSE(empty.read_u8());
  CHECK(empty.skip(0));
}

TEST_CASE("Length-prefixed reads reject lengths past the end or past the limit", "[bytes]") {
  SECTION("declared length longer than what remains") {
    const Bytes data = {0x00, 0x05, 'a', 'b', 'c'};
    ByteReader r(data);
    auto res = r.read_prefixed_u16(100, "name");
    REQUIRE_FALSE(res);
    CHECK(res.error().is(weft::Errc::out_of_range));
    CHECK(r.offset() == 0);  // the length is not consumed either
  }
  SECTION("declared length over the caller's maximum") {
    const Bytes data = {0x00, 0x03, 'a', 'b', 'c'};
    ByteReader r(data);
    auto res = r.read_prefixed_u16(2, "name");
    REQUIRE_FALSE(res);
    CHECK(res.error().is(weft::Errc::parse_error));
    CHECK(res.error().message().find("limit of 2") != std::string::npos);
    CHECK(r.offset() == 0);
    CHECK(vec(*r.read_prefixed_u16(3)) == Bytes{'a', 'b', 'c'});
  }
  SECTION("u32 length near 2^32 does not wrap") {
    const Bytes data = {0xff, 0xff, 0xff, 0xff, 'a'};
    ByteReader r(data);
    CHECK(r.read_prefixed_u32(SIZE_MAX).error().is(weft::Errc::out_of_range));
    CHECK(r.read_prefixed_u32(1000).error().is(weft::Errc::parse_error));
  }
  SECTION("zero length") {
    const Bytes data = {0x00, 0x00};
    ByteReader r(data);
    CHECK(r.read_prefixed_u16(0)->empty());
    CHECK(r.at_end());
  }
}

TEST_CASE("ByteWriter refuses byte strings too long for their prefix", "[bytes]") {
  ByteWriter w;
  const Bytes big(65536, 0x5a);
  auto res = w.write_prefixed_u16(big);
  REQUIRE_FALSE(res);
  CHECK(res.error().is(weft::Errc::out_of_range));
  CHECK(w.size() == 0);  // nothing half-written
  REQUIRE(w.write_prefixed_u16(std::span(big).first(65535)));
  CHECK(w.size() == 65537);
}

TEST_CASE("ByteWriter patches a placeholder length", "[bytes]") {
  ByteWriter w;
  w.write_u8(7);
  const std::size_t at = w.size();
  w.write_u16(0);
  w.write_u32(0);
  w.write_bytes("body");
  w.patch_u16(at, 0xbeef);
  w.patch_u32(at + 2, 0x01020304);
  CHECK(vec(w.data()) == Bytes{7, 0xbe, 0xef, 1, 2, 3, 4, 'b', 'o', 'd', 'y'});
  const Bytes out = w.take();
  CHECK(out.size() == 11);
  CHECK(w.size() == 0);
}
