// SPDX-License-Identifier: Apache-2.0
// Fuzzes decode_message: never crashes, and whatever decodes re-encodes to the same bytes.
#include "weft/base/assert.hpp"
#include "weft/gossip/wire.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const auto message = weft::gossip::decode_message(input);
  if (!message) {
    WEFT_ASSERT(!message.error().message().empty(), "every reject says why");
    return 0;
  }
  // The encoding is canonical (wire.hpp), so re-encoding reproduces the input exactly.
  const auto encoded = weft::gossip::encode_message(*message);
  WEFT_ASSERT(std::equal(encoded.begin(), encoded.end(), input.begin(), input.end()),
              "encode(decode(x)) == x");
  const auto again = weft::gossip::decode_message(encoded);
  WEFT_ASSERT(again && *again == *message, "decode(encode(m)) == m");
  return 0;
}
