// SPDX-License-Identifier: Apache-2.0
// Fuzzes the receive path of a connection: stream bytes in chunks -> FrameReader ->
// Session::open (encrypted and plaintext, keys from a fixed handshake) -> decode_message.
//
// Input: byte 0 picks the chunking (0: all at once, n: chunks of 1..2n bytes drawn from a
// generator seeded with n); the rest is the stream.
#include "weft/base/assert.hpp"
#include "weft/base/rng.hpp"
#include "weft/gossip/frame_reader.hpp"
#include "weft/gossip/session.hpp"
#include "weft/gossip/wire.hpp"

#include "fixed_sessions.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace {

using weft::gossip::FrameReader;
using weft::gossip::Session;
using Frames = std::vector<std::vector<std::uint8_t>>;

// Feeds the stream in chunks; returns the frames popped and whether the reader failed.
std::pair<Frames, bool> split(std::span<const std::uint8_t> stream, std::uint8_t chunking) {
  FrameReader reader;
  Frames frames;
  weft::SplitMix64Rng rng(chunking);
  std::size_t pos = 0;
  while (pos < stream.size()) {
    const std::size_t n =
        chunking == 0 ? stream.size() : 1 + static_cast<std::size_t>(rng.uniform(2u * chunking));
    const auto chunk = stream.subspan(pos, std::min(n, stream.size() - pos));
    pos += chunk.size();
    if (!reader.feed(chunk)) {
      WEFT_ASSERT(!reader.next(), "a failed reader yields nothing");
      return {frames, true};
    }
    while (auto f = reader.next()) {
      WEFT_ASSERT(f->size() <= weft::gossip::kMaxFrameBytes, "frames respect the limit");
      frames.push_back(std::move(*f));
    }
  }
  WEFT_ASSERT(reader.buffered() < 4 + weft::gossip::kMaxFrameBytes, "at most one partial frame");
  return {frames, false};
}

void open_all(Session& session, const Frames& frames) {
  for (const auto& frame : frames) {
    auto opened = session.open(frame);
    if (!opened) return;  // the connection would end here
    if (!*opened) continue;
    auto message = weft::gossip::decode_message(**opened);
    if (message) {
      WEFT_ASSERT(weft::gossip::encode_message(*message) == **opened, "canonical encoding");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t chunking = data[0];
  const std::span<const std::uint8_t> stream(data + 1, size - 1);

  auto [frames, failed] = split(stream, chunking);
  // However the stream is cut, the frames are the same.
  auto [whole, whole_failed] = split(stream, 0);
  WEFT_ASSERT(failed == whole_failed, "chunking does not change whether the stream is valid");
  if (!failed) WEFT_ASSERT(frames == whole, "chunking does not change the frames");

  for (const bool encrypted : {true, false}) {
    auto sessions = weft::gossip::fuzz::fixed_sessions(encrypted);
    open_all(sessions.responder, frames);
  }
  return 0;
}
