// SPDX-License-Identifier: Apache-2.0
// Frames read from weft-tap with IFF_VNET_HDR and TSO on: the kernel hands weftd whole TCP
// super-frames (up to 64 KiB, one read instead of ~45) and leaves checksums to the device,
// as it would to a NIC. Before such a frame goes into sleeve datagrams weftd does the NIC's
// part here: cut it into MSS-sized segments (IPv4 ids, lengths, TCP sequence numbers and
// flags per segment) and complete every checksum, so the receiving host writes plain
// frames. A read that cannot be made wire-ready is refused (and dropped by the caller).
#pragma once

#include "weft/base/result.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace weft::router {

/// struct virtio_net_hdr (legacy, little-endian on the hosts weft runs on): 10 bytes in
/// front of every frame read from or written to a TAP device with IFF_VNET_HDR.
inline constexpr std::size_t kVnetHdrBytes = 10;

struct VnetHeader {
  static constexpr std::uint8_t kNeedsCsum = 1;
  static constexpr std::uint8_t kGsoNone = 0, kGsoTcpV4 = 1, kGsoUdp = 3, kGsoTcpV6 = 4;
  static constexpr std::uint8_t kGsoEcn = 0x80;

  std::uint8_t flags = 0;
  std::uint8_t gso_type = kGsoNone;
  std::uint16_t hdr_len = 0;
  std::uint16_t gso_size = 0;
  std::uint16_t csum_start = 0;
  std::uint16_t csum_offset = 0;
};

Result<VnetHeader> decode_vnet_header(std::span<const std::uint8_t> read);
/// The 10 bytes that go in front of a frame written to the TAP.
std::array<std::uint8_t, kVnetHdrBytes> encode_vnet_header(const VnetHeader& h);

/// One TAP read (vnet header + frame) as wire-ready Ethernet frames appended to `out`: the
/// frame itself (checksum completed in place) or, for a TCP super-frame over IPv4 or IPv6,
/// its segments built in `scratch` (cleared first; the spans point into it, so keep it
/// until they are used). Errc::parse_error or unsupported, saying why, for anything else.
Result<void> finish_offloads(std::span<std::uint8_t> read, std::vector<std::uint8_t>& scratch,
                             std::vector<std::span<const std::uint8_t>>& out);

}  // namespace weft::router
