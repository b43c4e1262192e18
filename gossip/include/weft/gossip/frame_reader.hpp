// SPDX-License-Identifier: Apache-2.0
// FrameReader: turns a TCP byte stream into frame payloads (u32 length + payload, wire.hpp).
#pragma once

#include "weft/base/result.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace weft::gossip {

/// Incremental: feed stream bytes as they arrive, pop complete frame payloads. A length
/// prefix is checked as soon as its 4 bytes are in, so a hostile peer cannot make us buffer
/// more than one frame's worth of bytes beyond what the caller has not popped yet.
class FrameReader {
 public:
  /// Appends `bytes`. Fails when a length prefix exceeds kMaxFrameBytes ("frame of N bytes
  /// exceeds the 1048576-byte limit"); after that the reader is dead: every later feed fails
  /// and next() returns nothing, since the stream can no longer be split into frames.
  Result<void> feed(std::span<const std::uint8_t> bytes);
  /// The next complete payload, if any.
  std::optional<std::vector<std::uint8_t>> next();
  /// Bytes fed and not yet returned by next().
  [[nodiscard]] std::size_t buffered() const { return buf_.size() - head_; }

 private:
  std::vector<std::uint8_t> buf_;
  std::size_t head_ = 0;  // start of the next frame to return
  std::size_t scan_ = 0;  // [head_, scan_) holds only complete frames with valid lengths
  bool dead_ = false;
};

}  // namespace weft::gossip
