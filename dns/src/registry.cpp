// SPDX-License-Identifier: Apache-2.0
#include "weft/dns/registry.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace weft::dns {

namespace {

// A key's value in a record as the header defines it: (version, dead?) or nullopt (bottom:
// no floor, not listed). An unlisted key under a floor F is (F - 1, dead).
using Rank = std::optional<std::pair<std::uint64_t, bool>>;

Rank floor_rank(std::uint64_t floor) {
  if (floor == 0) return std::nullopt;
  return std::pair{floor - 1, true};
}

Rank rank_of(const OriginRecord& r, const EntryKey& k) {
  const auto it = r.entries.find(k);
  if (it == r.entries.end()) return floor_rank(r.floor);
  return std::pair{it->second.version, !it->second.live};
}

const Name& zone() {
  static const Name z = *Name::parse(kRegistryZone);
  return z;
}

}  // namespace

std::uint64_t OriginRecord::max_version() const {
  std::uint64_t m = std::max(complete, floor == 0 ? 0 : floor - 1);
  for (const auto& [k, v] : entries) m = std::max(m, v.version);
  return m;
}

OriginRecord merge_records(const OriginRecord& a, const OriginRecord& b) {
  OriginRecord out;
  out.base = a.base;
  out.floor = std::max(a.floor, b.floor);
  // Completeness carries over from `b` only when `b` starts where `a` is complete.
  out.complete = b.base <= a.complete ? std::max(a.complete, b.complete) : a.complete;
  std::set<EntryKey> keys;
  for (const auto& [k, v] : a.entries) keys.insert(k);
  for (const auto& [k, v] : b.entries) keys.insert(k);
  for (const auto& k : keys) {
    const Rank best = std::max(rank_of(a, k), rank_of(b, k));
    if (!best || best == floor_rank(out.floor)) continue;  // the floor says it: not listed
    out.entries.emplace(k, EntryValue{best->first, !best->second});
  }
  return out;
}

Result<void> check_entry_name(const Name& name) {
  if (!name.is_in(zone()) || name == zone()) {
    return Error(Errc::parse_error,
                 "name " + name.to_string() + " is not below " + std::string(kRegistryZone));
  }
  return ok();
}

Result<void> check_container_id(std::string_view container) {
  if (container.empty() || container.size() > kMaxContainerIdLength) {
    return Error(Errc::parse_error, "container id of " + std::to_string(container.size()) +
                                        " bytes (1.." + std::to_string(kMaxContainerIdLength) +
                                        " allowed)");
  }
  for (const char c : container) {
    if (c < 0x21 || c > 0x7e) {
      return Error(Errc::parse_error, "container id holds a byte outside printable ASCII");
    }
  }
  return ok();
}

Registry::Registry(PeerName self, Duration tombstone_lifetime)
    : self_(self), lifetime_(tombstone_lifetime) {}

RegistryState Registry::change_own(const std::vector<EntryKey>& keys, bool live, TimePoint now) {
  auto& own = state_[self_];
  const std::uint64_t v = own.max_version() + 1;
  OriginRecord delta{v - 1, v, 0, {}};
  for (const auto& k : keys) {
    own.entries[k] = EntryValue{v, live};
    delta.entries[k] = EntryValue{v, live};
    if (live) {
      died_[self_].erase(k);
    } else {
      died_[self_][k] = now;
    }
  }
  own.complete = v;
  touch();
  return RegistryState{{self_, std::move(delta)}};
}

Result<std::optional<RegistryState>> Registry::add(const Name& name, const IpAddress& address,
                                                   std::string_view container, TimePoint now) {
  if (auto r = check_entry_name(name); !r)
    return Error(Errc::invalid_argument, r.error().message());
  if (auto r = check_container_id(container); !r) {
    return Error(Errc::invalid_argument, r.error().message());
  }
  if (address.is_unspecified()) {
    return Error(Errc::invalid_argument, "address " + address.to_string() + " is unspecified");
  }
  EntryKey key{name.canonical(), address, std::string(container)};
  const auto& own = own_entries();
  if (const auto it = own.find(key); it != own.end() && it->second.live) {
    return std::optional<RegistryState>();
  }
  return std::optional<RegistryState>(change_own({key}, true, now));
}

