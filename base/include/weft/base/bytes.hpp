// SPDX-License-Identifier: Apache-2.0
// ByteWriter and ByteReader: big-endian encoding for wire formats, with every read bounds-checked.
#pragma once

#include "weft/base/result.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace weft {

/// Appends big-endian integers and byte strings to a growing buffer.
class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(std::vector<std::uint8_t> initial) : buf_(std::move(initial)) {}

  /// Room for `n` more bytes (an encoder that knows its size avoids regrowing).
  void reserve(std::size_t n) { buf_.reserve(buf_.size() + n); }
  void write_u8(std::uint8_t v) { buf_.push_back(v); }
  void write_u16(std::uint16_t v);
  void write_u32(std::uint32_t v);
  void write_u64(std::uint64_t v);
  void write_bytes(std::span<const std::uint8_t> bytes);
  void write_bytes(std::string_view text);

  /// A u16 length then the bytes; out_of_range (nothing written) above 65535 bytes, since
  /// silently truncating a length would corrupt the frame.
  Result<void> write_prefixed_u16(std::span<const std::uint8_t> bytes);
  Result<void> write_prefixed_u16(std::string_view text);
  /// A u32 length then the bytes; out_of_range (nothing written) above 2^32-1 bytes.
  Result<void> write_prefixed_u32(std::span<const std::uint8_t> bytes);
  Result<void> write_prefixed_u32(std::string_view text);

  /// Overwrites bytes already written, for lengths known only after the body (the offset
  /// comes from size() before the placeholder was written; out of bounds is a bug).
  void patch_u16(std::size_t offset, std::uint16_t v);
  void patch_u32(std::size_t offset, std::uint32_t v);

  [[nodiscard]] std::size_t size() const noexcept { return buf_.size(); }
  [[nodiscard]] std::span<const std::uint8_t> data() const noexcept { return buf_; }
  /// Moves the buffer out; the writer is empty afterwards.
  [[nodiscard]] std::vector<std::uint8_t> take() noexcept { return std::exchange(buf_, {}); }

 private:
  std::vector<std::uint8_t> buf_;
};

/// Reads big-endian values from untrusted bytes without ever reading past the end.
/// Every read takes a `what` naming the field for the error message ("truncated input:
/// reading frame length (2 bytes) at offset 5, 1 remains"). A failed read consumes nothing.
/// The reader does not own the bytes: spans it returns point into them.
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> data) noexcept : data_(data) {}

  Result<std::uint8_t> read_u8(std::string_view what = "u8");
  Result<std::uint16_t> read_u16(std::string_view what = "u16");
  Result<std::uint32_t> read_u32(std::string_view what = "u32");
  Result<std::uint64_t> read_u64(std::string_view what = "u64");
  /// The next `n` bytes.
  Result<std::span<const std::uint8_t>> read_bytes(std::size_t n, std::string_view what = "bytes");
  /// Everything that remains (possibly nothing).
  std::span<const std::uint8_t> read_rest() noexcept;
  /// A u16 (or u32) length then that many bytes. parse_error when the length exceeds `max`,
  /// out_of_range when fewer bytes remain; either way nothing is consumed.
  Result<std::span<const std::uint8_t>> read_prefixed_u16(std::size_t max,
                                                          std::string_view what = "u16-prefixed");
  Result<std::span<const std::uint8_t>> read_prefixed_u32(std::size_t max,
                                                          std::string_view what = "u32-prefixed");
  Result<void> skip(std::size_t n, std::string_view what = "skipped bytes");
  /// parse_error when bytes remain: for formats that must be consumed exactly.
  Result<void> expect_end(std::string_view what = "message");

  [[nodiscard]] std::size_t offset() const noexcept { return offset_; }
  [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - offset_; }
  [[nodiscard]] bool at_end() const noexcept { return offset_ == data_.size(); }

 private:
  Error truncated(std::string_view what, std::size_t need) const;
  template <class T>
  Result<T> read_be(std::string_view what);
  Result<std::span<const std::uint8_t>> read_prefixed(std::size_t prefix_size, std::size_t max,
                                                      std::string_view what);

  std::span<const std::uint8_t> data_;
  std::size_t offset_ = 0;
};

}  // namespace weft
