// SPDX-License-Identifier: Apache-2.0
// PeerName text forms.
#include "weft/base/peer_name.hpp"

#include "text_util.hpp"

#include <ostream>

namespace weft {

Result<PeerName> PeerName::parse(std::string_view text) {
  constexpr std::size_t kBytes = 8;
  constexpr std::size_t kColonLength = kBytes * 3 - 1;
  constexpr std::size_t kPlainLength = kBytes * 2;
  auto bad = [&](std::string_view why) {
    return Error(Errc::parse_error,
                 detail::quote(text) + " is not a peer name: " + std::string(why));
  };
  const bool colons = text.size() == kColonLength;
  if (!colons && text.size() != kPlainLength) {
    return bad("expected eight hex bytes like 0a:1b:2c:3d:4e:5f:60:71 or 16 hex digits");
  }
  std::uint64_t v = 0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < kBytes; ++i) {
    if (colons && i > 0) {
      if (text[at] != ':') return bad("bytes must be separated by ':'");
      ++at;
    }
    const int hi = detail::hex_value(text[at]);
    const int lo = detail::hex_value(text[at + 1]);
    if (hi < 0 || lo < 0) return bad("each byte is two hex digits");
    v = v << 8 | static_cast<std::uint64_t>(hi << 4 | lo);
    at += 2;
  }
  if (v == 0) return bad("zero is reserved for 'no peer'");
  return PeerName(v);
}

std::string PeerName::to_string() const {
  std::string out;
  out.reserve(23);
  for (int shift = 56; shift >= 0; shift -= 8) {
    if (shift != 56) out += ':';
    detail::append_hex_byte(out, static_cast<std::uint8_t>(value_ >> shift));
  }
  return out;
}

std::ostream& operator<<(std::ostream& os, const PeerName& p) {
  return os << p.to_string();
}

}  // namespace weft
