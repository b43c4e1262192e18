// SPDX-License-Identifier: Apache-2.0
// DNS literals in tests: name("pod.weft.local."), a query message, a time after the epoch.
// Test data only: a typo fails the test loudly.
#pragma once

#include "weft/base/time.hpp"
#include "weft/dns/wire.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace weft::testing {

inline dns::Name name(std::string_view text) {
  auto n = dns::Name::parse(text);
  if (!n) throw std::invalid_argument("test DNS name literal: " + std::string(text));
  return *n;
}

/// A query with RD set and one question of class IN.
inline dns::Message query(std::string_view qname, dns::RrType type = dns::RrType::a,
                          std::uint16_t id = 1) {
  dns::Message q;
  q.header.id = id;
  q.header.rd = true;
  q.questions.push_back(dns::Question{name(qname), type, dns::RrClass::in});
  return q;
}

inline TimePoint at(Duration d) {
  return kEpoch + d;
}

}  // namespace weft::testing
