// SPDX-License-Identifier: Apache-2.0
// Responder: the order of the checks (responder.hpp), the fast path for A/AAAA of registered
// names, and the forwarded answers put back into the client's terms.
#include "weft/dns/responder.hpp"

#include <algorithm>
#include <cstring>

namespace weft::dns {
namespace {

constexpr std::uint8_t kOptRecordSize = 11;  // root, type, class, ttl, rdlength
constexpr std::size_t kPointerToQuestion = 0xC000 | kHeaderSize;

std::uint16_t u16_at(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

void put_u16(std::uint8_t* p, std::size_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

char lower(std::uint8_t c) noexcept {
  return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/// A reply to `query` carrying only `rcode`: its id, opcode, RD and CD, the question when it
/// has exactly one, OPT when it had one.
Message reply_to(const Message& query, Rcode rcode, bool recursion_available) {
  Message r;
  r.header.id = query.header.id;
  r.header.qr = true;
  r.header.opcode = query.header.opcode;
  r.header.rd = query.header.rd;
  r.header.cd = query.header.cd;
  r.header.ra = recursion_available;
  if (query.questions.size() == 1) r.questions = query.questions;
  if (query.edns) {
    r.edns.emplace();
    r.edns->dnssec_ok = query.edns->dnssec_ok;
  }
  r.set_rcode(rcode);
  return r;
}

// The payload size our OPT advertises. UDP replies never exceed it either, whatever the client
// offers (RFC 6891 6.2.5: the smaller of the two; DNS Flag Day 2020: no IP fragments).
constexpr std::size_t kOurUdpSize = 1232;

std::size_t limit_for(const Message* query, Transport transport) {
  if (transport == Transport::tcp) return kMaxMessageSize;
  return query != nullptr ? std::min(udp_response_limit(*query), kOurUdpSize) : kClassicUdpSize;
}

}  // namespace

Responder::Responder(const Authority& authority, Cache& cache, bool forwarding)
    : authority_(authority), cache_(cache), forwarding_(forwarding) {}

std::vector<std::uint8_t> Responder::send(const Message& reply, std::size_t limit) {
  auto bytes = encode_truncated(reply, limit);
  Rcode rcode = reply.rcode();
  if (!bytes) {
    // Not for replies made here (a question and OPT take under 300 bytes); an upstream's
    // records that will not encode become a bare SERVFAIL.
    Message bare;
    bare.header = reply.header;
    bare.header.tc = false;
    bare.set_rcode(rcode = Rcode::servfail);
    bytes = encode_message(bare);
    if (!bytes) return {};
  }
  ++stats_.responses_by_rcode[static_cast<std::uint16_t>(rcode)];
  if (((*bytes)[2] & 0x02) != 0 && !reply.header.tc) ++stats_.truncated;
  return std::move(*bytes);
}

Handled Responder::handle(std::span<const std::uint8_t> bytes, Transport transport, TimePoint now) {
  const auto header = parse_header(bytes);
  if (!header || header->qr) {
    ++stats_.dropped;  // nothing to answer to, or someone else's answer: no reflection
    return {};
  }
  if (fast_path_) {
    if (auto reply = fast_answer(bytes, transport)) return Handled{std::move(*reply), {}};
  }
  auto query = parse_message(bytes);
  if (!query) {
    Message r;
    r.header.id = header->id;
    r.header.qr = true;
    r.header.opcode = header->opcode;
    r.header.rd = header->rd;
    r.header.cd = header->cd;
    r.set_rcode(Rcode::formerr);
    return Handled{send(r, limit_for(nullptr, transport)), {}};
  }
  const Message& q = *query;
  const std::size_t limit = limit_for(&q, transport);
  if (q.questions.size() == 1) {
    ++stats_.queries_by_type[static_cast<std::uint16_t>(q.questions[0].type)];
  }
  if (q.header.opcode != Opcode::query) {
    return Handled{send(reply_to(q, Rcode::notimp, forwarding_), limit), {}};
  }
  if (q.questions.size() != 1) {
    return Handled{send(reply_to(q, Rcode::formerr, forwarding_), limit), {}};
  }
  if (q.edns && q.edns->version > 0) {
    return Handled{send(reply_to(q, Rcode::badvers, forwarding_), limit), {}};
  }
  if (auto answer = authority_.answer(q, rotation_, forwarding_)) {
    ++rotation_;
    ++stats_.authoritative;
    return Handled{send(*answer, limit), {}};
  }
  if (!forwarding_) return Handled{send(reply_to(q, Rcode::refused, false), limit), {}};
  if (auto hit = cache_.lookup(q, now)) {
    if (restore(*hit, q)) return Handled{send(*hit, limit), {}};
  }
  ++stats_.forwarded;
  Handled out;
  out.forward = Forward{std::move(*query), std::vector<std::uint8_t>(bytes.begin(), bytes.end())};
  return out;
}

bool Responder::restore(Message& answer, const Message& query) const {
  const Rcode rcode = answer.rcode();
  answer.header.id = query.header.id;
  answer.header.qr = true;
  answer.header.opcode = Opcode::query;
  answer.header.rd = query.header.rd;
  answer.header.cd = query.header.cd;
  answer.header.aa = false;  // forwarded or cached: not ours (RFC 1035 4.1.1)
  answer.header.ra = forwarding_;
  answer.header.z = false;
  answer.questions = query.questions;
  // Our OPT, not the upstream's: its options (cookies, padding) were for us.
  answer.edns.reset();
  if (query.edns) {
    answer.edns.emplace();
    answer.edns->dnssec_ok = query.edns->dnssec_ok;
  } else if (static_cast<unsigned>(rcode) > 0xF) {
    return false;
  }
  answer.set_rcode(rcode);
  return true;
}

std::vector<std::uint8_t> Responder::on_upstream(const Forward& forward,
                                                 const Result<std::vector<std::uint8_t>>& upstream,
                                                 Transport transport, TimePoint now) {
  const Message& q = forward.query;
  const std::size_t limit = limit_for(&q, transport);
  const auto fail = [&] {
    ++stats_.upstream_failures;
    return send(reply_to(q, Rcode::servfail, forwarding_), limit);
  };
  if (!upstream) return fail();
  auto answer = parse_message(*upstream);
  // The forwarder matched the id; the question must match too (RFC 5452 9.1), or this is an
  // answer to something else.
  if (!answer || !answer->header.qr || answer->header.opcode != Opcode::query ||
      q.questions.size() != 1 || answer->questions.size() != 1 ||
      !(answer->questions.front() == q.questions.front())) {
    return fail();
  }
  cache_.store(q, *answer, now);
  if (!restore(*answer, q)) return fail();
  return send(*answer, limit);
}

std::optional<std::vector<std::uint8_t>> Responder::fast_answer(std::span<const std::uint8_t> q,
                                                                Transport transport) {
  // The header: a standard query with one question and at most one additional record.
  if (q.size() < kHeaderSize + 5 || q.size() > kMaxMessageSize || (q[2] & 0x78) != 0 ||
      u16_at(q, 4) != 1 || u16_at(q, 6) != 0 || u16_at(q, 8) != 0 || u16_at(q, 10) > 1) {
    return std::nullopt;
  }
  // The name, uncompressed, lowered into the index's key form as it is checked.
  char key[kMaxNameLength];
  std::size_t key_size = 0;
  std::size_t pos = kHeaderSize;
  for (;;) {
    if (pos >= q.size()) return std::nullopt;
    const std::uint8_t len = q[pos];
    if (len == 0) break;
    // Pointers, reserved label types and names over 255 bytes: the general path says what.
    if (len > kMaxLabelLength || q.size() - pos - 1 < len || key_size + 1 + len >= kMaxNameLength) {
      return std::nullopt;
    }
    key[key_size++] = static_cast<char>(len);
    for (std::size_t i = 1; i <= len; ++i) key[key_size++] = lower(q[pos + i]);
    pos += 1 + len;
  }
  const std::size_t question_end = pos + 5;
  if (key_size == 0 || question_end > q.size()) return std::nullopt;
  const auto type = static_cast<RrType>(u16_at(q, pos + 1));
  const auto klass = static_cast<RrClass>(u16_at(q, pos + 3));
  if ((type != RrType::a && type != RrType::aaaa) ||
      (klass != RrClass::in && klass != RrClass::any)) {
    return std::nullopt;
  }
  // The OPT record, if any: version 0 (else BADVERS), options well formed, nothing after it.
  std::size_t limit = transport == Transport::tcp ? kMaxMessageSize : kClassicUdpSize;
  bool edns = false, dnssec_ok = false;
  if (u16_at(q, 10) == 1) {
    pos = question_end;
    if (q.size() - pos < kOptRecordSize || q[pos] != 0 ||
        u16_at(q, pos + 1) != static_cast<std::uint16_t>(RrType::opt) || q[pos + 6] != 0 ||
        u16_at(q, pos + 9) != q.size() - pos - kOptRecordSize) {
      return std::nullopt;
    }
    if (transport == Transport::udp) {
      limit = std::min(kOurUdpSize, std::max<std::size_t>(limit, u16_at(q, pos + 3)));
    }
    dnssec_ok = (q[pos + 7] & 0x80) != 0;
    for (pos += kOptRecordSize; pos < q.size();) {
      if (q.size() - pos < 4 || q.size() - pos - 4 < u16_at(q, pos + 2)) return std::nullopt;
      pos += 4 + u16_at(q, pos + 2);
    }
    edns = true;
  } else if (question_end != q.size()) {
    return std::nullopt;
  }
  const auto* list = authority_.addresses({key, key_size}, type);
  if (list == nullptr) return std::nullopt;

  ++stats_.queries_by_type[static_cast<std::uint16_t>(type)];
  ++stats_.authoritative;
  std::span<const IpAddress> order(*list);
  if (list->size() > 1) {
    order_.assign(list->begin(), list->end());
    rotate_order(std::span(order_), rotation_);
    order = order_;
  }
  ++rotation_;
  // Whole records, as many as fit: what encode_truncated keeps of the general path's reply.
  const std::size_t address_size = type == RrType::a ? IpAddress::kV4Size : IpAddress::kV6Size;
  const std::size_t record_size = 12 + address_size;
  const std::size_t fixed = question_end + (edns ? kOptRecordSize : 0);
  const std::size_t count = std::min(order.size(), (limit - fixed) / record_size);
  std::vector<std::uint8_t> reply(fixed + count * record_size);
  std::uint8_t* out = reply.data();
  std::memcpy(out, q.data(), question_end);
  out[2] = static_cast<std::uint8_t>(0x84 | (count < order.size() ? 0x02 : 0) | (q[2] & 0x01));
  out[3] = static_cast<std::uint8_t>((forwarding_ ? 0x80 : 0) | (q[3] & 0x10));
  put_u16(out + 6, count);
  put_u16(out + 10, edns ? 1 : 0);
  out += question_end;
  const std::uint32_t ttl = authority_.config().ttl;
  for (std::size_t i = 0; i < count; ++i) {
    put_u16(out, kPointerToQuestion);
    put_u16(out + 2, static_cast<std::size_t>(type));
    put_u16(out + 4, static_cast<std::size_t>(RrClass::in));
    put_u16(out + 6, ttl >> 16);
    put_u16(out + 8, ttl & 0xFFFF);
    put_u16(out + 10, address_size);
    std::memcpy(out + 12, order[i].bytes().data(), address_size);
    out += record_size;
  }
  if (edns) {
    const std::uint8_t opt[kOptRecordSize] = {
        0, 0, 41, 1232 >> 8, 1232 & 0xFF, 0, 0, static_cast<std::uint8_t>(dnssec_ok ? 0x80 : 0),
        0, 0, 0};
    std::memcpy(out, opt, kOptRecordSize);
  }
  ++stats_.responses_by_rcode[static_cast<std::uint16_t>(Rcode::noerror)];
  if (count < order.size()) ++stats_.truncated;
  return reply;
}

std::string type_name(std::uint16_t type) {
  switch (type) {
    case 1: return "A";
    case 2: return "NS";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 12: return "PTR";
    case 15: return "MX";
    case 16: return "TXT";
    case 28: return "AAAA";
    case 33: return "SRV";
    case 35: return "NAPTR";
    case 41: return "OPT";
    case 43: return "DS";
    case 46: return "RRSIG";
    case 47: return "NSEC";
    case 48: return "DNSKEY";
    case 64: return "SVCB";
    case 65: return "HTTPS";
    case 251: return "IXFR";
    case 252: return "AXFR";
    case 255: return "ANY";
    case 257: return "CAA";
    default: return "TYPE" + std::to_string(type);
  }
}

std::string rcode_name(std::uint16_t rcode) {
  switch (rcode) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    case 6: return "YXDOMAIN";
    case 7: return "YXRRSET";
    case 8: return "NXRRSET";
    case 9: return "NOTAUTH";
    case 10: return "NOTZONE";
    case 16: return "BADVERS";
    case 23: return "BADCOOKIE";
    default: return "RCODE" + std::to_string(rcode);
  }
}

}  // namespace weft::dns
