// SPDX-License-Identifier: Apache-2.0
// Fuzzes the base text parsers (round trips must be exact) and ByteReader over raw bytes.
#include "weft/base/assert.hpp"
#include "weft/base/bytes.hpp"
#include "weft/base/cidr.hpp"
#include "weft/base/ip_address.hpp"
#include "weft/base/ip_range.hpp"
#include "weft/base/mac_address.hpp"
#include "weft/base/peer_name.hpp"

#include <arpa/inet.h>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

void check_ip(std::string_view text) {
  const auto a = weft::IpAddress::parse(text);
  // Differential: libc's parser must agree on what is an address (it needs a C string).
  const std::string z(text);
  if (z.find('\0') == std::string::npos) {
    std::uint8_t buf[16];
    const int family = z.find(':') != std::string::npos ? AF_INET6 : AF_INET;
    WEFT_ASSERT((inet_pton(family, z.c_str(), buf) == 1) == static_cast<bool>(a),
                "IpAddress::parse and inet_pton disagree");
  }
  if (!a) return;
  const auto back = weft::IpAddress::parse(a->to_string());
  WEFT_ASSERT(back && *back == *a, "IpAddress round trip");
  WEFT_ASSERT(back->to_string() == a->to_string(), "canonical form is a fixed point");
}

void check_cidr(std::string_view text) {
  const auto strict = weft::Cidr::parse(text);
  const auto lenient = weft::Cidr::parse_lenient(text);
  WEFT_ASSERT(!strict || (lenient && *lenient == *strict), "strict success implies lenient");
  if (!lenient) return;
  const auto back = weft::Cidr::parse(lenient->to_string());
  WEFT_ASSERT(back && *back == *lenient, "Cidr round trip");
  WEFT_ASSERT(lenient->contains(lenient->first()) && lenient->contains(lenient->last()),
              "a CIDR contains its ends");
  const auto range = weft::IpRange::from_cidr(*lenient);
  const auto cidrs = range.to_cidrs();
  WEFT_ASSERT(cidrs.size() == 1 && cidrs[0] == *lenient, "a CIDR's range splits into itself");
}

void check_mac(std::string_view text) {
  const auto m = weft::MacAddress::parse(text);
  if (!m) return;
  const auto back = weft::MacAddress::parse(m->to_string());
  WEFT_ASSERT(back && *back == *m, "MacAddress round trip");
}

void check_peer(std::string_view text) {
  const auto p = weft::PeerName::parse(text);
  if (!p) return;
  WEFT_ASSERT(p->is_valid(), "parse never yields the zero name");
  const auto back = weft::PeerName::parse(p->to_string());
  WEFT_ASSERT(back && *back == *p, "PeerName round trip");
}

// Reads the input as a made-up message driven by its own bytes: every read must either
// succeed within bounds or fail without moving the cursor.
void check_reader(std::span<const std::uint8_t> data) {
  weft::ByteReader r(data);
  for (int steps = 0; steps < 64 && !r.at_end(); ++steps) {
    const std::size_t before = r.offset();
    const auto op = r.read_u8("op");
    if (!op) break;
    const std::size_t at = r.offset();
    bool ok = false;
    switch (*op % 8) {
      case 0: ok = static_cast<bool>(r.read_u16()); break;
      case 1: ok = static_cast<bool>(r.read_u32()); break;
      case 2: ok = static_cast<bool>(r.read_u64()); break;
      case 3: ok = static_cast<bool>(r.read_bytes(*op / 8)); break;
      case 4: ok = static_cast<bool>(r.read_prefixed_u16(*op)); break;
      case 5: ok = static_cast<bool>(r.read_prefixed_u32(SIZE_MAX)); break;
      case 6: ok = static_cast<bool>(r.skip(*op / 8)); break;
      default: ok = static_cast<bool>(r.expect_end()); break;
    }
    WEFT_ASSERT(r.offset() <= data.size(), "the cursor never passes the end");
    WEFT_ASSERT(ok || r.offset() == at, "a failed read consumes nothing");
    WEFT_ASSERT(r.offset() > before, "the op byte was consumed");
    if (!ok) break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_ip(text);
  check_cidr(text);
  check_mac(text);
  check_peer(text);
  check_reader({data, size});
  return 0;
}
