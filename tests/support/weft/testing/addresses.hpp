// SPDX-License-Identifier: Apache-2.0
// Address literals in tests: ip("198.18.0.1"). Test data only: a typo fails the test loudly.
#pragma once

#include "weft/base/ip_address.hpp"

#include <stdexcept>
#include <string>
#include <string_view>

namespace weft::testing {

inline IpAddress ip(std::string_view s) {
  auto a = IpAddress::parse(s);
  if (!a) throw std::invalid_argument("test address literal: " + std::string(s));
  return *a;
}

}  // namespace weft::testing
