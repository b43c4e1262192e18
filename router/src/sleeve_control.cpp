// SPDX-License-Identifier: Apache-2.0
// Sleeve control records (sleeve_control.hpp): bounds-checked, never throws.
#include "weft/router/sleeve_control.hpp"

#include "weft/base/bytes.hpp"
#include "weft/base/error.hpp"

#include <algorithm>
#include <string>

namespace weft::router {

std::vector<std::uint8_t> encode_sleeve_control(const SleeveControl& m, std::size_t padding) {
  std::vector<std::uint8_t> out(kSleeveControlBytes + padding, 0);
  out[0] = static_cast<std::uint8_t>(m.kind);
  for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<std::uint8_t>(m.id >> (8 * (3 - i)));
  out[5] = static_cast<std::uint8_t>(m.size >> 8);
  out[6] = static_cast<std::uint8_t>(m.size);
  return out;
}

Result<SleeveControl> decode_sleeve_control(std::span<const std::uint8_t> frame) {
  ByteReader r(frame);
  auto kind = r.read_u8("sleeve control kind");
  auto id = kind ? r.read_u32("sleeve control id") : Result<std::uint32_t>(kind.error());
  auto size = id ? r.read_u16("sleeve control size") : Result<std::uint16_t>(id.error());
  if (!size) return size.error();
  SleeveControl m{static_cast<SleeveControlKind>(*kind), *id, *size};
  switch (m.kind) {
    case SleeveControlKind::probe: return m;
    case SleeveControlKind::probe_ack:
      if (!r.at_end()) {
        return Error(Errc::parse_error, "bad sleeve control record: a probe ack with " +
                                            std::to_string(frame.size() - kSleeveControlBytes) +
                                            " bytes of padding");
      }
      return m;
  }
  return Error(Errc::parse_error,
               "bad sleeve control record: unknown kind " + std::to_string(*kind));
}

std::size_t sleeve_probe_padding(std::size_t size, std::size_t datagram_overhead) noexcept {
  const std::size_t around = datagram_overhead + kSleeveRecordHeaderBytes + kSleeveControlBytes;
  return size > around ? size - around : 0;
}

}  // namespace weft::router
