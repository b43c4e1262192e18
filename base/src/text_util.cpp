// SPDX-License-Identifier: Apache-2.0
// Small text helpers shared by the base parsers.
#include "text_util.hpp"

namespace weft::detail {

namespace {
constexpr std::size_t kMaxQuoted = 64;
constexpr char kHex[] = "0123456789abcdef";
}  // namespace

std::string quote(std::string_view text) {
  std::string out = "'";
  const std::size_t n = text.size() < kMaxQuoted ? text.size() : kMaxQuoted;
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      append_hex_byte(out, c);
    }
  }
  if (n < text.size()) out += "...";
  out += "'";
  return out;
}

std::optional<std::uint32_t> parse_decimal(std::string_view text, std::size_t max_digits,
                                           std::uint32_t max) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > max) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

void append_hex_byte(std::string& out, std::uint8_t v) {
  out += kHex[v >> 4];
  out += kHex[v & 0xf];
}

}  // namespace weft::detail
