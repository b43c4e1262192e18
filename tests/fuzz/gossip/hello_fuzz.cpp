// SPDX-License-Identifier: Apache-2.0
// Fuzzes decode_hello (round trip) and Handshake::on_hello/on_auth fed a hostile remote.
#include "weft/base/assert.hpp"
#include "weft/gossip/handshake.hpp"
#include "weft/gossip/wire.hpp"

#include "fixed_sessions.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace weft::gossip;
  const std::span<const std::uint8_t> input(data, size);
  const auto hello = decode_hello(input);
  if (hello) {
    // Bytes past the known fields are a later version's extensions and are skipped.
    const auto encoded = encode_hello(*hello);
    WEFT_ASSERT(
        input.size() >= encoded.size() && std::equal(encoded.begin(), encoded.end(), input.begin()),
        "encode(decode(x)) is a prefix of x");
    const auto again = decode_hello(encoded);
    WEFT_ASSERT(again && *again == *hello, "decode(encode(h)) == h");
  }

  // The same bytes as the remote's first frame, in both modes and both roles.
  for (const bool encrypted : {false, true}) {
    for (const bool initiator : {false, true}) {
      weft::Xoshiro256Rng rng(size);
      Handshake h(fuzz::fixed_config(initiator ? 1 : 2, encrypted), initiator, rng);
      auto auth = h.on_hello(input);
      WEFT_ASSERT(static_cast<bool>(auth) == false || static_cast<bool>(hello),
                  "on_hello accepts only what decode_hello accepts");
      if (!auth) {
        WEFT_ASSERT(is_handshake_error(auth.error()), "handshake errors carry their kind");
        continue;
      }
      // No input can know the keys: the tail of the input as the auth frame must fail.
      auto session = h.on_auth(input.last(std::min<std::size_t>(32, input.size())));
      WEFT_ASSERT(!session, "a forged auth frame never authenticates");
    }
  }
  return 0;
}
