// SPDX-License-Identifier: Apache-2.0
// The consensus message codec (format in consensus.hpp).
#include "weft/base/bytes.hpp"
#include "weft/ipam/consensus.hpp"

#include <string>

namespace weft::ipam {

namespace {

// name, version, two ballots and the value count: the least an entry can take.
constexpr std::size_t kMinEntryBytes = 8 + 8 + 16 + 16 + 4;

Error bad(std::string_view what) {
  return Error(Errc::parse_error, "consensus message: " + std::string(what));
}

// A count whose items (at least `item_bytes` each) fit in what remains, so a forged count
// cannot make the decoder reserve gigabytes.
Result<std::uint32_t> read_fitting_count(ByteReader& r, std::size_t item_bytes,
                                         std::string_view what) {
  auto n = r.read_u32(what);
  if (n && static_cast<std::uint64_t>(*n) * item_bytes > r.remaining()) {
    return bad(std::string(what) + " of " + std::to_string(*n) + " exceeds the message");
  }
  return n;
}

// Names strictly increasing and valid: the one encoding of a set.
Result<PeerName> read_next_name(ByteReader& r, std::optional<PeerName> prev,
                                std::string_view what) {
  auto v = r.read_u64(what);
  if (!v) return v.error();
  const PeerName p(*v);
  if (!p.is_valid()) return bad(std::string(what) + " is the zero name");
  if (prev && !(*prev < p)) return bad(std::string(what) + "s not strictly increasing");
  return p;
}

void write_ballot(ByteWriter& w, const Ballot& b) {
  w.write_u64(b.round);
  w.write_u64(b.proposer.value());
}

Result<Ballot> read_ballot(ByteReader& r, std::string_view what) {
  auto round = r.read_u64(what);
  if (!round) return round.error();
  auto proposer = r.read_u64(what);
  if (!proposer) return proposer.error();
  const Ballot b{*round, PeerName(*proposer)};
  if (b.valid() != b.proposer.is_valid()) {
    return bad(std::string(what) + " has a round without a proposer or the reverse");
  }
  return b;
}

Result<NodeState> read_entry(ByteReader& r) {
  NodeState s;
  auto version = r.read_u64("entry version");
  if (!version) return version.error();
  if (*version == 0) return bad("entry version 0");
  s.version = *version;
  auto promised = read_ballot(r, "promised ballot");
  if (!promised) return promised.error();
  auto accepted = read_ballot(r, "accepted ballot");
  if (!accepted) return accepted.error();
  if (*promised < *accepted) return bad("accepted ballot above the promised one");
  s.promised = *promised;
  s.accepted = *accepted;
  auto m = read_fitting_count(r, 8, "value");
  if (!m) return m.error();
  if ((*m > 0) != s.accepted.valid())
    return bad("a value without an accepted ballot or the reverse");
  for (std::uint32_t i = 0; i < *m; ++i) {
    auto p = read_next_name(r, s.value.empty() ? std::nullopt : std::optional(s.value.back()),
                            "value name");
    if (!p) return p.error();
    s.value.push_back(*p);
  }
  return s;
}

}  // namespace

std::vector<std::uint8_t> encode_consensus(const ConsensusMessage& m) {
  ByteWriter w;
  w.write_u8(kConsensusMessage);
  w.write_u32(m.n);
  w.write_u32(static_cast<std::uint32_t>(m.nodes.size()));
  for (const auto& [name, s] : m.nodes) {
    w.write_u64(name.value());
    w.write_u64(s.version);
    write_ballot(w, s.promised);
    write_ballot(w, s.accepted);
    w.write_u32(static_cast<std::uint32_t>(s.value.size()));
    for (auto p : s.value) w.write_u64(p.value());
  }
  return w.take();
}

Result<ConsensusMessage> decode_consensus(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  auto kind = r.read_u8("message kind");
  if (!kind) return kind.error();
  if (*kind != kConsensusMessage) return bad("kind " + std::to_string(*kind));
  ConsensusMessage m;
  auto n = r.read_u32("n");
  if (!n) return n.error();
  if (*n == 0) return bad("n is 0");
  m.n = *n;
  auto count = read_fitting_count(r, kMinEntryBytes, "entries");
  if (!count) return count.error();
  std::optional<PeerName> prev;
  for (std::uint32_t i = 0; i < *count; ++i) {
    auto name = read_next_name(r, prev, "entry name");
    if (!name) return name.error();
    auto entry = read_entry(r);
    if (!entry) return entry.error().wrap("entry " + name->to_string());
    m.nodes.emplace_hint(m.nodes.end(), *name, std::move(*entry));
    prev = *name;
  }
  if (auto end = r.expect_end("consensus message"); !end) return end.error();
  return m;
}

}  // namespace weft::ipam
