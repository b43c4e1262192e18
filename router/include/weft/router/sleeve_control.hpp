// SPDX-License-Identifier: Apache-2.0
// Sleeve control records (decision 0012, "Path MTU per peer"): a record whose destination is
// zero is a message for the link's other end, never a frame and never forwarded. It rides in
// an ordinary sealed datagram, so it is as authentic as the link (on a link without a
// password, as anything on it); a weftd that predates control records drops it (ttl 1). The
// record's frame bytes are (big-endian):
//   u8 kind (1 probe, 2 probe ack) | u32 id | u16 size | padding (zero; probes only)
// A probe is padded so its whole datagram is `size` bytes; the receiver checks that the
// datagram it got is that size, and acknowledges (id, size) in a small datagram.
#pragma once

#include "weft/base/peer_name.hpp"
#include "weft/base/result.hpp"
#include "weft/router/sleeve_wire.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace weft::router {

enum class SleeveControlKind : std::uint8_t { probe = 1, probe_ack = 2 };

struct SleeveControl {
  SleeveControlKind kind = SleeveControlKind::probe;
  std::uint32_t id = 0;
  std::uint16_t size = 0;  // of the probe's whole datagram, header and tag included

  friend bool operator==(const SleeveControl&, const SleeveControl&) = default;
};

inline constexpr std::size_t kSleeveControlBytes = 1 + 4 + 2;

/// Whether a record is a control record (destination zero) rather than a frame.
inline bool is_sleeve_control(const SleeveRecord& record) noexcept {
  return record.destination.value() == 0;
}

/// The control record's frame bytes, zero-padded to kSleeveControlBytes + padding.
std::vector<std::uint8_t> encode_sleeve_control(const SleeveControl& message,
                                                std::size_t padding = 0);
/// Parses a control record's frame; parse_error for a short one or an unknown kind, and
/// for padding on an ack. Never throws.
Result<SleeveControl> decode_sleeve_control(std::span<const std::uint8_t> frame);

/// The padding that makes a probe datagram exactly `size` bytes under a sealer whose
/// datagrams add `datagram_overhead` (header and tag); 0 if `size` is too small to hold one.
std::size_t sleeve_probe_padding(std::size_t size, std::size_t datagram_overhead) noexcept;

}  // namespace weft::router
