// SPDX-License-Identifier: Apache-2.0
// Authority: the zones (forward apex and the aligned reverse zones of the ranges), the index of
// names that exist below them (rebuilt per registry generation) and the answers of RFC 1034
// 4.3.2 with the negative answers of RFC 2308.
#include "weft/dns/authority.hpp"

#include <algorithm>
#include <array>

namespace weft::dns {
namespace {

constexpr std::uint32_t kMaxTtl = 0x7FFFFFFF;  // RFC 2181 8
// SOA timers: nothing transfers these zones, so only their sanity matters (RFC 1912 2.2).
constexpr std::uint32_t kRefresh = 3600, kRetry = 600, kExpire = 86400;
constexpr RrType kIxfr = static_cast<RrType>(251), kAxfr = static_cast<RrType>(252);

char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

Name make_name(std::vector<std::string> labels) {
  auto n = Name::from_labels(std::move(labels));
  return n ? std::move(*n) : Name();  // callers only build names within the limits
}

const char kHex[] = "0123456789abcdef";

/// The name of the `bits`-long prefix of `a` in in-addr.arpa. or ip6.arpa. (bits a multiple of
/// 8 or 4): 10.32.0.0 and 16 give 32.10.in-addr.arpa.
Name reverse_name(const IpAddress& a, int bits) {
  std::vector<std::string> labels;
  const auto bytes = a.bytes();
  if (a.is_v4()) {
    for (int i = bits / 8; i-- > 0;) labels.push_back(std::to_string(bytes[i]));
    labels.insert(labels.end(), {"in-addr", "arpa"});
  } else {
    for (int i = bits / 4; i-- > 0;) {
      const unsigned byte = bytes[i / 2];
      labels.emplace_back(1, kHex[i % 2 == 0 ? byte >> 4 : byte & 0xF]);
    }
    labels.insert(labels.end(), {"ip6", "arpa"});
  }
  return make_name(std::move(labels));
}

/// `a` with `value` added at the bit just above the last `host_bits` bits (the i-th sub-prefix).
IpAddress add_at(const IpAddress& a, int host_bits, std::uint64_t value) {
  auto bytes = a.bytes();
  std::array<std::uint8_t, IpAddress::kV6Size> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  // value < 2^7 here (at most 7 bits between a prefix and its aligned length), placed bytewise.
  for (int bit = 0; bit < 8; ++bit) {
    if ((value >> bit & 1u) == 0) continue;
    const int pos = static_cast<int>(bytes.size()) * 8 - 1 - (host_bits + bit);
    out[static_cast<std::size_t>(pos / 8)] |= static_cast<std::uint8_t>(0x80u >> (pos % 8));
  }
  if (a.is_v4()) return IpAddress::v4(out[0], out[1], out[2], out[3]);
  return IpAddress::v6(out);
}

}  // namespace

/// A name's lower-case wire form without the root's zero byte, and where each label starts, on
/// the stack: the key of every index here, and its suffixes for finding the zone.
class Authority::Key {
 public:
  explicit Key(const Name& n) {
    for (const auto& label : n.labels()) {
      starts_[count_++] = static_cast<std::uint8_t>(size_);
      data_[size_++] = static_cast<char>(label.size());
      for (const char c : label) data_[size_++] = lower(c);
    }
  }
  [[nodiscard]] std::string_view view() const { return {data_.data(), size_}; }
  [[nodiscard]] std::size_t labels() const { return count_; }
  /// The key of the name without its first `skip` labels.
  [[nodiscard]] std::string_view parent(std::size_t skip) const {
    const std::size_t at = skip < count_ ? starts_[skip] : size_;
    return {data_.data() + at, size_ - at};
  }

