// SPDX-License-Identifier: Apache-2.0
// Fuzzes what weftd does with a UDP datagram from anyone on the underlay: the sleeve header,
// the opener (plaintext and sealed connections) and the record parser it runs after
// decryption, the ICMP answer to a pod's frame that is too big, and TSO reads from weft-tap. Never
// crashes; records that parse re-encode to the same bytes.
#include "weft/base/assert.hpp"
#include "weft/router/offload.hpp"
#include "weft/router/pmtu.hpp"
#include "weft/router/sleeve_crypto.hpp"
#include "weft/router/sleeve_wire.hpp"

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
      break;
    }
    case 3: {  // a pod's frame too big for the sleeve
      if (auto r = icmp_frag_needed(bytes, 1403)) {
        WEFT_ASSERT(r->size() >= 14 + 20 + 8 && r->size() <= 14 + 576, "an ICMP error's size");
      }
      break;
    }
    default: {  // the body after decryption
      if (!decode_sleeve_records(bytes, out)) {
        WEFT_ASSERT(out.empty(), "a refused body appends nothing");
        return 0;
      }
      std::vector<std::uint8_t> again;
      for (const auto& rec : out) append_sleeve_record(again, rec);
      WEFT_ASSERT(again == bytes, "encode(decode(b)) == b");
      break;
    }
  }
  return 0;
}
