// SPDX-License-Identifier: Apache-2.0
// Fuzzes what weftd does with a UDP datagram from anyone on the underlay: the sleeve header,
// the opener (plaintext and sealed connections) and the record parser it runs after
// decryption, control records (path MTU probes and their answers), the ICMP answer to a
// pod's frame that is too big and its fragments, TSO reads from weft-tap and
// the receive side's GRO over their segments. Never crashes; records that parse re-encode to the
// same bytes.
#include "weft/base/assert.hpp"
#include "weft/router/coalesce.hpp"
#include "weft/router/offload.hpp"
#include "weft/router/pmtu.hpp"
#include "weft/router/sleeve_control.hpp"
#include "weft/router/sleeve_crypto.hpp"
#include "weft/router/sleeve_wire.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace weft;
  using namespace weft::router;
  if (size == 0) return 0;
  const PeerName remote(0xa1);
  std::vector<std::uint8_t> bytes(data + 1, data + size);
  std::vector<SleeveRecord> out;
  switch (data[0] % 5) {
    case 0: {  // a connection without a password
      SleeveOpener rx(remote, false, SleeveKey{});
      if (auto r = rx.open(bytes, out); !r) {
        WEFT_ASSERT(!r.error().message().empty() && out.empty(), "a drop says why, adds nothing");
      }
      break;
    }
    case 1: {  // with a password: nothing forged may open
      SleeveOpener rx(remote, true, SleeveKey{7});
      auto r = rx.open(bytes, out);
      WEFT_ASSERT(!r && out.empty(), "a fuzzer cannot forge a tag");
      break;
    }
    case 4: {  // a read from weft-tap with its virtio-net header (TSO super-frames)
      std::vector<std::uint8_t> scratch;
      std::vector<std::span<const std::uint8_t>> frames;
      if (finish_offloads(bytes, scratch, frames)) {
        for (const auto& f : frames) WEFT_ASSERT(f.size() >= 14, "whole Ethernet frames");
      } else {
        WEFT_ASSERT(frames.empty(), "a refused read gives no frames");
      }
      // The receiving end's GRO over those segments (and the raw bytes as a frame of their
      // own): segmenting what it writes gives back exactly the frames that went in.
      if (bytes.size() > 10) {
        frames.insert(frames.begin(), std::span<const std::uint8_t>(bytes).subspan(10));
      }
      FrameCoalescer gro;
      for (const auto& f : frames) gro.add(f);
      std::size_t next = 0;
      gro.flush([&](const VnetHeader& h, std::span<const std::span<const std::uint8_t>> parts) {
        if (h.gso_type == VnetHeader::kGsoNone) {
          WEFT_ASSERT(parts.size() == 1 && next < frames.size() &&
                          parts[0].data() == frames[next].data() &&
                          parts[0].size() == frames[next].size(),
                      "an unmerged frame is written as it came, in order");
          ++next;
          return;
        }
        const auto hdr = encode_vnet_header(h);
        std::vector<std::uint8_t> read(hdr.begin(), hdr.end());
        for (auto p : parts) read.insert(read.end(), p.begin(), p.end());
        std::vector<std::uint8_t> again_scratch;
        std::vector<std::span<const std::uint8_t>> again;
        WEFT_ASSERT(finish_offloads(read, again_scratch, again), "a merged write segments");
        for (auto seg : again) {
          WEFT_ASSERT(next < frames.size(), "no more segments than frames");
          const auto in = frames[next++];
          // A merged segment loses only Ethernet padding behind its IP packet.
          WEFT_ASSERT(seg.size() <= in.size() && std::equal(seg.begin(), seg.end(), in.begin()),
                      "resegmenting gives the frames back");
          WEFT_ASSERT(in.size() - seg.size() < 60, "only padding differs");
        }
      });
      WEFT_ASSERT(next == frames.size(), "every frame written once");
      break;
    }
    case 3: {  // a pod's frame too big for the sleeve
      if (auto r = icmp_frag_needed(bytes, 1403)) {
        WEFT_ASSERT(r->size() >= 14 + 20 + 8 && r->size() <= 14 + 576, "an ICMP error's size");
      }
      if (auto r = icmp6_packet_too_big(bytes, 1403)) {
        WEFT_ASSERT(r->size() >= 14 + 40 + 8 && r->size() <= 14 + 1280, "an ICMPv6 error's size");
      }
      const auto mtu = static_cast<std::uint16_t>(68 + (bytes.empty() ? 0 : bytes.back() * 5));
      for (const auto& piece : fragment_ipv4(bytes, mtu)) {
        WEFT_ASSERT(piece.size() >= 14 + 20 && piece.size() <= 14u + mtu, "a fragment fits");
      }
      break;
    }
    default: {  // the body after decryption
      if (!decode_sleeve_records(bytes, out)) {
        WEFT_ASSERT(out.empty(), "a refused body appends nothing");
        return 0;
      }
      std::vector<std::uint8_t> again;
      for (const auto& rec : out) {
        append_sleeve_record(again, rec);
        if (!is_sleeve_control(rec)) continue;
        if (auto m = decode_sleeve_control(rec.frame)) {
          const auto head = encode_sleeve_control(*m);
          WEFT_ASSERT(std::equal(head.begin(), head.end(), rec.frame.begin()),
                      "a control record re-encodes to its bytes");
        }
      }
      WEFT_ASSERT(again == bytes, "encode(decode(b)) == b");
      break;
    }
  }
  return 0;
}
