// SPDX-License-Identifier: Apache-2.0
// Sleeve datagram header and records (sleeve_wire.hpp): bounds-checked, never throws.
#include "weft/router/sleeve_wire.hpp"

#include "weft/base/assert.hpp"
#include "weft/base/bytes.hpp"
#include "weft/base/error.hpp"

#include <string>

namespace weft::router {
namespace {

void put_be(std::uint8_t* p, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * (bytes - 1 - i)));
}

Error bad(std::string what) {
  return Error(Errc::parse_error, "bad sleeve datagram: " + what);
}

}  // namespace

std::string_view to_string(SleeveCipher cipher) noexcept {
  switch (cipher) {
    case SleeveCipher::plaintext: return "plaintext";
    case SleeveCipher::chacha20poly1305: return "chacha20-poly1305";
    case SleeveCipher::aes256gcm: return "aes-256-gcm";
  }
  return "unknown";
}

Result<SleeveHeader> decode_sleeve_header(std::span<const std::uint8_t> datagram) {
  ByteReader r(datagram);
  auto first = r.read_u8("sleeve version and cipher");
  if (!first) return first.error();
  if ((*first >> 4) != kSleeveVersion) {
    return Error(Errc::unsupported, "sleeve datagram of version " + std::to_string(*first >> 4) +
                                        ", this weftd speaks " + std::to_string(kSleeveVersion) +
                                        ": upgrade the older peer");
  }
  const unsigned cipher = *first & 0x0f;
  if (cipher > static_cast<unsigned>(SleeveCipher::aes256gcm)) {
    return Error(Errc::unsupported,
                 "sleeve datagram with unknown cipher " + std::to_string(cipher));
  }
  auto epoch = r.read_u8("key epoch");
  if (!epoch) return epoch.error();
  auto reserved = r.read_u16("reserved");
  if (!reserved) return reserved.error();
  if (*reserved != 0) return bad("reserved field is " + std::to_string(*reserved));
  auto sender = r.read_u64("sender");
  if (!sender) return sender.error();
  if (*sender == 0) return bad("sender is zero");
  auto counter = r.read_u64("counter");
  if (!counter) return counter.error();
  return SleeveHeader{static_cast<SleeveCipher>(cipher), *epoch, PeerName(*sender), *counter};
}

void write_sleeve_header(std::vector<std::uint8_t>& out, const SleeveHeader& header) {
  if (out.size() < kSleeveHeaderBytes) out.resize(kSleeveHeaderBytes);
  std::uint8_t* p = out.data();
  p[0] = static_cast<std::uint8_t>(kSleeveVersion << 4 | static_cast<unsigned>(header.cipher));
  p[1] = header.epoch;
  p[2] = 0;
  p[3] = 0;
  put_be(p + 4, header.sender.value(), 8);
  put_be(p + 12, header.counter, 8);
}

void append_sleeve_record(std::vector<std::uint8_t>& out, const SleeveRecord& record) {
  WEFT_ASSERT(!record.frame.empty() && record.frame.size() <= 0xffff,
              "frames come from the TAP device, bounded by its MTU and GSO size");
  const std::size_t at = out.size();
  out.resize(at + kSleeveRecordHeaderBytes);
  std::uint8_t* p = out.data() + at;
  put_be(p, record.frame.size(), 2);
  put_be(p + 2, record.origin.value(), 8);
  put_be(p + 10, record.destination.value(), 8);
  p[18] = record.ttl;
  out.insert(out.end(), record.frame.begin(), record.frame.end());
}

Result<void> decode_sleeve_records(std::span<const std::uint8_t> body,
                                   std::vector<SleeveRecord>& out) {
  ByteReader r(body);
  std::vector<SleeveRecord> records;
  while (!r.at_end()) {
    if (records.size() == kSleeveMaxRecords) {
      return bad("more than " + std::to_string(kSleeveMaxRecords) + " records");
    }
    auto len = r.read_u16("record length");
    auto origin = len ? r.read_u64("record origin") : Result<std::uint64_t>(len.error());
    auto destination = origin ? r.read_u64("record destination") : origin;
    auto ttl = destination ? r.read_u8("record ttl") : Result<std::uint8_t>(destination.error());
    if (!ttl) return ttl.error();
    if (*len == 0) return bad("empty frame in record " + std::to_string(records.size()));
    if (*origin == 0) return bad("zero origin in record " + std::to_string(records.size()));
    auto frame = r.read_bytes(*len, "record frame");
    if (!frame) return frame.error();
    records.push_back(SleeveRecord{PeerName(*origin), PeerName(*destination), *ttl, *frame});
  }
  out.insert(out.end(), records.begin(), records.end());
  return ok();
}

}  // namespace weft::router
