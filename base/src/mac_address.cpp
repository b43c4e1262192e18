// SPDX-License-Identifier: Apache-2.0
// MacAddress text form.
#include "weft/base/mac_address.hpp"

#include "text_util.hpp"

#include <ostream>

namespace weft {

Result<MacAddress> MacAddress::parse(std::string_view text) {
  // "aa:bb:cc:dd:ee:ff": six pairs and five separators.
  constexpr std::size_t kTextLength = kSize * 3 - 1;
  auto bad = [&](std::string_view why) {
    return Error(Errc::parse_error,
                 detail::quote(text) + " is not a MAC address: " + std::string(why));
  };
  if (text.size() != kTextLength) return bad("expected six hex bytes like aa:bb:cc:dd:ee:ff");
  const char sep = text[2];
  if (sep != ':' && sep != '-') return bad("bytes must be separated by ':' or '-'");
  std::array<std::uint8_t, kSize> bytes{};
  for (std::size_t i = 0; i < kSize; ++i) {
    const std::size_t at = i * 3;
    if (i > 0 && text[at - 1] != sep) return bad("mixed or missing separators");
    const int hi = detail::hex_value(text[at]);
    const int lo = detail::hex_value(text[at + 1]);
    if (hi < 0 || lo < 0) return bad("each byte is two hex digits");
    bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return MacAddress(bytes);
}

std::string MacAddress::to_string() const {
  std::string out;
  out.reserve(kSize * 3);
  for (std::size_t i = 0; i < kSize; ++i) {
    if (i > 0) out += ':';
    detail::append_hex_byte(out, bytes_[i]);
  }
  return out;
}

std::ostream& operator<<(std::ostream& os, const MacAddress& m) {
  return os << m.to_string();
}

}  // namespace weft
