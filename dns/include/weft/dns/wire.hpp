// SPDX-License-Identifier: Apache-2.0
// The DNS wire format (RFC 1035 section 4, EDNS0 from RFC 6891) on one page: names, the
// message and its records, a parser for untrusted bytes and an encoder with name compression
// and truncation. Written by hand because it is small and must be exact (DESIGN.md: what is
// written by hand is documented in one wire.hpp and fuzzed); fuzzer `dns_wire_fuzz`.
//
//   message  := header, qdcount x question, ancount x rr, nscount x rr, arcount x rr
//   header   := u16 id, u16 flags (QR opcode:4 AA TC RD | RA Z AD CD rcode:4),
//               u16 qdcount, u16 ancount, u16 nscount, u16 arcount
//   question := name, u16 type, u16 class
//   rr       := name, u16 type, u16 class, u32 ttl, u16 rdlength, rdlength bytes of rdata
//   name     := labels (u8 length 1..63, bytes) ending in a zero byte or in a pointer
//               (two bytes 0b11 + 14-bit offset into the message; the rest of the name is there)
//   OPT rr   := root name, type 41, class = UDP payload size,
//               ttl = u8 extended rcode, u8 version, DO bit, 15 Z bits; rdata = options
//               (u16 code, u16 length, bytes)
//
// Rules the parser enforces (and why), so that the server and the fuzzer can rely on them:
// - every pointer goes strictly below the start of the run of labels that leads to it (the
//   name's start, then each earlier target): the offsets strictly decrease, so no input loops,
//   not even pointers that each go backwards but land inside a label that holds the next one;
//   real compressors only point at names written earlier, so they are never refused;
// - labels are 1..63 bytes, a name is at most 255 bytes uncompressed, the label types 0b01 and
//   0b10 (RFC 6891 deprecated them) are refused;
// - rdata of the known types is exactly as long as rdlength says; no bytes follow the last
//   record; a message is at most 65535 bytes (the TCP length prefix);
// - at most one OPT, only in the additional section, with the root name (RFC 6891 6.1.1).
// Rdata is parsed for class IN only, and compressed names inside it are expanded only for the
// RFC 1035 types that may hold them (NS, CNAME, SOA, PTR, MX; RFC 3597 section 4); every
// other type and class is kept as raw bytes (RawRecord).
#pragma once