std::optional<RegistryState> Registry::remove(const Name& name,
                                              const std::optional<IpAddress>& address,
                                              TimePoint now) {
  const std::string canonical = name.canonical();
  std::vector<EntryKey> keys;
  for (const auto& [k, v] : own_entries()) {
    if (v.live && k.name == canonical && (!address || k.address == *address)) keys.push_back(k);
  }
  if (keys.empty()) return std::nullopt;
  return change_own(keys, false, now);
}

std::optional<RegistryState> Registry::remove_container(std::string_view container, TimePoint now) {
  std::vector<EntryKey> keys;
  for (const auto& [k, v] : own_entries()) {
    if (v.live && k.container == container) keys.push_back(k);
  }
  if (keys.empty()) return std::nullopt;
  return change_own(keys, false, now);
}

Result<RegistryState> Registry::forget_origin(PeerName peer, TimePoint) {
  if (peer == self_) {
    return Error(Errc::invalid_argument,
                 "a peer cannot forget its own DNS entries; remove them, or run this on another "
                 "peer");
  }
  auto& rec = state_[peer];
  const std::uint64_t m = rec.max_version();
  rec = OriginRecord{0, m, m + 1, {}};
  died_.erase(peer);
  touch();
  return RegistryState{{peer, rec}};
}

bool Registry::merge_record(PeerName origin, const OriginRecord& in, TimePoint now) {
  // No record is stored until it says something, so that replicas compare equal.
  const auto found = state_.find(origin);
  const OriginRecord ours = found == state_.end() ? OriginRecord{} : found->second;
  OriginRecord merged = merge_records(ours, in);
  if (merged == ours) return false;
  auto& died = died_[origin];
  for (const auto& [k, v] : merged.entries) {
    if (v.live) continue;
    const auto old = ours.entries.find(k);
    if (old == ours.entries.end() || !(old->second == v)) died[k] = now;  // news of a death
  }
  for (auto it = died.begin(); it != died.end();) {
    const auto e = merged.entries.find(it->first);
    it = (e == merged.entries.end() || e->second.live) ? died.erase(it) : std::next(it);
  }
  state_.insert_or_assign(origin, std::move(merged));
  touch();
  return true;
}

bool Registry::correct_self(const std::map<EntryKey, EntryValue>& before, std::uint64_t before_max,
                            TimePoint now) {
  auto& own = state_[self_];
  std::vector<EntryKey> kill, restore;
  for (const auto& [k, v] : own.entries) {
    const auto b = before.find(k);
    if (v.live && (b == before.end() || !b->second.live)) kill.push_back(k);
  }
  for (const auto& [k, v] : before) {
    const auto m = own.entries.find(k);
    if (v.live && (m == own.entries.end() || !m->second.live)) restore.push_back(k);
  }
  if (kill.empty() && restore.empty()) {
    // Only newer numbers (the old incarnation's) or a higher floor: continue above them.
    own.complete = std::max(own.max_version(), before_max);
    return false;
  }
  // One new version above everything seen: the old state's claims all lose to it.
  (void)change_own(kill, false, now);
  const std::uint64_t v = own.complete;
  for (const auto& k : restore) own.entries[k] = EntryValue{v, true};
  for (const auto& k : restore) died_[self_].erase(k);
  return true;
}

