// SPDX-License-Identifier: Apache-2.0
// Writes the seed corpora of the gossip fuzzers: valid encodings of every message, hellos
// and sealed streams (from fixed_sessions.hpp), plus truncated and garbage variants.
// Usage: gossip_corpus_gen <dir>  (creates <dir>/gossip_{message,hello,frame}_fuzz/seed-NN)
#include "weft/base/assert.hpp"
#include "weft/base/rng.hpp"
#include "weft/gossip/frame_reader.hpp"
#include "weft/gossip/handshake.hpp"
#include "weft/gossip/wire.hpp"

#include "fixed_sessions.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using namespace weft;
using namespace weft::gossip;
using Bytes = std::vector<std::uint8_t>;

void write_all(const std::filesystem::path& dir, const std::vector<Bytes>& seeds) {
  std::filesystem::create_directories(dir);
  int n = 0;
  for (const auto& s : seeds) {
    char name[16];
    std::snprintf(name, sizeof name, "seed-%02d", ++n);
    std::ofstream(dir / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(s.data()), static_cast<std::streamsize>(s.size()));
  }
}

Bytes truncated(Bytes b, std::size_t keep) {
  b.resize(std::min(keep, b.size()));
  return b;
}

std::vector<Message> sample_messages() {
  const PeerName a(0x0a0b0c0d01020304), b(0x1111111111111111), c(3);
  return {
      Heartbeat{},
      TopologyUpdate{{PeerEntry{a,
                                "node-a",
                                1,
                                5,
                                {ConnectionEntry{b, "192.168.1.2:6783", true, true},
                                 ConnectionEntry{c, "[fd00::3]:6783", false, false}}},
                      PeerEntry{b, "node-b", 2, 1, {ConnectionEntry{a, "", false, true}}},
                      PeerEntry{c, "", 0, 0, {}}}},
      TopologyDigest{true, {{a, 5}, {b, 1}, {c, 0}}},
      TopologyDigest{false, {}},
      DigestHash{{0xde, 0xad, 0xbe, 0xef}, 3},
      ChannelUnicast{"ipam", a, b, {1, 2, 3, 4}},
      ChannelBroadcast{"dns", c, Bytes(40, 0x41)},
      ChannelGossip{"ipam", b, {}},
      TopologyRequest{{a, c}},
  };
}

std::vector<Bytes> message_seeds() {
  std::vector<Bytes> seeds;
  for (const auto& m : sample_messages()) seeds.push_back(encode_message(m));
  const Bytes update = seeds[1];
  for (std::size_t keep : {5u, 17u, 40u}) seeds.push_back(truncated(update, keep));
  Bytes trailing = seeds[5];
  trailing.push_back(0);
  seeds.push_back(trailing);
  seeds.push_back({2, 0xff, 0xff, 0xff, 0xff});  // absurd count
  seeds.push_back({kRekeyTag});                  // never a message
  seeds.push_back({0});                          // unknown type
  seeds.push_back({7, 0xff, 0xff, 'x'});         // oversize channel name
  return seeds;
}

std::vector<Bytes> hello_seeds() {
  std::vector<Bytes> seeds;
  for (const bool encrypted : {false, true}) {
    for (const bool initiator : {false, true}) {
      Xoshiro256Rng rng(7);
      seeds.push_back(Handshake(fuzz::fixed_config(initiator ? 2 : 1, encrypted), initiator, rng)
                          .hello_payload());
    }
  }
  Hello h = *decode_hello(seeds[0]);
  h.min_version = 2;
  h.max_version = 9;
  seeds.push_back(encode_hello(h));  // version mismatch
  Bytes extended = seeds[1];
  extended.insert(extended.end(), {0xee, 0xee, 0xee});
  seeds.push_back(extended);
  Xoshiro256Rng rng(8);
  // The fuzzer's own identity in its initiator role: a connection to self.
  seeds.push_back(Handshake(fuzz::fixed_config(1, false), false, rng).hello_payload());
  Bytes low_order = seeds[0];
  std::fill(low_order.end() - 32, low_order.end(), 0);
  seeds.push_back(low_order);
  for (std::size_t keep : {0u, 3u, 4u, 30u, 91u}) seeds.push_back(truncated(seeds[0], keep));
  seeds.push_back({'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'});
  return seeds;
}

// Byte 0 is the chunking (frame_fuzz.cpp), the rest a stream.
std::vector<Bytes> frame_seeds() {
  std::vector<Bytes> seeds;
  const auto messages = sample_messages();
  for (const bool encrypted : {true, false}) {
    auto s = fuzz::fixed_sessions(encrypted);
    s.initiator.set_limits({3, std::chrono::hours(1)});  // include rekey records
    Bytes stream;
    for (const auto& m : messages) s.initiator.seal(stream, encode_message(m), kEpoch);
    // The fuzzer's fresh responder (same fixed keys) must open all of it, or the seeds
    // would exercise only the rejects.
    FrameReader reader;
    WEFT_ASSERT(reader.feed(stream), "a sealed stream splits into frames");
    std::size_t opened = 0;
    while (auto frame = reader.next()) {
      auto m = s.responder.open(*frame);
      WEFT_ASSERT(m, "the responder opens every record");
      if (*m && decode_message(**m)) ++opened;
    }
    WEFT_ASSERT(opened == messages.size(), "every message arrives");
    for (const std::uint8_t chunking : {0, 1, 7, 200}) {
      Bytes seed = {chunking};
      seed.insert(seed.end(), stream.begin(), stream.end());
      seeds.push_back(seed);
    }
    Bytes cut = {3};
    cut.insert(cut.end(), stream.begin(), stream.begin() + 50);
    seeds.push_back(cut);
    if (encrypted) {
      Bytes tampered = seeds[0];
      tampered[20] ^= 1;
      seeds.push_back(tampered);
      Bytes replay = {0};
      const auto first = stream.begin() + 4 + 8 + 1 + 16;  // the heartbeat's record
      replay.insert(replay.end(), stream.begin(), first);  // ... twice
      replay.insert(replay.end(), stream.begin(), first);
      seeds.push_back(replay);
    }
  }
  seeds.push_back({5, 0x00, 0x10, 0x00, 0x01, 0xaa});  // one byte over the frame limit
  seeds.push_back({0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01});  // empty frames
  seeds.push_back({9, 'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'});
  return seeds;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  const std::filesystem::path root(argv[1]);
  write_all(root / "gossip_message_fuzz", message_seeds());
  write_all(root / "gossip_hello_fuzz", hello_seeds());
  write_all(root / "gossip_frame_fuzz", frame_seeds());
  return 0;
}
