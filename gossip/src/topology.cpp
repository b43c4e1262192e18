// SPDX-License-Identifier: Apache-2.0
#include "weft/gossip/topology.hpp"

#include "weft/base/bytes.hpp"

#include <sodium.h>

#include <algorithm>

namespace weft::gossip {

namespace {
void xor_item_hash(std::array<std::uint8_t, 32>& acc, PeerName name, std::uint64_t version) {
  ByteWriter w;
  w.write_u64(name.value());
  w.write_u64(version);
  std::array<std::uint8_t, 32> h{};
  crypto_generichash(h.data(), h.size(), w.data().data(), w.size(), nullptr, 0);
  for (std::size_t i = 0; i < h.size(); ++i) acc[i] ^= h[i];
}
}  // namespace

Topology::Topology(PeerName self, std::string nickname, std::uint64_t incarnation,
                   EntryInterner interner)
    : self_(self), interner_(std::move(interner)) {
  auto e = std::make_shared<PeerEntry>();
  e->name = self;
  e->nickname = std::move(nickname);
  e->incarnation = incarnation;
  e->version = 1;
  put(std::move(e));
}

void Topology::count_mentions(const PeerEntry& e, int delta) {
  for (const auto& c : e.connections) {
    if (!c.established) continue;
    auto& n = mentions_[c.peer];
    n = static_cast<std::uint32_t>(static_cast<int>(n) + delta);
    if (n == 0) mentions_.erase(c.peer);
  }
}

void Topology::put(std::shared_ptr<const PeerEntry> entry) {
  const PeerName name = entry->name;
  auto v = versions_.find(name);
  if (v != versions_.end()) {
    xor_item_hash(hash_, name, v->second);
    count_mentions(*entries_.at(name), -1);
  }
  count_mentions(*entry, +1);
  xor_item_hash(hash_, name, entry->version);
  versions_[name] = entry->version;
  entries_[name] = std::move(entry);
  routes_.reset();
}

void Topology::erase(PeerName name) {
  auto v = versions_.find(name);
  if (v == versions_.end()) return;
  xor_item_hash(hash_, name, v->second);
  count_mentions(*entries_.at(name), -1);
  versions_.erase(v);
  entries_.erase(name);
  routes_.reset();
}

bool Topology::set_local_connections(std::vector<ConnectionEntry> connections) {
  std::sort(connections.begin(), connections.end(),
            [](const ConnectionEntry& a, const ConnectionEntry& b) { return a.peer < b.peer; });
  const auto& current = *entries_.at(self_);
  if (current.connections == connections) return false;
  auto next = std::make_shared<PeerEntry>(current);
  next->connections = std::move(connections);
  ++next->version;
  put(std::move(next));
  return true;
}

Topology::Merged Topology::merge(std::vector<PeerEntry> entries) {
  Merged out;
  for (auto& e : entries) {
    if (!e.name.is_valid()) continue;
    if (e.name == self_) {
      // A copy of our own entry from an earlier life: move our version past it so our
      // current entry wins everywhere.
      const auto& mine = *entries_.at(self_);
      if (e.version >= mine.version && e != mine) {
        auto next = std::make_shared<PeerEntry>(mine);
        next->version = e.version + 1;
        put(std::move(next));
        out.changed.push_back(self_);
      }
      continue;
    }
    if (version_of(e.name) >= e.version) continue;
    const PeerName name = e.name;
    put(interner_ ? interner_(std::move(e)) : std::make_shared<const PeerEntry>(std::move(e)));
    out.changed.push_back(name);
  }
  for (auto name : out.changed) {
    for (const auto& c : entries_.at(name)->connections) {
      if (c.established && c.peer != self_ && version_of(c.peer) == 0)
        out.unknown.push_back(c.peer);
    }
  }
  return out;
}

const PeerEntry* Topology::find(PeerName name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second.get();
}

std::shared_ptr<const PeerEntry> Topology::shared(PeerName name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second;
}

std::uint64_t Topology::version_of(PeerName name) const {
  auto it = versions_.find(name);
  return it == versions_.end() ? 0 : it->second;
}

std::vector<DigestItem> Topology::digest() const {
  std::vector<DigestItem> out;
  out.reserve(entries_.size());
  for (const auto& [name, e] : entries_) out.push_back({name, e->version});
  return out;
}

std::vector<PeerEntry> Topology::newer_than(const std::vector<DigestItem>& theirs) const {
  std::vector<PeerEntry> out;
  auto t = theirs.begin();
  // Both sides are sorted by name (digest() order); walk them together.
  std::vector<DigestItem> sorted;
  if (!std::is_sorted(theirs.begin(), theirs.end(),
                      [](const DigestItem& a, const DigestItem& b) { return a.name < b.name; })) {
    sorted = theirs;
    std::sort(sorted.begin(), sorted.end(),
              [](const DigestItem& a, const DigestItem& b) { return a.name < b.name; });
    t = sorted.begin();
  }
  const auto end = sorted.empty() ? theirs.end() : sorted.end();
  for (const auto& [name, e] : entries_) {
    while (t != end && t->name < name) ++t;
    if (t == end || t->name != name || t->version < e->version) out.push_back(*e);
  }
  return out;
}

bool Topology::behind(const std::vector<DigestItem>& theirs) const {
  return std::any_of(theirs.begin(), theirs.end(),
                     [&](const DigestItem& d) { return d.version > version_of(d.name); });
}

const Routes& Topology::routes() const {
  if (!routes_) routes_.emplace(entries_, self_);
  return *routes_;
}

std::vector<PeerName> Topology::remove_unreachable() {
  const auto& r = routes();
  std::vector<PeerName> gone;
  for (const auto& [name, e] : entries_) {
    if (!r.is_reachable(name)) gone.push_back(name);
  }
  for (auto n : gone) erase(n);
  return gone;
}

std::size_t Topology::memory_bytes() const {
  std::size_t bytes = 0;
  for (const auto& [name, e] : entries_) {
    bytes += sizeof(PeerEntry) + 64 /* map node + control block */ + e->nickname.capacity();
    for (const auto& c : e->connections) bytes += sizeof(ConnectionEntry) + c.address.capacity();
  }
  return bytes;
}

}  // namespace weft::gossip
