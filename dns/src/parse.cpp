// SPDX-License-Identifier: Apache-2.0
// parse_message and parse_header: untrusted bytes in, a Message or a parse_error saying what and
// at which offset out. Every read is bounds-checked (ByteReader, or explicit checks for names,
// which are read from the whole message because pointers reach back), and every compression
// pointer must go below the run of labels that leads to it, so no input loops.
#include "weft/base/bytes.hpp"
#include "weft/dns/wire.hpp"

#include <cstdio>
#include <string>

namespace weft::dns {
namespace {

std::string hex8(std::uint8_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(v));
  return buf;
}

Error fail(std::size_t offset, const std::string& what) {
  return Error(Errc::parse_error, what + " at offset " + std::to_string(offset));
}

/// Reads the (possibly compressed) name that starts at `start`; `end` gets the offset just
/// past its bytes in place (after the zero byte or the first pointer).
Result<Name> read_name(std::span<const std::uint8_t> msg, std::size_t start, std::size_t& end) {
  std::vector<std::string> labels;
  std::size_t pos = start;
  std::size_t limit = start;  // a pointer must go below the run of labels it ends
  std::size_t in_place_end = 0;
  std::size_t length = 1;  // on the wire, uncompressed: the root's zero byte
  for (;;) {
    if (pos >= msg.size()) return fail(pos, "truncated name");
    const std::uint8_t len = msg[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= msg.size()) return fail(pos, "truncated compression pointer");
      const std::size_t target = static_cast<std::size_t>(len & 0x3F) << 8 | msg[pos + 1];
      if (target >= limit) {
        return fail(pos, "compression pointer to " + std::to_string(target) +
                             " does not point before the labels that lead to it"
                             " (a forward pointer or a loop)");
      }
      if (in_place_end == 0) in_place_end = pos + 2;
      pos = target;
      limit = target;
      continue;
    }
    if (len > kMaxLabelLength) {
      return fail(
          pos, "label length byte " + hex8(len) + " (lengths above 63 are reserved label types)");
    }
    if (len == 0) break;
    if (msg.size() - pos - 1 < len) return fail(pos, "truncated label");
    length += 1 + len;
    if (length > kMaxNameLength) return fail(pos, "name longer than 255 bytes");
    labels.emplace_back(reinterpret_cast<const char*>(msg.data() + pos + 1), len);
    pos += 1 + len;
  }
  end = in_place_end == 0 ? pos + 1 : in_place_end;
  return Name::from_labels(std::move(labels));
}

enum class Section { answer, authority, additional };

const char* section_name(Section s) {
  switch (s) {
    case Section::answer: return "answer";
    case Section::authority: return "authority";
    case Section::additional: return "additional";
  }
  return "?";
}

/// Walks the message with a ByteReader; names are read from the whole message (pointers
/// reach back) and then skipped over in the reader.
class Parser {
 public:
  explicit Parser(std::span<const std::uint8_t> msg) : msg_(msg), r_(msg) {}

  Result<Name> name() {
    std::size_t end = 0;
    auto n = read_name(msg_, r_.offset(), end);
    if (!n) return n;
    if (auto s = r_.skip(end - r_.offset(), "name"); !s) return s.error();
    return n;
  }

  Result<Message> message() {
    Message m;
    auto h = parse_header(msg_);
    if (!h) return h.error();
    m.header = *h;
    (void)r_.skip(4, "id and flags");  // parse_header checked the length
    std::uint16_t counts[4] = {};
    for (auto& c : counts) c = *r_.read_u16("count");
    for (std::uint16_t i = 0; i < counts[0]; ++i) {
      auto q = question();
      if (!q) return q.error().wrap("dns: question " + std::to_string(i));
      m.questions.push_back(std::move(*q));
    }
    const Section sections[3] = {Section::answer, Section::authority, Section::additional};
    std::vector<ResourceRecord>* lists[3] = {&m.answers, &m.authorities, &m.additionals};
    for (int s = 0; s < 3; ++s) {
      for (std::uint16_t i = 0; i < counts[s + 1]; ++i) {
        auto added = record(m, sections[s], *lists[s]);
        if (!added) {
          return added.error().wrap(std::string("dns: ") + section_name(sections[s]) + " record " +
                                    std::to_string(i));
        }
      }
    }
    if (!r_.at_end()) {
      return fail(r_.offset(),
                  "dns: " + std::to_string(r_.remaining()) + " bytes after the last record");
    }
    return m;
  }

 private:
  Result<Question> question() {
    Question q;
    auto n = name();
    if (!n) return n.error();
    q.name = std::move(*n);
    auto type = r_.read_u16("question type");
    if (!type) return type.error();
    auto klass = r_.read_u16("question class");
    if (!klass) return klass.error();
    q.type = static_cast<RrType>(*type);
    q.klass = static_cast<RrClass>(*klass);
    return q;
  }

  Result<void> record(Message& m, Section section, std::vector<ResourceRecord>& out) {
    const std::size_t start = r_.offset();
    auto n = name();
    if (!n) return n.error();
    auto type = r_.read_u16("type");
    if (!type) return type.error();
    auto klass = r_.read_u16("class");
    if (!klass) return klass.error();
    auto ttl = r_.read_u32("ttl");
    if (!ttl) return ttl.error();
    auto rdlength = r_.read_u16("rdlength");
    if (!rdlength) return rdlength.error();
    const std::size_t rdstart = r_.offset();
    auto rdata = r_.read_bytes(*rdlength, "rdata");
    if (!rdata) return rdata.error();
    if (static_cast<RrType>(*type) == RrType::opt) {
      if (section != Section::additional) return fail(start, "OPT record outside additional");
      if (m.edns) return fail(start, "second OPT record");
      if (!n->is_root()) return fail(start, "OPT record with owner " + n->to_string());
      auto edns = opt(*klass, *ttl, *rdata, rdstart);
      if (!edns) return edns.error();
      m.edns = std::move(*edns);
      return ok();
    }
    ResourceRecord rr{std::move(*n), static_cast<RrClass>(*klass), *ttl, RawRecord{}};
    auto data = parse_rdata(rr.klass, static_cast<RrType>(*type), rdstart, *rdata);
    if (!data) return data.error();
    rr.data = std::move(*data);
    out.push_back(std::move(rr));
    return ok();
  }

