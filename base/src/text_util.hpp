// SPDX-License-Identifier: Apache-2.0
// Small text helpers shared by the base parsers (private to base/).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::detail {

/// Untrusted text as it may appear inside an error message: quoted, at most 64 characters,
/// non-printable bytes escaped, so a hostile input cannot forge log lines or flood them.
std::string quote(std::string_view text);

/// Value of one hex digit, or -1.
constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Parses 1..max_digits decimal digits with no sign, no spaces and no leading zero (except "0"
/// itself); nullopt on anything else or a value above `max`.
std::optional<std::uint32_t> parse_decimal(std::string_view text, std::size_t max_digits,
                                           std::uint32_t max);

/// Appends `v` as two lowercase hex digits.
void append_hex_byte(std::string& out, std::uint8_t v);

}  // namespace weft::detail
