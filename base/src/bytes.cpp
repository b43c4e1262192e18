// SPDX-License-Identifier: Apache-2.0
// ByteWriter / ByteReader: the only place base code converts integers to and from wire order.
#include "weft/base/bytes.hpp"

#include "weft/base/assert.hpp"

#include <array>
#include <limits>
#include <string>

namespace weft {
namespace {

template <class T>
void append_be(std::vector<std::uint8_t>& buf, T v) {
  // One insert, not a push_back per byte: encoders of whole rings write thousands of these.
  std::array<std::uint8_t, sizeof(T)> b{};
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    b[i] = static_cast<std::uint8_t>(v >> (8 * (sizeof(T) - 1 - i)));
  }
  buf.insert(buf.end(), b.begin(), b.end());
}

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

template <class Len>
Result<void> write_prefixed(ByteWriter& w, std::span<const std::uint8_t> bytes) {
  if (bytes.size() > std::numeric_limits<Len>::max()) {
    return Error(Errc::out_of_range, std::to_string(bytes.size()) + " bytes do not fit a " +
                                         std::to_string(8 * sizeof(Len)) + "-bit length prefix");
  }
  if constexpr (sizeof(Len) == 2) {
    w.write_u16(static_cast<std::uint16_t>(bytes.size()));
  } else {
    w.write_u32(static_cast<std::uint32_t>(bytes.size()));
  }
  w.write_bytes(bytes);
  return ok();
}

}  // namespace

void ByteWriter::write_u16(std::uint16_t v) {
  append_be(buf_, v);
}
void ByteWriter::write_u32(std::uint32_t v) {
  append_be(buf_, v);
}
void ByteWriter::write_u64(std::uint64_t v) {
  append_be(buf_, v);
}

void ByteWriter::write_bytes(std::span<const std::uint8_t> bytes) {
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}
void ByteWriter::write_bytes(std::string_view text) {
  write_bytes(as_bytes(text));
}

Result<void> ByteWriter::write_prefixed_u16(std::span<const std::uint8_t> bytes) {
  return write_prefixed<std::uint16_t>(*this, bytes);
}
Result<void> ByteWriter::write_prefixed_u16(std::string_view text) {
  return write_prefixed<std::uint16_t>(*this, as_bytes(text));
}
Result<void> ByteWriter::write_prefixed_u32(std::span<const std::uint8_t> bytes) {
  return write_prefixed<std::uint32_t>(*this, bytes);
}
Result<void> ByteWriter::write_prefixed_u32(std::string_view text) {
  return write_prefixed<std::uint32_t>(*this, as_bytes(text));
}

void ByteWriter::patch_u16(std::size_t offset, std::uint16_t v) {
  WEFT_ASSERT(offset <= buf_.size() && buf_.size() - offset >= 2,
              "patch offsets come from size() before a placeholder was written");
  buf_[offset] = static_cast<std::uint8_t>(v >> 8);
  buf_[offset + 1] = static_cast<std::uint8_t>(v);
}

void ByteWriter::patch_u32(std::size_t offset, std::uint32_t v) {
  WEFT_ASSERT(offset <= buf_.size() && buf_.size() - offset >= 4,
              "patch offsets come from size() before a placeholder was written");
  for (std::size_t i = 0; i < 4; ++i) {
    buf_[offset + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
  }
}

Error ByteReader::truncated(std::string_view what, std::size_t need) const {
  return Error(Errc::out_of_range, "truncated input: reading " + std::string(what) + " (" +
                                       std::to_string(need) + " bytes) at offset " +
                                       std::to_string(offset_) + ", " +
                                       std::to_string(remaining()) + " remain");
}

template <class T>
Result<T> ByteReader::read_be(std::string_view what) {
  if (remaining() < sizeof(T)) return truncated(what, sizeof(T));
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    v = static_cast<T>((v << 8) | data_[offset_ + i]);
  }
  offset_ += sizeof(T);
  return v;
}

Result<std::uint8_t> ByteReader::read_u8(std::string_view what) {
  return read_be<std::uint8_t>(what);
}
Result<std::uint16_t> ByteReader::read_u16(std::string_view what) {
  return read_be<std::uint16_t>(what);
}
Result<std::uint32_t> ByteReader::read_u32(std::string_view what) {
  return read_be<std::uint32_t>(what);
}
Result<std::uint64_t> ByteReader::read_u64(std::string_view what) {
  return read_be<std::uint64_t>(what);
}

Result<std::span<const std::uint8_t>> ByteReader::read_bytes(std::size_t n, std::string_view what) {
  if (remaining() < n) return truncated(what, n);
  auto out = data_.subspan(offset_, n);
  offset_ += n;
  return out;
}

std::span<const std::uint8_t> ByteReader::read_rest() noexcept {
  auto out = data_.subspan(offset_);
  offset_ = data_.size();
  return out;
}

Result<std::span<const std::uint8_t>> ByteReader::read_prefixed(std::size_t prefix_size,
                                                                std::size_t max,
                                                                std::string_view what) {
  const std::size_t start = offset_;
  // Checked here so that the common path builds no "<what> length" string.
  if (remaining() < prefix_size) return truncated(std::string(what) + " length", prefix_size);
  const std::uint64_t len = prefix_size == 2 ? std::uint64_t{*read_u16()} : *read_u32();
  if (len > max) {
    offset_ = start;
    return Error(Errc::parse_error, std::string(what) + " at offset " + std::to_string(start) +
                                        " declares " + std::to_string(len) +
                                        " bytes, more than the limit of " + std::to_string(max));
  }
  auto body = read_bytes(static_cast<std::size_t>(len), what);
  if (!body) offset_ = start;
  return body;
}

Result<std::span<const std::uint8_t>> ByteReader::read_prefixed_u16(std::size_t max,
                                                                    std::string_view what) {
  return read_prefixed(2, max, what);
}
Result<std::span<const std::uint8_t>> ByteReader::read_prefixed_u32(std::size_t max,
                                                                    std::string_view what) {
  return read_prefixed(4, max, what);
}

Result<void> ByteReader::skip(std::size_t n, std::string_view what) {
  if (remaining() < n) return truncated(what, n);
  offset_ += n;
  return ok();
}

Result<void> ByteReader::expect_end(std::string_view what) {
  if (at_end()) return ok();
  return Error(Errc::parse_error, std::to_string(remaining()) + " unexpected bytes after " +
                                      std::string(what) + " at offset " + std::to_string(offset_));
}

}  // namespace weft
