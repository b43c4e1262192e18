// SPDX-License-Identifier: Apache-2.0
// FrameReader: length checks on arrival, payloads copied out on next().
#include "weft/gossip/frame_reader.hpp"

#include "weft/gossip/wire.hpp"

#include <string>

namespace weft::gossip {
namespace {

constexpr std::size_t kLengthBytes = 4;
constexpr std::size_t kRetainedCapacity = 4 * 1024;  // heartbeats and announcements fit

std::size_t read_length(const std::uint8_t* p) {
  return (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) |
         std::size_t{p[3]};
}

}  // namespace

Result<void> FrameReader::feed(std::span<const std::uint8_t> bytes) {
  if (dead_) return Error(Errc::parse_error, "frame stream failed earlier");
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
  while (buf_.size() - scan_ >= kLengthBytes) {
    const std::size_t len = read_length(buf_.data() + scan_);
    if (len > kMaxFrameBytes) {
      dead_ = true;
      buf_.clear();
      head_ = scan_ = 0;
      return Error(Errc::out_of_range, "frame of " + std::to_string(len) + " bytes exceeds the " +
                                           std::to_string(kMaxFrameBytes) + "-byte limit");
    }
    if (buf_.size() - scan_ - kLengthBytes < len) break;
    scan_ += kLengthBytes + len;
  }
  return ok();
}

std::optional<std::vector<std::uint8_t>> FrameReader::next() {
  if (head_ == scan_) return std::nullopt;
  const std::size_t len = read_length(buf_.data() + head_);
  const auto begin = buf_.begin() + static_cast<std::ptrdiff_t>(head_ + kLengthBytes);
  std::vector<std::uint8_t> payload(begin, begin + static_cast<std::ptrdiff_t>(len));
  head_ += kLengthBytes + len;
  // Compact once the consumed prefix dominates, so the buffer stays near one frame in size
  // without moving bytes on every pop.
  if (head_ == buf_.size() || head_ >= buf_.size() / 2) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(head_));
    scan_ -= head_;
    head_ = 0;
  }
  // One large frame (a full topology for a new neighbour) must not pin its buffer for the
  // life of the connection: a peer with 100 connections would hold 100 such buffers.
  if (buf_.empty() && buf_.capacity() > kRetainedCapacity) std::vector<std::uint8_t>().swap(buf_);
  return payload;
}

}  // namespace weft::gossip
