// SPDX-License-Identifier: Apache-2.0
// FrameReader: any split of a stream yields the same frames; oversize lengths kill it.
#include "weft/gossip/frame_reader.hpp"

#include "weft/gossip/wire.hpp"

#include "gossip_wire_support.hpp"

#include <catch2/catch.hpp>

using namespace weft;
using namespace weft::gossip;
using test::Bytes;

namespace {

std::vector<Bytes> drain(FrameReader& r) {
  std::vector<Bytes> out;
  while (auto f = r.next()) out.push_back(std::move(*f));
  return out;
}

std::vector<Bytes> sample_frames() {
  Xoshiro256Rng rng(3);
  std::vector<Bytes> frames = {{}, {1}, Bytes(300, 7)};
  for (int i = 0; i < 5; ++i) frames.push_back(encode_message(test::random_message(rng)));
  return frames;
}

Bytes stream_of(const std::vector<Bytes>& frames) {
  Bytes s;
  for (const auto& f : frames) append_frame(s, f);
  return s;
}

}  // namespace

TEST_CASE("FrameReader: a stream split at any byte gives the same frames", "[gossip][frame]") {
  const auto frames = sample_frames();
  const Bytes stream = stream_of(frames);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    INFO("cut at " << cut);
    FrameReader r;
    std::vector<Bytes> got;
    REQUIRE(r.feed(std::span(stream).first(cut)));
    for (auto& f : drain(r)) got.push_back(std::move(f));
    REQUIRE(r.feed(std::span(stream).subspan(cut)));
    for (auto& f : drain(r)) got.push_back(std::move(f));
    CHECK(got == frames);
    CHECK(r.buffered() == 0);
  }
}

TEST_CASE("FrameReader: byte-at-a-time and random chunks", "[gossip][frame]") {
  const auto frames = sample_frames();
  const Bytes stream = stream_of(frames);
  FrameReader one;
  std::vector<Bytes> got;
  for (const std::uint8_t b : stream) {
    REQUIRE(one.feed(std::span(&b, 1)));
    for (auto& f : drain(one)) got.push_back(std::move(f));
  }
  CHECK(got == frames);

  Xoshiro256Rng rng(11);
  for (int round = 0; round < 200; ++round) {
    FrameReader r;
    got.clear();
    std::size_t pos = 0;
    while (pos < stream.size()) {
      const auto n = std::min<std::size_t>(stream.size() - pos, rng.uniform(40));
      REQUIRE(r.feed(std::span(stream).subspan(pos, n)));
      pos += n;
      if (rng.chance(0.5)) {
        for (auto& f : drain(r)) got.push_back(std::move(f));
      }
    }
    for (auto& f : drain(r)) got.push_back(std::move(f));
    CHECK(got == frames);
  }
}

TEST_CASE("FrameReader: buffered counts bytes not yet returned", "[gossip][frame]") {
  FrameReader r;
  REQUIRE(r.feed(Bytes{0, 0, 0, 3, 1, 2}));
  CHECK(r.buffered() == 6);
  CHECK_FALSE(r.next());
  REQUIRE(r.feed(Bytes{3, 0, 0}));
  CHECK(r.next() == Bytes{1, 2, 3});
  CHECK(r.buffered() == 2);
}

TEST_CASE("FrameReader: an oversize length prefix is an error and kills the reader",
          "[gossip][frame]") {
  FrameReader r;
  Bytes good;
  append_frame(good, Bytes{5});
  REQUIRE(r.feed(good));
  // The limit itself is fine; one more byte is not, and is reported before its body arrives.
  REQUIRE(r.feed(Bytes{0x00, 0x10, 0x00, 0x00}));
  FrameReader big;
  auto e = big.feed(Bytes{0x00, 0x10, 0x00, 0x01});
  REQUIRE_FALSE(e);
  CHECK(e.error().message() == "frame of 1048577 bytes exceeds the 1048576-byte limit");
  CHECK(e.error().is(Errc::out_of_range));
  CHECK_FALSE(big.next());
  CHECK_FALSE(big.feed(Bytes{0, 0, 0, 0}));
  CHECK_FALSE(big.next());

  // "GET / HTTP/1.1" from a confused client reads as a huge length.
  FrameReader http;
  const std::string get = "GET / HTTP/1.1\r\n";
  e = http.feed(std::span(reinterpret_cast<const std::uint8_t*>(get.data()), get.size()));
  REQUIRE_FALSE(e);
  CHECK(e.error().message() == "frame of 1195725856 bytes exceeds the 1048576-byte limit");
}

TEST_CASE("FrameReader: a frame of exactly the maximum size passes", "[gossip][frame]") {
  Bytes payload(kMaxFrameBytes, 0x5a);
  Bytes stream;
  append_frame(stream, payload);
  FrameReader r;
  REQUIRE(r.feed(std::span(stream).first(stream.size() - 1)));
  CHECK_FALSE(r.next());
  REQUIRE(r.feed(std::span(stream).last(1)));
  auto f = r.next();
  REQUIRE(f);
  CHECK(*f == payload);
}
