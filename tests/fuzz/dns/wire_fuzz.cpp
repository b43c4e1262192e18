// SPDX-License-Identifier: Apache-2.0
// Fuzzes parse_message: never crashes; whatever parses re-encodes (unless compression in the
// input hid more than 65535 bytes), parses back equal, and encodes to the same bytes again
// (our encoding is a fixed point); truncating it to a limit from the input gives a message
// within the limit that parses, with TC set when answers or authorities were dropped.
#include "weft/base/assert.hpp"
#include "weft/dns/wire.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace weft;
  const std::span<const std::uint8_t> input(data, size);
  auto m = dns::parse_message(input);
  if (!m) {
    WEFT_ASSERT(!m.error().message().empty(), "every reject says why");
    return 0;
  }
  auto encoded = dns::encode_message(*m);
  if (!encoded) {
    WEFT_ASSERT(encoded.error().is(Errc::out_of_range), "what parses only fails on size");
    return 0;
  }
  auto back = dns::parse_message(*encoded);
  WEFT_ASSERT(back, "what we encode parses");
  WEFT_ASSERT(*back == *m, "parse(encode(m)) == m");
  auto again = dns::encode_message(*back);
  WEFT_ASSERT(again && *again == *encoded, "encoding is a fixed point");

  // A limit from the input's first bytes: anywhere from the header to the full message.
  const std::size_t limit = dns::kHeaderSize + (size > 1 ? (data[0] << 8 | data[1]) : 0);
  auto cut = dns::encode_truncated(*m, limit);
  if (!cut) {
    WEFT_ASSERT(cut.error().is(Errc::out_of_range), "truncation only fails on size");
    return 0;
  }
  WEFT_ASSERT(cut->size() <= limit, "truncated to the limit");
  auto small = dns::parse_message(*cut);
  WEFT_ASSERT(small, "a truncated message parses");
  const bool dropped =
      small->answers.size() + small->authorities.size() < m->answers.size() + m->authorities.size();
  WEFT_ASSERT(small->header.tc == (m->header.tc || dropped), "TC says whether data is missing");
  WEFT_ASSERT(small->questions == m->questions && small->edns == m->edns,
              "questions and OPT are kept");
  return 0;
}