#include "weft/base/ip_address.hpp"
#include "weft/base/result.hpp"

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace weft::dns {

inline constexpr std::size_t kMaxLabelLength = 63;
inline constexpr std::size_t kMaxNameLength = 255;  ///< on the wire, length bytes included
inline constexpr std::size_t kMaxMessageSize = 65535;
inline constexpr std::size_t kClassicUdpSize = 512;  ///< the limit without EDNS0 (RFC 1035)
inline constexpr std::size_t kHeaderSize = 12;

/// ASCII lower case; other bytes unchanged. DNS names compare case-insensitively in ASCII
/// only (RFC 4343), so this is the canonical form used for comparison and compression.
std::string to_lower_ascii(std::string_view text);

/// An absolute domain name as its labels (bytes, case kept as received so that a query's
/// case, e.g. DNS 0x20, is echoed). Always valid: labels 1..63 bytes, at most 255 bytes on
/// the wire. Equality is case-insensitive.
class Name {
 public:
  /// The root, ".".
  Name() = default;

  /// Text with or without the trailing dot ("pod.weft.local." or "pod.weft.local"); "." is
  /// the root. `\.` and `\\` escape a byte, `\DDD` gives one in decimal (RFC 1035 5.1).
  /// parse_error for empty labels, bad escapes and the length limits.
  static Result<Name> parse(std::string_view text);
  /// From raw labels, most specific first; the same limits as parse.
  static Result<Name> from_labels(std::vector<std::string> labels);

  [[nodiscard]] const std::vector<std::string>& labels() const noexcept { return labels_; }
  [[nodiscard]] bool is_root() const noexcept { return labels_.empty(); }
  /// Bytes on the wire without compression (1 for the root).
  [[nodiscard]] std::size_t wire_length() const noexcept;

  /// Text with a trailing dot; '.', '\\' and bytes outside printable ASCII escaped so that
  /// parse(to_string()) gives the same labels.
  [[nodiscard]] std::string to_string() const;
  /// to_string() in lower case: a key for maps of names (equal names, equal keys).
  [[nodiscard]] std::string canonical() const;
  /// The same name in lower case.
  [[nodiscard]] Name lowered() const;

  /// True when this name is `zone` or below it ("a.weft.local." is in "weft.local.").
  [[nodiscard]] bool is_in(const Name& zone) const noexcept;

  /// Case-insensitive (RFC 4343).
  friend bool operator==(const Name& a, const Name& b) noexcept;

 private:
  explicit Name(std::vector<std::string> labels) : labels_(std::move(labels)) {}
  std::vector<std::string> labels_;
};

std::ostream& operator<<(std::ostream& os, const Name& n);

/// A record type. Values without an enumerator are valid (unknown types, RFC 3597).
enum class RrType : std::uint16_t {
  a = 1,
  ns = 2,
  cname = 5,
  soa = 6,
  ptr = 12,
  mx = 15,
  txt = 16,
  aaaa = 28,
  srv = 33,
  opt = 41,
  any = 255,
};

/// A record class; IN nearly always. Values without an enumerator are valid.
enum class RrClass : std::uint16_t { in = 1, ch = 3, none = 254, any = 255 };

enum class Opcode : std::uint8_t { query = 0, iquery = 1, status = 2, notify = 4, update = 5 };

/// Response codes; values above 15 need EDNS0 (the upper 8 bits travel in the OPT record).
enum class Rcode : std::uint16_t {
  noerror = 0,
  formerr = 1,
  servfail = 2,
  nxdomain = 3,
  notimp = 4,
  refused = 5,
  badvers = 16,
};

/// The fixed header without its counts: the counts are the sizes of Message's sections.
struct Header {
  std::uint16_t id = 0;
  bool qr = false;  ///< a response
  Opcode opcode = Opcode::query;
  bool aa = false;         ///< authoritative answer
  bool tc = false;         ///< truncated: the client should retry over TCP
  bool rd = false;         ///< recursion desired
  bool ra = false;         ///< recursion available
  bool z = false;          ///< reserved; kept so that what was parsed encodes back the same
  bool ad = false;         ///< authentic data (RFC 4035)
  bool cd = false;         ///< checking disabled (RFC 4035)
  std::uint8_t rcode = 0;  ///< the low 4 bits of the response code

  friend bool operator==(const Header&, const Header&) = default;
};

struct Question {
  Name name;
  RrType type = RrType::a;
  RrClass klass = RrClass::in;

  friend bool operator==(const Question&, const Question&) = default;
};

/// A and AAAA (class IN): the address family says which; the parser refuses rdata of any
/// other length.
struct AddressRecord {
  IpAddress address;
  friend bool operator==(const AddressRecord&, const AddressRecord&) = default;
};

/// NS, CNAME and PTR: one name in rdata, compressed on the wire. `type` must be one of the
/// three (the encoder refuses others with invalid_argument).
struct NameRecord {
  RrType type = RrType::ptr;
  Name target;
  friend bool operator==(const NameRecord&, const NameRecord&) = default;
};

struct SoaRecord {
  Name mname;  ///< the primary server
  Name rname;  ///< the responsible mailbox, '@' written as the first '.'
  std::uint32_t serial = 0;
  std::uint32_t refresh = 0;
  std::uint32_t retry = 0;
  std::uint32_t expire = 0;
  std::uint32_t minimum = 0;  ///< the negative-caching TTL (RFC 2308)
  friend bool operator==(const SoaRecord&, const SoaRecord&) = default;
};

/// MX: parsed only because RFC 1035 lets its name be compressed (raw bytes would carry
/// pointers into a message they no longer belong to).
struct MxRecord {
  std::uint16_t preference = 0;
  Name exchange;
  friend bool operator==(const MxRecord&, const MxRecord&) = default;
};

/// Any other type, rdata kept as bytes. Meant for types this codec does not parse: a known
/// type put here is encoded as given, but parses back as its own alternative.
struct RawRecord {
  RrType type{};
  std::vector<std::uint8_t> data;
  friend bool operator==(const RawRecord&, const RawRecord&) = default;
};

using Rdata = std::variant<AddressRecord, NameRecord, SoaRecord, MxRecord, RawRecord>;

/// A resource record other than OPT (which is Message::edns).
struct ResourceRecord {
  Name name;
  RrClass klass = RrClass::in;
  std::uint32_t ttl = 0;
  Rdata data;

  /// From the rdata: A or AAAA by address family, the NameRecord's or RawRecord's own type.
  [[nodiscard]] RrType type() const noexcept;

  friend bool operator==(const ResourceRecord&, const ResourceRecord&) = default;
};

struct EdnsOption {
  std::uint16_t code = 0;
  std::vector<std::uint8_t> data;
  friend bool operator==(const EdnsOption&, const EdnsOption&) = default;
};

/// EDNS0 (RFC 6891): the OPT pseudo-record, kept apart from the additional records because
/// it describes the message, not data.
struct Edns {
  std::uint16_t udp_payload_size = 1232;  ///< the largest UDP reply the sender accepts
  std::uint8_t extended_rcode = 0;        ///< the upper 8 bits of the 12-bit response code
  std::uint8_t version = 0;               ///< only 0 exists; others get BADVERS
  bool dnssec_ok = false;                 ///< DO (RFC 3225)
  std::uint16_t z = 0;                    ///< the other 15 flag bits, kept for round trips
  std::vector<EdnsOption> options;
  friend bool operator==(const Edns&, const Edns&) = default;
};

struct Message {
  Header header;
  std::vector<Question> questions;
  std::vector<ResourceRecord> answers;
  std::vector<ResourceRecord> authorities;
  std::vector<ResourceRecord> additionals;  ///< without the OPT record
  std::optional<Edns> edns;

  /// The full response code: header rcode plus, with EDNS0, the extended bits.
  [[nodiscard]] Rcode rcode() const noexcept;
  /// Splits `code` into the header and the OPT record; codes above 15 add a default Edns
  /// when there is none (only EDNS0 can carry them).
  void set_rcode(Rcode code);

  friend bool operator==(const Message&, const Message&) = default;
};

/// Parses one message (the UDP payload, or a TCP message without its length prefix). Never
/// throws, never reads outside `bytes`; parse_error saying what is wrong and at which offset.
Result<Message> parse_message(std::span<const std::uint8_t> bytes);

/// Only the header, for answering FORMERR with the right id when the rest does not parse.
/// parse_error when fewer than 12 bytes.
Result<Header> parse_header(std::span<const std::uint8_t> bytes);

/// Encodes with name compression: every name (owner names and the names in NS, CNAME, SOA,
/// PTR and MX rdata) points at the longest suffix already written (compared
/// case-insensitively, so a name may come back in the case of its first occurrence: the
/// question's, which is what a client using DNS 0x20 compares). OPT, if any, is the last
/// additional record. out_of_range when the message would exceed 65535 bytes, rdata 65535 or a
/// section 65535 entries; invalid_argument for a NameRecord of another type or a RawRecord
/// of type OPT.
Result<std::vector<std::uint8_t>> encode_message(const Message& message);

/// Like encode_message, but at most `max_size` bytes: whole records are dropped from the end
/// (additional, then authority, then answer records) until it fits; the OPT record is kept.
/// TC is set when an answer or authority record was dropped, not for additional records
/// alone (RFC 2181 9: only data the answer needs makes the client retry over TCP). The
/// result is itself a valid message. out_of_range when even the header, questions and OPT
/// do not fit.
Result<std::vector<std::uint8_t>> encode_truncated(const Message& message, std::size_t max_size);

/// The largest UDP response `query` allows: 512 without EDNS0, else its payload size but
/// never below 512 (RFC 6891 6.2.5).
std::size_t udp_response_limit(const Message& query) noexcept;

}  // namespace weft::dns