 private:
  std::array<char, kMaxNameLength> data_{};
  std::array<std::uint8_t, kMaxNameLength / 2 + 1> starts_{};
  std::size_t size_ = 0, count_ = 0;
};

Result<void> check_zone_config(const ZoneConfig& config) {
  if (config.domain.is_root()) {
    return Error(Errc::invalid_argument, "dns: the zone cannot be the root; use weft.local.");
  }
  if (config.ttl > kMaxTtl) {
    return Error(Errc::invalid_argument, "dns: a TTL of " + std::to_string(config.ttl) +
                                             " s is above 2^31 - 1 (RFC 2181 8)");
  }
  return ok();
}

Authority::Authority(ZoneConfig config, const Registry& registry)
    : config_(std::move(config)), registry_(registry) {
  std::vector<std::string> mailbox{"hostmaster"};
  for (const auto& l : config_.domain.labels()) mailbox.push_back(to_lower_ascii(l));
  auto rname = Name::from_labels(std::move(mailbox));
  rname_ = rname ? std::move(*rname) : config_.domain.lowered();

  add_zone(config_.domain.lowered(), true);
  for (const Cidr& range : config_.reverse) {
    // Zones come in whole labels: round the prefix up to the next octet or nibble and serve
    // every aligned prefix of that length inside the range (at most 2^7 of them).
    const int step = range.family() == IpFamily::v4 ? 8 : 4;
    const int aligned = (range.prefix_length() + step - 1) / step * step;
    const int host_bits = range.address().bits() - aligned;
    const std::uint64_t count = std::uint64_t{1} << (aligned - range.prefix_length());
    for (std::uint64_t i = 0; i < count; ++i) {
      add_zone(reverse_name(add_at(range.address(), host_bits, i), aligned), false);
    }
  }
  for (const auto& z : zones_) apex_depths_.push_back(z.apex.labels().size());
  std::sort(apex_depths_.begin(), apex_depths_.end(), std::greater<>());
  apex_depths_.erase(std::unique(apex_depths_.begin(), apex_depths_.end()), apex_depths_.end());
}

void Authority::add_zone(Name apex, bool forward) {
  const Key key(apex);
  if (zone_by_key_.contains(key.view())) return;  // overlapping ranges
  Zone z{std::move(apex), std::string(key.view()), {}, {}};
  if (forward && config_.server) (config_.server->is_v4() ? z.v4 : z.v6).push_back(*config_.server);
  zone_by_key_.emplace(z.key, zones_.size());
  zones_.push_back(std::move(z));
}

const Authority::Zone* Authority::find_zone(const Key& key) const {
  // The most specific zone wins where reverse zones nest (ranges of different lengths).
  for (const std::size_t depth : apex_depths_) {
    if (depth > key.labels()) continue;
    const auto it = zone_by_key_.find(key.parent(key.labels() - depth));
    if (it != zone_by_key_.end()) return &zones_[it->second];
  }
  return nullptr;
}

bool Authority::is_authoritative(const Name& name) const {
  return find_zone(Key(name)) != nullptr;
}

std::uint32_t Authority::serial() const {
  return static_cast<std::uint32_t>(registry_.generation());
}

void Authority::refresh() const {
  if (indexed_ && generation_ == registry_.generation()) return;
  nodes_.clear();
  // Every name between `key` and its zone's apex exists (empty non-terminals).
  const auto add_parents = [this](const Key& key, const Zone& zone) {
    for (std::size_t skip = 1; skip + zone.apex.labels().size() < key.labels(); ++skip) {
      nodes_.try_emplace(std::string(key.parent(skip)));
    }
  };
  const Zone* forward = &zones_.front();  // added first
  for (const Entry& e : registry_.entries()) {
    const Key key(e.name);
    if (const Zone* z = find_zone(key); z == forward && key.view() != z->key) {
      Node& node = nodes_[std::string(key.view())];
      (e.address.is_v4() ? node.v4 : node.v6).push_back(e.address);
      add_parents(key, *z);
    }
    const Name ptr = reverse_name(e.address, e.address.bits());
    const Key ptr_key(ptr);
    if (const Zone* z = find_zone(ptr_key); z != nullptr) {
      nodes_[std::string(ptr_key.view())].ptr.push_back(e.name.lowered());
      add_parents(ptr_key, *z);
    }
  }
  // Sorted and without duplicates (the same name from several origins or containers), as
  // Registry::lookup gives them: rotation then starts from one order on every peer.
  for (auto& [key, node] : nodes_) {
    for (auto* list : {&node.v4, &node.v6}) {
      std::sort(list->begin(), list->end());
      list->erase(std::unique(list->begin(), list->end()), list->end());
    }
    std::sort(node.ptr.begin(), node.ptr.end(),
              [](const Name& a, const Name& b) { return a.to_string() < b.to_string(); });
    node.ptr.erase(std::unique(node.ptr.begin(), node.ptr.end()), node.ptr.end());
  }
  generation_ = registry_.generation();
  indexed_ = true;
}

ResourceRecord Authority::soa(const Zone& zone) const {
  return ResourceRecord{
      zone.apex, RrClass::in, config_.ttl,
      SoaRecord{zones_.front().apex, rname_, serial(), kRefresh, kRetry, kExpire, config_.ttl}};
}

void Authority::add_apex_records(Message& r, const Zone& zone, RrType type) const {
  const Name& owner = r.questions.front().name;
  const bool any = type == RrType::any;
  if (any || type == RrType::soa) r.answers.push_back(soa(zone));
  if (any || type == RrType::ns) {
    r.answers.push_back(ResourceRecord{owner, RrClass::in, config_.ttl,
                                       NameRecord{RrType::ns, zones_.front().apex}});
  }
  if (any || type == RrType::a) {
    for (const auto& a : zone.v4) {
      r.answers.push_back({owner, RrClass::in, config_.ttl, AddressRecord{a}});
    }
  }
  if (any || type == RrType::aaaa) {
    for (const auto& a : zone.v6) {
      r.answers.push_back({owner, RrClass::in, config_.ttl, AddressRecord{a}});
    }
  }
}

void Authority::add_node_records(Message& r, const Node& node, RrType type,
                                 std::uint64_t rotation) const {
  const Name& owner = r.questions.front().name;
  const bool any = type == RrType::any;
  std::vector<IpAddress> order;
  for (const auto* list : {&node.v4, &node.v6}) {
    const RrType t = list == &node.v4 ? RrType::a : RrType::aaaa;
    if (list->empty() || !(any || type == t)) continue;
    order = *list;
    rotate_order(std::span(order), rotation);
    for (const auto& a : order) {
      r.answers.push_back({owner, RrClass::in, config_.ttl, AddressRecord{a}});
    }
  }
  if (!node.ptr.empty() && (any || type == RrType::ptr)) {
    std::vector<Name> names = node.ptr;
    rotate_order(std::span(names), rotation);
    for (auto& n : names) {
      r.answers.push_back({owner, RrClass::in, config_.ttl, NameRecord{RrType::ptr, std::move(n)}});
    }
  }
}

std::optional<Message> Authority::answer(const Message& query, std::uint64_t rotation,
                                         bool recursion_available) const {
  if (query.questions.size() != 1) return std::nullopt;
  const Question& q = query.questions.front();
  const Key key(q.name);
  const Zone* zone = find_zone(key);
  if (zone == nullptr) return std::nullopt;
  refresh();

  Message r;
  r.header.id = query.header.id;
  r.header.qr = true;
  r.header.aa = true;
  r.header.rd = query.header.rd;
  r.header.cd = query.header.cd;
  r.header.ra = recursion_available;
  r.questions.push_back(q);
  if (query.edns) {
    r.edns.emplace();
    r.edns->dnssec_ok = query.edns->dnssec_ok;
  }
  if ((q.klass != RrClass::in && q.klass != RrClass::any) || q.type == kAxfr || q.type == kIxfr) {
    r.header.aa = false;
    r.set_rcode(Rcode::refused);
    return r;
  }
  // A reverse zone of a /32 or /128 has its one PTR at the apex, so both may apply.
  const bool apex = key.view() == zone->key;
  const auto it = nodes_.find(key.view());
  const Node* node = it == nodes_.end() ? nullptr : &it->second;
  if (apex) add_apex_records(r, *zone, q.type);
  if (node != nullptr) add_node_records(r, *node, q.type, rotation);
  if (r.answers.empty()) {
    if (!apex && node == nullptr) r.set_rcode(Rcode::nxdomain);
    r.authorities.push_back(soa(*zone));
    return r;
  }
  // Glue: the NS target is the forward apex; its address unless the answer has it already.
  const bool has_ns = std::any_of(r.answers.begin(), r.answers.end(),
                                  [](const ResourceRecord& rr) { return rr.type() == RrType::ns; });
  const bool has_address = apex && zone == &zones_.front() && q.type == RrType::any;
  if (has_ns && !has_address) {
    for (const auto* list : {&zones_.front().v4, &zones_.front().v6}) {
      for (const auto& a : *list) {
        r.additionals.push_back({zones_.front().apex, RrClass::in, config_.ttl, AddressRecord{a}});
      }
    }
  }
  return r;
}

const std::vector<IpAddress>* Authority::addresses(std::string_view key, RrType type) const {
  if (type != RrType::a && type != RrType::aaaa) return nullptr;
  const bool v4 = type == RrType::a;
  if (const auto z = zone_by_key_.find(key); z != zone_by_key_.end()) {
    const Zone& zone = zones_[z->second];
    const auto& list = v4 ? zone.v4 : zone.v6;
    return list.empty() ? nullptr : &list;
  }
  refresh();
  const auto it = nodes_.find(key);
  if (it == nodes_.end()) return nullptr;
  const auto& list = v4 ? it->second.v4 : it->second.v6;
  return list.empty() ? nullptr : &list;
}

}  // namespace weft::dns