MergeOutcome Registry::merge(const RegistryState& in, TimePoint now) {
  MergeOutcome out;
  for (const auto& [origin, rec] : in) {
    if (!origin.is_valid()) continue;
    if (origin != self_) {
      if (merge_record(origin, rec, now)) out.news.emplace(origin, state_.at(origin));
      continue;
    }
    const auto before = own_entries();
    const auto found = state_.find(self_);
    const std::uint64_t before_max = found == state_.end() ? 0 : found->second.max_version();
    if (!merge_record(self_, rec, now)) continue;
    out.corrected_self = correct_self(before, before_max, now) || out.corrected_self;
    out.news.insert_or_assign(self_, state_.at(self_));
  }
  return out;
}

void Registry::gc(TimePoint now) {
  for (auto& [origin, rec] : state_) {
    auto& died = died_[origin];
    const auto expired = [&](const EntryKey& k) {
      const auto d = died.find(k);
      return d != died.end() && d->second + lifetime_ <= now;
    };
    // The floor may rise to just below the oldest tombstone that must stay, and never
    // above where this record is complete.
    std::uint64_t floor = rec.complete + 1;
    for (const auto& [k, v] : rec.entries) {
      if (!v.live && (!expired(k) || v.version > rec.complete)) floor = std::min(floor, v.version);
    }
    floor = std::max(floor, rec.floor);
    bool changed = floor != rec.floor;
    rec.floor = floor;
    for (auto it = rec.entries.begin(); it != rec.entries.end();) {
      // A tombstone at floor - 1 says what the floor says, so it goes whatever its age.
      const auto& v = it->second;
      if (!v.live && v.version < floor && (expired(it->first) || v.version + 1 == floor)) {
        died.erase(it->first);
        it = rec.entries.erase(it);
        changed = true;
      } else {
        ++it;
      }
    }
    if (changed) touch();
  }
}

TimePoint Registry::next_gc() const {
  TimePoint next = TimePoint::max();
  for (const auto& [origin, died] : died_) {
    for (const auto& [k, t] : died) next = std::min(next, t + lifetime_);
  }
  return next;
}

void Registry::build_index() const {
  if (!index_dirty_) return;
  by_name_.clear();
  by_address_.clear();
  for (const auto& [origin, rec] : state_) {
    for (const auto& [k, v] : rec.entries) {
      if (!v.live) continue;
      by_name_[k.name].push_back(k.address);
      by_address_[k.address].push_back(k.name);
    }
  }
  for (auto& [n, list] : by_name_) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  for (auto& [a, list] : by_address_) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  index_dirty_ = false;
}

std::vector<IpAddress> Registry::lookup(const Name& name) const {
  build_index();
  const auto it = by_name_.find(name.canonical());
  return it == by_name_.end() ? std::vector<IpAddress>{} : it->second;
}

std::vector<Name> Registry::reverse(const IpAddress& address) const {
  build_index();
  std::vector<Name> out;
  if (const auto it = by_address_.find(address); it != by_address_.end()) {
    for (const auto& n : it->second) {
      if (auto parsed = Name::parse(n)) out.push_back(std::move(*parsed));
    }
  }
  return out;
}

std::vector<Entry> Registry::entries() const {
  std::vector<Entry> out;
  for (const auto& [origin, rec] : state_) {
    for (const auto& [k, v] : rec.entries) {
      if (!v.live) continue;
      if (auto parsed = Name::parse(k.name)) {
        out.push_back(Entry{std::move(*parsed), k.address, k.container, origin});
      }
    }
  }
  return out;
}

const std::map<EntryKey, EntryValue>& Registry::own_entries() const {
  static const std::map<EntryKey, EntryValue> none;
  const auto it = state_.find(self_);
  return it == state_.end() ? none : it->second.entries;
}

RegistryState Registry::own_record() const {
  const auto it = state_.find(self_);
  if (it == state_.end()) return {};
  return RegistryState{{self_, it->second}};
}

std::size_t Registry::tombstones() const {
  std::size_t n = 0;
  for (const auto& [origin, rec] : state_) {
    n += static_cast<std::size_t>(std::count_if(rec.entries.begin(), rec.entries.end(),
                                                [](const auto& e) { return !e.second.live; }));
  }
  return n;
}

}  // namespace weft::dns
