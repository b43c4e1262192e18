// SPDX-License-Identifier: Apache-2.0
#include "weft/gossip/routes.hpp"

#include <algorithm>
#include <deque>
#include <limits>

namespace weft::gossip {
namespace {
constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
}

Routes::Routes(const EntryMap& entries, PeerName self) : self_(self) {
  names_.reserve(entries.size());
  for (const auto& [name, entry] : entries) {
    index_.emplace(name, static_cast<std::uint32_t>(names_.size()));
    names_.push_back(name);
  }
  adjacency_.resize(names_.size());
  for (const auto& [name, entry] : entries) {
    const auto a = index_.at(name);
    for (const auto& c : entry->connections) {
      if (!c.established) continue;
      auto it = index_.find(c.peer);
      if (it == index_.end()) continue;
      const auto b = it->second;
      if (b <= a) continue;  // each pair is examined once, from its lower index
      const auto& other = entries.at(c.peer)->connections;
      const PeerName self_name = name;  // clang-14 cannot capture a structured binding
      const bool mutual = std::any_of(other.begin(), other.end(), [&](const ConnectionEntry& oc) {
        return oc.peer == self_name && oc.established;
      });
      if (mutual) {
        adjacency_[a].push_back(b);
        adjacency_[b].push_back(a);
      }
    }
  }
  for (auto& adj : adjacency_) {
    std::sort(adj.begin(), adj.end());
    adj.erase(std::unique(adj.begin(), adj.end()), adj.end());
  }
  auto self_it = index_.find(self);
  first_hop_.assign(names_.size(), kNone);
  if (self_it == index_.end()) return;
  self_index_ = self_it->second;
  const auto parent = bfs_parents(self_index_);
  // first hop of v = the ancestor of v whose parent is self.
  for (std::uint32_t v = 0; v < names_.size(); ++v) {
    if (v == self_index_ || parent[v] == kNone) continue;
    std::uint32_t u = v;
    while (parent[u] != self_index_) u = parent[u];
    first_hop_[v] = u;
  }
}

std::vector<std::uint32_t> Routes::bfs_parents(std::uint32_t root) const {
  std::vector<std::uint32_t> parent(names_.size(), kNone);
  std::deque<std::uint32_t> queue{root};
  parent[root] = root;
  while (!queue.empty()) {
    const auto u = queue.front();
    queue.pop_front();
    for (auto v : adjacency_[u]) {  // sorted: ties resolve to the lowest name
      if (parent[v] != kNone) continue;
      parent[v] = u;
      queue.push_back(v);
    }
  }
  return parent;
}

std::optional<PeerName> Routes::next_hop(PeerName dst) const {
  auto it = index_.find(dst);
  if (it == index_.end() || it->second >= first_hop_.size()) return std::nullopt;
  const auto hop = first_hop_[it->second];
  if (hop == kNone) return std::nullopt;
  return names_[hop];
}

const std::vector<PeerName>& Routes::broadcast_next(PeerName src) const {
  auto cached = broadcast_cache_.find(src);
  if (cached != broadcast_cache_.end()) return cached->second;
  std::vector<PeerName> children;
  auto it = index_.find(src);
  if (it != index_.end() && index_.count(self_) > 0) {
    const auto parent = bfs_parents(it->second);
    for (auto v : adjacency_[self_index_]) {
      if (parent[v] == self_index_ && v != it->second) children.push_back(names_[v]);
    }
  }
  return broadcast_cache_.emplace(src, std::move(children)).first->second;
}

std::vector<PeerName> Routes::reachable() const {
  std::vector<PeerName> out;
  if (index_.count(self_) == 0) return out;
  out.push_back(self_);
  for (std::uint32_t v = 0; v < first_hop_.size(); ++v) {
    if (first_hop_[v] != kNone) out.push_back(names_[v]);
  }
  return out;
}

bool Routes::is_reachable(PeerName p) const {
  return p == self_ || next_hop(p).has_value();
}

std::vector<PeerName> Routes::neighbours() const {
  std::vector<PeerName> out;
  if (index_.count(self_) == 0) return out;
  for (auto v : adjacency_[self_index_]) out.push_back(names_[v]);
  return out;
}

}  // namespace weft::gossip
