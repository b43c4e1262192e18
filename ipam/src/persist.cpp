// SPDX-License-Identifier: Apache-2.0
#include "weft/ipam/persist.hpp"

#include "weft/base/uint128.hpp"
#include "weft/ipam/wire.hpp"

#include <vector>

namespace weft::ipam {

namespace {

constexpr std::string_view kRingKey = "ring";
constexpr std::string_view kCursorKey = "cursor";
constexpr std::string_view kConsensusKey = "consensus";
constexpr std::string_view kRejectedKey = "rejected";
constexpr std::string_view kAllocPrefix = "alloc/";
constexpr std::string_view kPendingPrefix = "pending/";

std::string hex128(u128 v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(32, '0');
  for (int i = 31; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = kDigits[v & 0xf];
  return s;
}

std::optional<u128> parse_hex128(std::string_view s) {
  if (s.size() != 32) return std::nullopt;
  u128 v = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = (v << 4) | static_cast<u128>(d);
  }
  return v;
}

Error damaged(const std::string& what) {
  return Error(Errc::corrupt, "the stored IPAM state is damaged (" + what +
                                  "); start weftd with --reset-data to discard it, after "
                                  "`weft rmpeer` of this peer elsewhere");
}

}  // namespace

void put_ring(store::Batch& b, const Ring& ring) {
  const auto bytes = encode_ring(ring);
  b.put(kStoreNs, kRingKey,
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void put_allocation(store::Batch& b, u128 offset, const Allocation& a) {
  b.put(kStoreNs, std::string(kAllocPrefix) + hex128(offset), a.subnet.to_string() + " " + a.key);
}

void erase_allocation(store::Batch& b, u128 offset) {
  b.erase(kStoreNs, std::string(kAllocPrefix) + hex128(offset));
}

void put_cursor(store::Batch& b, u128 cursor) {
  b.put(kStoreNs, kCursorKey, hex128(cursor));
}

void put_pending(store::Batch& b, const std::string& key, const Cidr& subnet) {
  b.put(kStoreNs, std::string(kPendingPrefix) + key, subnet.to_string());
}

void erase_pending(store::Batch& b, const std::string& key) {
  b.erase(kStoreNs, std::string(kPendingPrefix) + key);
}

void put_consensus(store::Batch& b, std::span<const std::uint8_t> state) {
  b.put(kStoreNs, kConsensusKey,
        std::string_view(reinterpret_cast<const char*>(state.data()), state.size()));
}

void erase_ring_and_consensus(store::Batch& b) {
  b.erase(kStoreNs, kRingKey);
  b.erase(kStoreNs, kConsensusKey);
}

void put_rejected(store::Batch& b, const std::set<std::set<PeerName>>& rejected) {
  std::string text;
  for (const auto& seeds : rejected) {
    for (auto p : seeds) text += p.to_string() + " ";
    text += "\n";
  }
  b.put(kStoreNs, kRejectedKey, text);
}

Result<Persisted> load_persisted(store::Store& store, const Cidr& range) {
  auto entries = store.list(kStoreNs);
  if (!entries) return entries.error().wrap("read the IPAM state");
  Persisted p;
  const u128 base = to_u128(range.first());
  for (const auto& e : *entries) {
    const std::string_view key = e.key;
    if (key == kRingKey) {
      const auto bytes =
          std::span(reinterpret_cast<const std::uint8_t*>(e.value.data()), e.value.size());
      auto ring = decode_ring(bytes);
      if (!ring) {
        // Stored before rings carried their membership (an empty one is 3 zero counts).
        std::vector<std::uint8_t> older(bytes.begin(), bytes.end());
        older.resize(older.size() + 12, 0);
        if (auto upgraded = decode_ring(older)) ring = std::move(upgraded);
      }
      if (!ring) return damaged("ring: " + ring.error().message());
      if (!(ring->range() == range)) {
        return Error(Errc::invalid_argument,
                     "the stored IPAM ring is for range " + ring->range().to_string() +
                         ", but --ipalloc-range is " + range.to_string() +
                         ": start weftd with --ipalloc-range " + ring->range().to_string() +
                         " (every peer must use the same range)");
      }
      p.ring = std::move(*ring);
    } else if (key == kCursorKey) {
      auto c = parse_hex128(e.value);
      if (!c) return damaged("cursor '" + e.value + "'");
      p.cursor = *c;
    } else if (key == kRejectedKey) {
      std::size_t line_start = 0;
      while (line_start < e.value.size()) {
        const auto nl = e.value.find('\n', line_start);
        const std::string line = e.value.substr(line_start, nl - line_start);
        std::set<PeerName> seeds;
        std::size_t pos = 0;
        while (pos < line.size()) {
          const auto sp = line.find(' ', pos);
          auto name = PeerName::parse(line.substr(pos, sp - pos));
          if (!name) return damaged("rejected seeds '" + line + "'");
          seeds.insert(*name);
          pos = sp == std::string::npos ? line.size() : sp + 1;
        }
        if (!seeds.empty()) p.rejected.insert(std::move(seeds));
        if (nl == std::string::npos) break;
        line_start = nl + 1;
      }
    } else if (key == kConsensusKey) {
      p.consensus = e.value;
    } else if (key.starts_with(kAllocPrefix)) {
      const auto off = parse_hex128(key.substr(kAllocPrefix.size()));
      const auto space = e.value.find(' ');
      if (!off || space == std::string::npos || *off >= range.size()) {
        return damaged("allocation record " + e.key);
      }
      auto subnet = Cidr::parse(std::string_view(e.value).substr(0, space));
      auto address = ip_from_u128(range.family(), base + *off);
      if (!subnet || !address || !subnet->contains(*address)) {
        return damaged("allocation record " + e.key);
      }
      p.allocations.push_back({e.value.substr(space + 1), *address, *subnet});
    } else if (key.starts_with(kPendingPrefix)) {
      auto subnet = Cidr::parse(e.value);
      if (!subnet) return damaged("pending record " + e.key);
      p.pending.emplace(std::string(key.substr(kPendingPrefix.size())), *subnet);
    }
  }
  return p;
}

}  // namespace weft::ipam
