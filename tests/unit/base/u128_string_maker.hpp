// SPDX-License-Identifier: Apache-2.0
// Lets Catch print u128 values in failed assertions (ostreams cannot print __int128).
#pragma once

#include "weft/base/uint128.hpp"

#include <catch2/catch.hpp>

namespace Catch {
template <>
struct StringMaker<weft::u128> {
  static std::string convert(weft::u128 v) { return weft::u128_to_string(v); }
};
}  // namespace Catch
