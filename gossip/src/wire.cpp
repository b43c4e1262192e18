// SPDX-License-Identifier: Apache-2.0
// Encode/decode of the Hello, every mesh Message, and frames (layout in wire.hpp).
#include "weft/gossip/wire.hpp"

#include "weft/base/assert.hpp"
#include "weft/base/bytes.hpp"

#include <algorithm>
#include <string_view>
#include <type_traits>
#include <utility>

namespace weft::gossip {
namespace {

// Smallest encodings of list elements, used to bound untrusted counts by the bytes that
// remain before anything is allocated.
constexpr std::size_t kMinConnectionBytes = 8 + 2 + 1;         // peer, address length, flags
constexpr std::size_t kMinPeerEntryBytes = 8 + 2 + 8 + 8 + 4;  // ... connection count
constexpr std::size_t kDigestItemBytes = 8 + 8;

constexpr std::uint8_t kFlagOutbound = 1u << 0;
constexpr std::uint8_t kFlagEstablished = 1u << 1;
constexpr std::uint8_t kFlagReplyWanted = 1u << 0;

// The variant index is the tag minus one; this keeps the two in step at compile time.
template <class T, std::size_t I = 0>
constexpr std::uint8_t tag_of() {
  if constexpr (std::is_same_v<T, std::variant_alternative_t<I, Message>>) {
    return static_cast<std::uint8_t>(I + 1);
  } else {
    return tag_of<T, I + 1>();
  }
}
static_assert(tag_of<Heartbeat>() == 1 && tag_of<TopologyRequest>() == 8);
static_assert(std::variant_size_v<Message> < kRekeyTag, "kRekeyTag must never be a type tag");

Error bad(std::string what) {
  return Error(Errc::parse_error, std::move(what));
}

// ---- writing (inputs are our own data: limits are asserted) ----

void write_name(ByteWriter& w, PeerName name) {
  WEFT_ASSERT(name.is_valid(), "messages carry only valid peer names");
  w.write_u64(name.value());
}

void write_string(ByteWriter& w, std::string_view s, std::size_t max) {
  WEFT_ASSERT(s.size() <= max, "strings are validated against their limit before encoding");
  w.write_u16(static_cast<std::uint16_t>(s.size()));
  w.write_bytes(s);
}

void write_payload(ByteWriter& w, std::span<const std::uint8_t> payload) {
  WEFT_ASSERT(payload.size() <= kMaxMessageBytes, "a channel payload must fit one record");
  w.write_u32(static_cast<std::uint32_t>(payload.size()));
  w.write_bytes(payload);
}

void write_body(ByteWriter&, const Heartbeat&) {}

void write_body(ByteWriter& w, const TopologyUpdate& m) {
  w.write_u32(static_cast<std::uint32_t>(m.entries.size()));
  for (const auto& e : m.entries) {
    write_name(w, e.name);
    write_string(w, e.nickname, kMaxNicknameBytes);
    w.write_u64(e.incarnation);
    w.write_u64(e.version);
    w.write_u32(static_cast<std::uint32_t>(e.connections.size()));
    for (const auto& c : e.connections) {
      write_name(w, c.peer);
      write_string(w, c.address, kMaxAddressBytes);
      w.write_u8(static_cast<std::uint8_t>((c.outbound ? kFlagOutbound : 0) |
                                           (c.established ? kFlagEstablished : 0)));
    }
  }
}

void write_body(ByteWriter& w, const TopologyDigest& m) {
  w.write_u8(m.reply_wanted ? kFlagReplyWanted : 0);
  w.write_u32(static_cast<std::uint32_t>(m.items.size()));
  for (const auto& item : m.items) {
    write_name(w, item.name);
    w.write_u64(item.version);
  }
}

void write_body(ByteWriter& w, const DigestHash& m) {
  w.write_bytes(m.hash);
  w.write_u32(m.count);
}

void write_body(ByteWriter& w, const ChannelUnicast& m) {
  write_string(w, m.channel, kMaxChannelNameBytes);
  write_name(w, m.src);
  write_name(w, m.dst);
  write_payload(w, m.payload);
}

void write_body(ByteWriter& w, const TopologyRequest& m) {
  w.write_u32(static_cast<std::uint32_t>(m.names.size()));
  for (auto name : m.names) write_name(w, name);
}

void write_channel(ByteWriter& w, const std::string& channel, PeerName src,
                   std::span<const std::uint8_t> payload) {
  write_string(w, channel, kMaxChannelNameBytes);
  write_name(w, src);
  write_payload(w, payload);
}

void write_body(ByteWriter& w, const ChannelBroadcast& m) {
  write_channel(w, m.channel, m.src, m.payload);
}

void write_body(ByteWriter& w, const ChannelGossip& m) {
  write_channel(w, m.channel, m.src, m.payload);
}

// ---- reading (untrusted: every failure is an Error naming the field) ----

Result<PeerName> read_name(ByteReader& r, std::string_view what) {
  auto v = r.read_u64(what);
  if (!v) return v.error();
  if (*v == 0) return bad(std::string(what) + " is zero (reserved for \"no peer\")");
  return PeerName(*v);
}

Result<std::string> read_string(ByteReader& r, std::size_t max, std::string_view what) {
  auto s = r.read_prefixed_u16(max, what);
  if (!s) return s.error();
  return std::string(s->begin(), s->end());
}

Result<std::vector<std::uint8_t>> read_payload(ByteReader& r, std::string_view what) {
  auto p = r.read_prefixed_u32(kMaxMessageBytes, what);
  if (!p) return p.error();
  return std::vector<std::uint8_t>(p->begin(), p->end());
}

// A count is believable only if that many minimal elements fit in what remains.
Result<std::uint32_t> read_count(ByteReader& r, std::size_t min_element, std::string_view what) {
  auto n = r.read_u32(what);
  if (!n) return n.error();
  if (*n > r.remaining() / min_element) {
    return bad(std::string(what) + " of " + std::to_string(*n) + " needs at least " +
               std::to_string(min_element) + " bytes each, only " + std::to_string(r.remaining()) +
               " remain");
  }
  return *n;
}

Result<std::uint8_t> read_flags(ByteReader& r, std::uint8_t known, std::string_view what) {
  auto f = r.read_u8(what);
  if (!f) return f.error();
  if ((*f & ~known) != 0) return bad(std::string(what) + " has unknown bits set");
  return *f;
}

// Unpacks a Result into `var` or returns its error from the enclosing function.
#define WEFT_TRY_ASSIGN(var, expr) \
  do {                             \
    auto _r = (expr);              \
    if (!_r) return _r.error();    \
    var = std::move(*_r);          \
  } while (0)

Result<ConnectionEntry> read_connection(ByteReader& r) {
  ConnectionEntry c;
  WEFT_TRY_ASSIGN(c.peer, read_name(r, "connection peer"));
  WEFT_TRY_ASSIGN(c.address, read_string(r, kMaxAddressBytes, "connection address"));
  std::uint8_t flags = 0;
  WEFT_TRY_ASSIGN(flags, read_flags(r, kFlagOutbound | kFlagEstablished, "connection flags"));
  c.outbound = (flags & kFlagOutbound) != 0;
  c.established = (flags & kFlagEstablished) != 0;
  return c;
}

Result<PeerEntry> read_peer_entry(ByteReader& r) {
  PeerEntry e;
  WEFT_TRY_ASSIGN(e.name, read_name(r, "peer entry name"));
  WEFT_TRY_ASSIGN(e.nickname, read_string(r, kMaxNicknameBytes, "peer entry nickname"));
  WEFT_TRY_ASSIGN(e.incarnation, r.read_u64("peer entry incarnation"));
  WEFT_TRY_ASSIGN(e.version, r.read_u64("peer entry version"));
  std::uint32_t n = 0;
  WEFT_TRY_ASSIGN(n, read_count(r, kMinConnectionBytes, "peer entry connection count"));
  for (std::uint32_t i = 0; i < n; ++i) {
    ConnectionEntry c;
    WEFT_TRY_ASSIGN(c, read_connection(r));
    e.connections.push_back(std::move(c));
  }
  return e;
}

Result<Message> read_body(ByteReader& r, std::uint8_t tag) {
  switch (tag) {
    case tag_of<Heartbeat>(): return Message(Heartbeat{});
    case tag_of<TopologyUpdate>(): {
      TopologyUpdate m;
      std::uint32_t n = 0;
      WEFT_TRY_ASSIGN(n, read_count(r, kMinPeerEntryBytes, "topology update entry count"));
      for (std::uint32_t i = 0; i < n; ++i) {
        PeerEntry e;
        WEFT_TRY_ASSIGN(e, read_peer_entry(r));
        m.entries.push_back(std::move(e));
      }
      return Message(std::move(m));
    }
    case tag_of<TopologyDigest>(): {
      TopologyDigest m;
      std::uint8_t flags = 0;
      WEFT_TRY_ASSIGN(flags, read_flags(r, kFlagReplyWanted, "digest flags"));
      m.reply_wanted = (flags & kFlagReplyWanted) != 0;
      std::uint32_t n = 0;
      WEFT_TRY_ASSIGN(n, read_count(r, kDigestItemBytes, "digest item count"));
      for (std::uint32_t i = 0; i < n; ++i) {
        DigestItem item;
        WEFT_TRY_ASSIGN(item.name, read_name(r, "digest item name"));
        WEFT_TRY_ASSIGN(item.version, r.read_u64("digest item version"));
        m.items.push_back(item);
      }
      return Message(std::move(m));
    }
    case tag_of<DigestHash>(): {
      DigestHash m;
      std::span<const std::uint8_t> hash;
      WEFT_TRY_ASSIGN(hash, r.read_bytes(m.hash.size(), "digest hash"));
      std::copy(hash.begin(), hash.end(), m.hash.begin());
      WEFT_TRY_ASSIGN(m.count, r.read_u32("digest hash count"));
      return Message(m);
    }
    case tag_of<ChannelUnicast>(): {
      ChannelUnicast m;
      WEFT_TRY_ASSIGN(m.channel, read_string(r, kMaxChannelNameBytes, "unicast channel name"));
      WEFT_TRY_ASSIGN(m.src, read_name(r, "unicast source"));
      WEFT_TRY_ASSIGN(m.dst, read_name(r, "unicast destination"));
      WEFT_TRY_ASSIGN(m.payload, read_payload(r, "unicast payload"));
      return Message(std::move(m));
    }
    case tag_of<ChannelBroadcast>(): {
      ChannelBroadcast m;
      WEFT_TRY_ASSIGN(m.channel, read_string(r, kMaxChannelNameBytes, "broadcast channel name"));
      WEFT_TRY_ASSIGN(m.src, read_name(r, "broadcast source"));
      WEFT_TRY_ASSIGN(m.payload, read_payload(r, "broadcast payload"));
      return Message(std::move(m));
    }
    case tag_of<ChannelGossip>(): {
      ChannelGossip m;
      WEFT_TRY_ASSIGN(m.channel, read_string(r, kMaxChannelNameBytes, "gossip channel name"));
      WEFT_TRY_ASSIGN(m.src, read_name(r, "gossip source"));
      WEFT_TRY_ASSIGN(m.payload, read_payload(r, "gossip payload"));
      return Message(std::move(m));
    }
    case tag_of<TopologyRequest>(): {
      TopologyRequest m;
      std::uint32_t n = 0;
      WEFT_TRY_ASSIGN(n, read_count(r, 8, "topology request name count"));
      for (std::uint32_t i = 0; i < n; ++i) {
        PeerName name;
        WEFT_TRY_ASSIGN(name, read_name(r, "topology request name"));
        m.names.push_back(name);
      }
      return Message(std::move(m));
    }
    default: return bad("unknown message type " + std::to_string(tag));
  }
}

}  // namespace

std::vector<std::uint8_t> encode_hello(const Hello& hello) {
  WEFT_ASSERT(hello.name.is_valid(), "a hello names its (valid) sender");
  WEFT_ASSERT(hello.min_version <= hello.max_version, "a hello offers a non-empty range");
  ByteWriter w;
  w.write_u32(kMagic);
  w.write_u16(hello.min_version);
  w.write_u16(hello.max_version);
  w.write_u32(hello.features);
  w.write_u64(hello.name.value());
  w.write_u64(hello.incarnation);
  w.write_bytes(hello.static_public);
  w.write_bytes(hello.ephemeral_public);
  return w.take();
}

Result<Hello> decode_hello(std::span<const std::uint8_t> payload) {
  ByteReader r(payload);
  std::uint32_t magic = 0;
  WEFT_TRY_ASSIGN(magic, r.read_u32("hello magic"));
  if (magic != kMagic) return bad("not a weft peer (bad magic)");
  Hello h;
  WEFT_TRY_ASSIGN(h.min_version, r.read_u16("hello min version"));
  WEFT_TRY_ASSIGN(h.max_version, r.read_u16("hello max version"));
  if (h.min_version > h.max_version) {
    return bad("hello version range " + std::to_string(h.min_version) + ".." +
               std::to_string(h.max_version) + " is empty");
  }
  WEFT_TRY_ASSIGN(h.features, r.read_u32("hello features"));
  WEFT_TRY_ASSIGN(h.name, read_name(r, "hello peer name"));
  WEFT_TRY_ASSIGN(h.incarnation, r.read_u64("hello incarnation"));
  std::span<const std::uint8_t> key;
  WEFT_TRY_ASSIGN(key, r.read_bytes(32, "hello static key"));
  std::copy(key.begin(), key.end(), h.static_public.begin());
  WEFT_TRY_ASSIGN(key, r.read_bytes(32, "hello ephemeral key"));
  std::copy(key.begin(), key.end(), h.ephemeral_public.begin());
  // Bytes after this point are a later version's extensions (see Hello): ignored.
  return h;
}

std::vector<std::uint8_t> encode_message(const Message& message) {
  ByteWriter w;
  std::visit(
      [&w](const auto& m) {
        w.write_u8(tag_of<std::decay_t<decltype(m)>>());
        write_body(w, m);
      },
      message);
  return w.take();
}

Result<Message> decode_message(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  std::uint8_t tag = 0;
  WEFT_TRY_ASSIGN(tag, r.read_u8("message type"));
  auto m = read_body(r, tag);
  if (!m) return m.error();
  if (auto end = r.expect_end("message"); !end) return end.error();
  return m;
}

void append_frame(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> payload) {
  WEFT_ASSERT(payload.size() <= kMaxFrameBytes, "the receiver ends connections on larger frames");
  const auto n = static_cast<std::uint32_t>(payload.size());
  out.push_back(static_cast<std::uint8_t>(n >> 24));
  out.push_back(static_cast<std::uint8_t>(n >> 16));
  out.push_back(static_cast<std::uint8_t>(n >> 8));
  out.push_back(static_cast<std::uint8_t>(n));
  out.insert(out.end(), payload.begin(), payload.end());
}

#undef WEFT_TRY_ASSIGN

}  // namespace weft::gossip
