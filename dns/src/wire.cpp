// SPDX-License-Identifier: Apache-2.0
// The small rules shared by parser, encoder and server: a record's type from its rdata, the
// 12-bit response code split between header and OPT, and the UDP size a query allows.
// Parsing is in parse.cpp, encoding in encode.cpp, names in name.cpp.
#include "weft/dns/wire.hpp"

#include <algorithm>

namespace weft::dns {

RrType ResourceRecord::type() const noexcept {
  struct {
    RrType operator()(const AddressRecord& d) const {
      return d.address.is_v4() ? RrType::a : RrType::aaaa;
    }
    RrType operator()(const NameRecord& d) const { return d.type; }
    RrType operator()(const SoaRecord&) const { return RrType::soa; }
    RrType operator()(const MxRecord&) const { return RrType::mx; }
    RrType operator()(const RawRecord& d) const { return d.type; }
  } visitor;
  return std::visit(visitor, data);
}

Rcode Message::rcode() const noexcept {
  const unsigned upper = edns ? edns->extended_rcode : 0u;
  return static_cast<Rcode>(upper << 4 | (header.rcode & 0xFu));
}

void Message::set_rcode(Rcode code) {
  const auto value = static_cast<unsigned>(code);
  header.rcode = static_cast<std::uint8_t>(value & 0xF);
  const auto upper = static_cast<std::uint8_t>(value >> 4);
  if (upper != 0 && !edns) edns.emplace();
  if (edns) edns->extended_rcode = upper;
}

std::size_t udp_response_limit(const Message& query) noexcept {
  if (!query.edns) return kClassicUdpSize;
  return std::max<std::size_t>(kClassicUdpSize, query.edns->udp_payload_size);
}

}  // namespace weft::dns