  static Result<Edns> opt(std::uint16_t klass, std::uint32_t ttl,
                          std::span<const std::uint8_t> rdata, std::size_t rdstart) {
    Edns e;
    e.udp_payload_size = klass;
    e.extended_rcode = static_cast<std::uint8_t>(ttl >> 24);
    e.version = static_cast<std::uint8_t>(ttl >> 16);
    e.dnssec_ok = (ttl & 0x8000) != 0;
    e.z = static_cast<std::uint16_t>(ttl & 0x7FFF);
    ByteReader r(rdata);
    while (!r.at_end()) {
      const std::size_t at = rdstart + r.offset();
      auto code = r.read_u16("option code");
      if (!code) return fail(at, "truncated EDNS option");
      auto data = r.read_prefixed_u16(0xFFFF, "option data");
      if (!data) return fail(at, "EDNS option " + std::to_string(*code) + " longer than rdata");
      e.options.push_back({*code, {data->begin(), data->end()}});
    }
    return e;
  }

  /// A name inside rdata: pointers may reach anywhere before it, but its bytes in place must
  /// stay inside the rdata.
  Result<Name> rdata_name(std::size_t& pos, std::size_t rdend) const {
    std::size_t end = 0;
    auto n = read_name(msg_.first(rdend), pos, end);
    if (!n) return n;
    pos = end;
    return n;
  }

  Result<Rdata> parse_rdata(RrClass klass, RrType type, std::size_t rdstart,
                            std::span<const std::uint8_t> rdata) const {
    const auto raw = [&]() -> Rdata { return RawRecord{type, {rdata.begin(), rdata.end()}}; };
    if (klass != RrClass::in) return raw();
    const std::size_t rdend = rdstart + rdata.size();
    std::size_t pos = rdstart;
    Rdata out;
    switch (type) {
      case RrType::a:
      case RrType::aaaa: {
        const std::size_t want = type == RrType::a ? IpAddress::kV4Size : IpAddress::kV6Size;
        if (rdata.size() != want) {
          return fail(rdstart, "address rdata of " + std::to_string(rdata.size()) + " bytes, not " +
                                   std::to_string(want));
        }
        return AddressRecord{*IpAddress::from_bytes(rdata)};
      }
      case RrType::ns:
      case RrType::cname:
      case RrType::ptr: {
        auto n = rdata_name(pos, rdend);
        if (!n) return n.error();
        out = NameRecord{type, std::move(*n)};
        break;
      }
      case RrType::mx: {
        if (rdata.size() < 2) return fail(rdstart, "MX rdata shorter than 2 bytes");
        const auto pref = static_cast<std::uint16_t>(rdata[0] << 8 | rdata[1]);
        pos += 2;
        auto n = rdata_name(pos, rdend);
        if (!n) return n.error();
        out = MxRecord{pref, std::move(*n)};
        break;
      }
      case RrType::soa: {
        auto mname = rdata_name(pos, rdend);
        if (!mname) return mname.error();
        auto rname = rdata_name(pos, rdend);
        if (!rname) return rname.error();
        ByteReader r(msg_.first(rdend).subspan(pos));
        SoaRecord soa{std::move(*mname), std::move(*rname)};
        for (std::uint32_t* field :
             {&soa.serial, &soa.refresh, &soa.retry, &soa.expire, &soa.minimum}) {
          auto v = r.read_u32("SOA timer");
          if (!v) return fail(pos + r.offset(), "truncated SOA rdata");
          *field = *v;
        }
        pos += r.offset();
        out = std::move(soa);
        break;
      }
      default: return raw();
    }
    if (pos != rdend) {
      return fail(pos, std::to_string(rdend - pos) + " bytes after the rdata's fields");
    }
    return out;
  }

  std::span<const std::uint8_t> msg_;
  ByteReader r_;
};

}  // namespace

Result<Header> parse_header(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kHeaderSize) {
    return fail(0, "dns: a " + std::to_string(bytes.size()) + "-byte message is shorter than the " +
                       "12-byte header");
  }
  Header h;
  h.id = static_cast<std::uint16_t>(bytes[0] << 8 | bytes[1]);
  const std::uint8_t hi = bytes[2];
  const std::uint8_t lo = bytes[3];
  h.qr = (hi & 0x80) != 0;
  h.opcode = static_cast<Opcode>((hi >> 3) & 0xF);
  h.aa = (hi & 0x04) != 0;
  h.tc = (hi & 0x02) != 0;
  h.rd = (hi & 0x01) != 0;
  h.ra = (lo & 0x80) != 0;
  h.z = (lo & 0x40) != 0;
  h.ad = (lo & 0x20) != 0;
  h.cd = (lo & 0x10) != 0;
  h.rcode = lo & 0xF;
  return h;
}

Result<Message> parse_message(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > kMaxMessageSize) {
    return fail(0, "dns: a " + std::to_string(bytes.size()) + "-byte message is above 65535 bytes");
  }
  auto m = Parser(bytes).message();
  // ByteReader reports reads past the end as out_of_range; to callers it is all bad input.
  if (!m && !m.error().is(Errc::parse_error)) return Error(Errc::parse_error, m.error().message());
  return m;
}

}  // namespace weft::dns
