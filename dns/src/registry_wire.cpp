// SPDX-License-Identifier: Apache-2.0
#include "weft/dns/registry_wire.hpp"

#include "weft/base/bytes.hpp"

#include <string>

namespace weft::dns {

namespace {

// The smallest record and entry on the wire, so that a forged count cannot make the decoder
// reserve or loop beyond what the remaining bytes can hold.
constexpr std::size_t kMinRecordBytes = 8 * 4 + 4;
constexpr std::size_t kMinEntryBytes = 2 + 1 + 1 + 4 + 1 + 1 + 8 + 1;

Error bad(std::size_t at, const std::string& what) {
  return Error(Errc::parse_error, what + " at offset " + std::to_string(at));
}

Result<std::uint32_t> read_count(ByteReader& r, std::size_t item_bytes, std::string_view what) {
  const std::size_t at = r.offset();
  auto n = r.read_u32(what);
  if (!n) return n.error();
  if (static_cast<std::uint64_t>(*n) * item_bytes > r.remaining()) {
    return bad(at, std::string(what) + " count " + std::to_string(*n) + " exceeds the message");
  }
  return *n;
}

void write_entry(ByteWriter& w, const EntryKey& k, const EntryValue& v) {
  w.write_u16(static_cast<std::uint16_t>(k.name.size()));
  w.write_bytes(k.name);
  w.write_u8(static_cast<std::uint8_t>(k.address.family()));
  w.write_bytes(k.address.bytes());
  w.write_u8(static_cast<std::uint8_t>(k.container.size()));
  w.write_bytes(k.container);
  w.write_u64(v.version);
  w.write_u8(v.live ? 0 : 1);
}

Result<std::pair<EntryKey, EntryValue>> read_entry(ByteReader& r) {
  std::size_t at = r.offset();
  auto name_bytes = r.read_prefixed_u16(0xffff, "entry name");
  if (!name_bytes) return name_bytes.error();
  const std::string text(name_bytes->begin(), name_bytes->end());
  auto name = Name::parse(text);
  if (!name) return bad(at, "entry name: " + name.error().message());
  if (name->canonical() != text) {
    return bad(at, "entry name '" + name->to_string() + "' is not in canonical form");
  }
  if (auto in = check_entry_name(*name); !in) return bad(at, in.error().message());

  at = r.offset();
  auto family = r.read_u8("address family");
  if (!family) return family.error();
  if (*family != 4 && *family != 6) {
    return bad(at, "address family " + std::to_string(*family) + " is not 4 or 6");
  }
  auto addr_bytes = r.read_bytes(*family == 4 ? 4 : 16, "address");
  if (!addr_bytes) return addr_bytes.error();
  auto address = IpAddress::from_bytes(*addr_bytes);
  if (!address) return bad(at, address.error().message());
  if (address->is_unspecified()) return bad(at, "unspecified address");

  at = r.offset();
  auto len = r.read_u8("container id length");
  if (!len) return len.error();
  auto id = r.read_bytes(*len, "container id");
  if (!id) return id.error();
  std::string container(id->begin(), id->end());
  if (auto c = check_container_id(container); !c) return bad(at, c.error().message());

  at = r.offset();
  auto version = r.read_u64("entry version");
  if (!version) return version.error();
  if (*version == 0) return bad(at, "entry version 0");
  if (*version > kMaxRegistryVersion) return bad(at, "entry version above 2^62");
  at = r.offset();
  auto state = r.read_u8("entry state");
  if (!state) return state.error();
  if (*state > 1) return bad(at, "entry state " + std::to_string(*state) + " is not 0 or 1");
  return std::pair{EntryKey{name->canonical(), *address, std::move(container)},
                   EntryValue{*version, *state == 0}};
}

Result<OriginRecord> read_record(ByteReader& r) {
  const std::size_t at = r.offset();
  OriginRecord rec;
  auto base = r.read_u64("record base");
  if (!base) return base.error();
  auto complete = r.read_u64("record complete");
  if (!complete) return complete.error();
  auto floor = r.read_u64("record floor");
  if (!floor) return floor.error();
  rec.base = *base;
  rec.complete = *complete;
  rec.floor = *floor;
  if (rec.complete > kMaxRegistryVersion || rec.floor > kMaxRegistryVersion) {
    return bad(at, "record version above 2^62");
  }
  if (rec.base > rec.complete) return bad(at, "record base above its complete version");
  if (rec.floor > 0 && rec.base > 0) return bad(at, "a delta record (base > 0) with a floor");
  if (rec.floor > rec.complete + 1) {
    return bad(at, "record floor above its complete version + 1");
  }
  auto n = read_count(r, kMinEntryBytes, "entries");
  if (!n) return n.error();
  for (std::uint32_t i = 0; i < *n; ++i) {
    const std::size_t entry_at = r.offset();
    auto e = read_entry(r);
    if (!e) return e.error();
    if (!rec.entries.empty() && !(std::prev(rec.entries.end())->first < e->first)) {
      return bad(entry_at, "entry keys not strictly increasing");
    }
    if (!e->second.live && e->second.version + 1 == rec.floor) {
      return bad(entry_at, "tombstone at the record's floor - 1 (the floor says it)");
    }
    rec.entries.emplace_hint(rec.entries.end(), std::move(e->first), e->second);
  }
  return rec;
}

}  // namespace

std::vector<std::uint8_t> encode_registry(const RegistryState& state) {
  ByteWriter w;
  w.write_u8(kRegistryMessage);
  w.write_u32(static_cast<std::uint32_t>(state.size()));
  for (const auto& [origin, rec] : state) {
    w.write_u64(origin.value());
    w.write_u64(rec.base);
    w.write_u64(rec.complete);
    w.write_u64(rec.floor);
    w.write_u32(static_cast<std::uint32_t>(rec.entries.size()));
    for (const auto& [k, v] : rec.entries) write_entry(w, k, v);
  }
  return w.take();
}

Result<RegistryState> decode_registry(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  auto kind = r.read_u8("message kind");
  if (!kind) return kind.error();
  if (*kind != kRegistryMessage) {
    return bad(0, "not a dns registry message (kind " + std::to_string(*kind) + ")");
  }
  auto n = read_count(r, kMinRecordBytes, "records");
  if (!n) return n.error();
  RegistryState state;
  for (std::uint32_t i = 0; i < *n; ++i) {
    const std::size_t at = r.offset();
    auto origin = r.read_u64("record origin");
    if (!origin) return origin.error();
    const PeerName peer(*origin);
    if (!peer.is_valid()) return bad(at, "record origin 0");
    if (!state.empty() && !(std::prev(state.end())->first < peer)) {
      return bad(at, "record origins not strictly increasing");
    }
    auto rec = read_record(r);
    if (!rec) return rec.error().wrap("record of " + peer.to_string());
    state.emplace_hint(state.end(), peer, std::move(*rec));
  }
  if (auto end = r.expect_end("dns registry message"); !end) return end.error();
  return state;
}

}  // namespace weft::dns
