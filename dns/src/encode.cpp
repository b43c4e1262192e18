// SPDX-License-Identifier: Apache-2.0
// encode_message and encode_truncated: name compression (a map from each written suffix, in
// lower case, to its offset) and truncation by keeping the longest prefix of records that fits.
#include "weft/base/bytes.hpp"
#include "weft/dns/wire.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>

namespace weft::dns {
namespace {

bool is_name_type(RrType t) {
  return t == RrType::ns || t == RrType::cname || t == RrType::ptr;
}

/// Writes names with compression: every suffix written at an offset a pointer can reach
/// (below 0x4000) is remembered under its lower-case wire form.
class Encoder {
 public:
  ByteWriter w;

  void name(const Name& n) {
    const auto& labels = n.labels();
    // keys[i]: the lower-case wire form of the suffix starting at label i.
    std::vector<std::string> keys(labels.size());
    std::string key;
    for (std::size_t i = labels.size(); i-- > 0;) {
      key = static_cast<char>(labels[i].size()) + to_lower_ascii(labels[i]) + key;
      keys[i] = key;
    }
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (auto it = suffixes_.find(keys[i]); it != suffixes_.end()) {
        w.write_u16(static_cast<std::uint16_t>(0xC000 | it->second));
        return;
      }
      if (w.size() < 0x4000) suffixes_.emplace(keys[i], static_cast<std::uint16_t>(w.size()));
      w.write_u8(static_cast<std::uint8_t>(labels[i].size()));
      w.write_bytes(labels[i]);
    }
    w.write_u8(0);
  }

  Result<void> record(const ResourceRecord& rr) {
    name(rr.name);
    w.write_u16(static_cast<std::uint16_t>(rr.type()));
    w.write_u16(static_cast<std::uint16_t>(rr.klass));
    w.write_u32(rr.ttl);
    const std::size_t length_at = w.size();
    w.write_u16(0);
    auto r = std::visit([this](const auto& d) { return rdata(d); }, rr.data);
    if (!r) return r.error().wrap("dns: record " + rr.name.to_string());
    return patch_length(length_at);
  }

  Result<void> patch_length(std::size_t length_at) {
    const std::size_t length = w.size() - length_at - 2;
    if (length > 0xFFFF) {
      return Error(Errc::out_of_range, std::to_string(length) + " bytes of rdata, above 65535");
    }
    w.patch_u16(length_at, static_cast<std::uint16_t>(length));
    return ok();
  }

 private:
  Result<void> rdata(const AddressRecord& d) {
    w.write_bytes(d.address.bytes());
    return ok();
  }
  Result<void> rdata(const NameRecord& d) {
    if (!is_name_type(d.type)) {
      return Error(Errc::invalid_argument, "NameRecord of type " +
                                               std::to_string(static_cast<int>(d.type)) +
                                               " (only NS, CNAME and PTR)");
    }
    name(d.target);
    return ok();
  }
  Result<void> rdata(const SoaRecord& d) {
    name(d.mname);
    name(d.rname);
    for (auto v : {d.serial, d.refresh, d.retry, d.expire, d.minimum}) w.write_u32(v);
    return ok();
  }
  Result<void> rdata(const MxRecord& d) {
    w.write_u16(d.preference);
    name(d.exchange);
    return ok();
  }
  Result<void> rdata(const RawRecord& d) {
    if (d.type == RrType::opt) {
      return Error(Errc::invalid_argument, "an OPT record goes in Message::edns");
    }
    w.write_bytes(d.data);
    return ok();
  }

