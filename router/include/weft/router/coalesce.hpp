// SPDX-License-Identifier: Apache-2.0
// The receiving half of the sleeve's offloads, what a NIC's GRO does: TCP segments of one
// flow that arrive back to back in a batch of datagrams are merged into one super-frame and
// written to weft-tap once, with a virtio-net header that asks for segmentation (GSO) and
// leaves the TCP checksum partial. The bridge, the veth and the pod's TCP stack then handle
// one 64 KiB frame instead of ~45, which is where a receiving weftd spent most of its time.
//
// Merged segments keep every rule Linux's tcp_gro_receive keeps, so what the pod sees is
// what GRO on a NIC would have given it: same Ethernet, IP and TCP headers except length and
// sequence, consecutive sequence numbers and IPv4 ids, every segment but the last exactly
// the first one's size, ACK (and PSH only last) as the only flags, at most 64 KiB of IP.
// Checksums are verified before a segment is merged: a corrupt segment must be dropped by
// the pod, not hidden under a checksum the kernel would trust.
#pragma once

#include "weft/router/offload.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace weft::router {

class FrameCoalescer {
 public:
  /// One write to weft-tap: its virtio-net header and the bytes that follow it, in parts.
  using Sink =
      std::function<void(const VnetHeader&, std::span<const std::span<const std::uint8_t>>)>;

  /// Takes a frame for the bridge. It is not copied: it must stay valid until flush().
  void add(std::span<const std::uint8_t> frame);
  /// Hands every frame taken since the last flush to `write`, in order within each flow:
  /// merged super-frames with a GSO header, everything else as it came (zero header).
  void flush(const Sink& write);

  /// Segments merged into super-frames so far, and the super-frames they made.
  [[nodiscard]] std::uint64_t merged_segments() const noexcept { return merged_segments_; }
  [[nodiscard]] std::uint64_t super_frames() const noexcept { return super_frames_; }

  /// A parsed TCP segment (offsets into its frame).
  struct Segment {
    bool v4 = false;
    std::size_t l4 = 0;       // TCP header
    std::size_t payload = 0;  // TCP payload
    std::size_t end = 0;      // end of the IP packet (Ethernet padding excluded)
    std::uint32_t seq = 0;
    std::uint16_t ip_id = 0;
    std::uint8_t flags = 0;
    bool candidate = false;  // payload, ACK or ACK+PSH only
    [[nodiscard]] std::size_t payload_len() const noexcept { return end - payload; }
  };

 private:
  struct Item {
    std::span<const std::uint8_t> first;
    Segment head;
    bool open = false;     // still the newest item of its flow, and not closed by size/PSH
    bool checked = false;  // head's checksums verified
    Segment tail;
    std::size_t ip_bytes = 0;                             // IP length of the merged packet so far
    std::vector<std::span<const std::uint8_t>> payloads;  // of the segments after the first
    std::array<std::uint8_t, 128> headers{};              // rewritten headers of a merged packet
  };

  bool try_merge(Item& item, std::span<const std::uint8_t> frame, const Segment& s);

  std::vector<Item> items_;
  std::size_t used_ = 0;  // items_ in use (kept allocated between batches)
  std::vector<std::span<const std::uint8_t>> parts_;
  std::uint64_t merged_segments_ = 0, super_frames_ = 0;
};

}  // namespace weft::router
