// SPDX-License-Identifier: Apache-2.0
// Hex text to bytes, for known answers written by independent encoders (Python's .hex()).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weft::testing {

/// Pairs of hex digits to bytes; test data only (a bad digit throws from std::stoi).
inline std::vector<std::uint8_t> unhex(std::string_view h) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

}  // namespace weft::testing