  std::unordered_map<std::string, std::uint16_t> suffixes_;
};

/// The message without OPT, where each record ends (ends[0] is the end of the questions),
/// and the OPT record on its own: it has the root name, so it never compresses and can be
/// put after any prefix of the records.
struct Encoded {
  std::vector<std::uint8_t> body;
  std::vector<std::size_t> ends;
  std::vector<std::uint8_t> opt;
};

constexpr std::size_t kFlagsOffset = 2;
constexpr std::size_t kCountsOffset = 4;

std::uint16_t flags_of(const Header& h) {
  return static_cast<std::uint16_t>(
      (h.qr ? 0x8000 : 0) | (static_cast<unsigned>(h.opcode) & 0xF) << 11 | (h.aa ? 0x0400 : 0) |
      (h.tc ? 0x0200 : 0) | (h.rd ? 0x0100 : 0) | (h.ra ? 0x0080 : 0) | (h.z ? 0x0040 : 0) |
      (h.ad ? 0x0020 : 0) | (h.cd ? 0x0010 : 0) | (h.rcode & 0xF));
}

Result<std::vector<std::uint8_t>> encode_opt(const Edns& e) {
  ByteWriter w;
  w.write_u8(0);  // root
  w.write_u16(static_cast<std::uint16_t>(RrType::opt));
  w.write_u16(e.udp_payload_size);
  w.write_u32(static_cast<std::uint32_t>(e.extended_rcode) << 24 |
              static_cast<std::uint32_t>(e.version) << 16 | (e.dnssec_ok ? 0x8000u : 0u) |
              (e.z & 0x7FFFu));
  const std::size_t length_at = w.size();
  w.write_u16(0);
  for (const auto& o : e.options) {
    w.write_u16(o.code);
    if (auto r = w.write_prefixed_u16(o.data); !r) return r.error().wrap("dns: EDNS option");
  }
  const std::size_t length = w.size() - length_at - 2;
  if (length > 0xFFFF) return Error(Errc::out_of_range, "dns: EDNS options above 65535 bytes");
  w.patch_u16(length_at, static_cast<std::uint16_t>(length));
  return w.take();
}

Result<Encoded> encode_parts(const Message& m) {
  const std::size_t counts[4] = {m.questions.size(), m.answers.size(), m.authorities.size(),
                                 m.additionals.size() + (m.edns ? 1 : 0)};
  for (const std::size_t c : counts) {
    if (c > 0xFFFF) return Error(Errc::out_of_range, "dns: a section of more than 65535 entries");
  }
  Encoder e;
  e.w.write_u16(m.header.id);
  e.w.write_u16(flags_of(m.header));
  for (const std::size_t c : counts) e.w.write_u16(static_cast<std::uint16_t>(c));
  for (const auto& q : m.questions) {
    e.name(q.name);
    e.w.write_u16(static_cast<std::uint16_t>(q.type));
    e.w.write_u16(static_cast<std::uint16_t>(q.klass));
  }
  Encoded out;
  out.ends.push_back(e.w.size());
  for (const auto* section : {&m.answers, &m.authorities, &m.additionals}) {
    for (const auto& rr : *section) {
      if (auto r = e.record(rr); !r) return r.error();
      out.ends.push_back(e.w.size());
    }
  }
  if (m.edns) {
    auto opt = encode_opt(*m.edns);
    if (!opt) return opt.error();
    out.opt = std::move(*opt);
  }
  out.body = e.w.take();
  return out;
}

}  // namespace

Result<std::vector<std::uint8_t>> encode_message(const Message& message) {
  auto parts = encode_parts(message);
  if (!parts) return parts.error();
  auto bytes = std::move(parts->body);
  bytes.insert(bytes.end(), parts->opt.begin(), parts->opt.end());
  if (bytes.size() > kMaxMessageSize) {
    return Error(Errc::out_of_range, "dns: the message is " + std::to_string(bytes.size()) +
                                         " bytes, above 65535 (truncate it)");
  }
  return bytes;
}

Result<std::vector<std::uint8_t>> encode_truncated(const Message& message, std::size_t max_size) {
  max_size = std::min(max_size, kMaxMessageSize);
  auto parts = encode_parts(message);
  if (!parts) return parts.error();
  const auto& ends = parts->ends;
  const std::size_t opt = parts->opt.size();
  if (ends.front() + opt > max_size) {
    return Error(Errc::out_of_range, "dns: header, questions and OPT take " +
                                         std::to_string(ends.front() + opt) + " bytes, above " +
                                         std::to_string(max_size));
  }
  // Keep the longest prefix of records that fits: pointers only go backwards, so a prefix
  // of the encoding is the encoding of the prefix.
  std::size_t kept = ends.size() - 1;
  while (ends[kept] + opt > max_size) --kept;
  auto bytes = std::move(parts->body);
  bytes.resize(ends[kept]);
  bytes.insert(bytes.end(), parts->opt.begin(), parts->opt.end());
  if (kept + 1 == ends.size()) return bytes;

  const std::size_t an = std::min(kept, message.answers.size());
  const std::size_t ns = std::min(kept - an, message.authorities.size());
  const std::size_t ar = kept - an - ns + (message.edns ? 1 : 0);
  ByteWriter w(std::move(bytes));
  w.patch_u16(kCountsOffset + 2, static_cast<std::uint16_t>(an));
  w.patch_u16(kCountsOffset + 4, static_cast<std::uint16_t>(ns));
  w.patch_u16(kCountsOffset + 6, static_cast<std::uint16_t>(ar));
  if (an + ns < message.answers.size() + message.authorities.size()) {
    Header h = message.header;
    h.tc = true;
    w.patch_u16(kFlagsOffset, flags_of(h));
  }
  return w.take();
}

}  // namespace weft::dns
