// SPDX-License-Identifier: Apache-2.0
// Cache: forwarded answers by question and DO/CD, their lifetime from the answer's TTLs or the
// SOA of a negative answer (RFC 2308 5), TTLs counted down on hits, the soonest-expiring
// entry evicted when full.
#include "weft/dns/cache.hpp"

#include <algorithm>
#include <chrono>

namespace weft::dns {
namespace {

constexpr std::uint32_t kMaxTtl = 0x7FFFFFFF;  // RFC 2181 8: above it counts as 0

/// The question's name in lower-case wire form, type, class, then DO and CD.
std::string key_of(const Message& query) {
  const Question& q = query.questions.front();
  std::string key;
  key.reserve(q.name.wire_length() + 5);
  for (const auto& label : q.name.labels()) {
    key.push_back(static_cast<char>(label.size()));
    key += to_lower_ascii(label);
  }
  key.push_back('\0');
  for (const auto v : {static_cast<unsigned>(q.type), static_cast<unsigned>(q.klass)}) {
    key.push_back(static_cast<char>(v >> 8));
    key.push_back(static_cast<char>(v & 0xFF));
  }
  const bool dnssec_ok = query.edns && query.edns->dnssec_ok;
  key.push_back(static_cast<char>((dnssec_ok ? 1 : 0) | (query.header.cd ? 2 : 0)));
  return key;
}

bool single_question(const Message& m) {
  return m.questions.size() == 1;
}

bool is_negative(const Message& response) {
  return response.rcode() == Rcode::nxdomain || response.answers.empty();
}

/// How long `response` may be kept, in seconds, its TTLs already capped; 0: not at all.
std::uint32_t lifetime(const Message& response) {
  std::uint32_t answers = kMaxTtl;
  for (const auto& rr : response.answers) answers = std::min(answers, rr.ttl);
  if (!is_negative(response)) return answers;
  // RFC 2308 5: the SOA's TTL and its minimum, whichever is smaller; no SOA, no caching.
  for (const auto& rr : response.authorities) {
    if (const auto* soa = std::get_if<SoaRecord>(&rr.data)) {
      return std::min({answers, rr.ttl, soa->minimum});
    }
  }
  return 0;
}

}  // namespace

Cache::Cache(std::size_t max_entries, Duration max_ttl)
    : max_entries_(max_entries), max_ttl_(max_ttl) {}

std::size_t Cache::size() const noexcept {
  return entries_.size();
}

void Cache::erase(std::unordered_map<std::string, Slot>::iterator it) {
  by_expiry_.erase(it->second.expiry);
  entries_.erase(it);
}

void Cache::store(const Message& query, const Message& response, TimePoint now) {
  if (max_entries_ == 0 || !single_question(query) || !single_question(response)) return;
  const Rcode rcode = response.rcode();
  if (!response.header.qr || response.header.tc || response.header.opcode != Opcode::query ||
      (rcode != Rcode::noerror && rcode != Rcode::nxdomain) ||
      !(response.questions.front() == query.questions.front())) {
    return;
  }
  const auto cap = static_cast<std::uint32_t>(std::clamp<std::int64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(max_ttl_).count(), 0, kMaxTtl));
  Message kept = response;
  kept.edns.reset();
  for (auto* section : {&kept.answers, &kept.authorities, &kept.additionals}) {
    for (auto& rr : *section) rr.ttl = rr.ttl > kMaxTtl ? 0 : std::min(rr.ttl, cap);
  }
  const std::uint32_t life = lifetime(kept);
  if (life == 0) return;
  if (is_negative(kept)) {
    // RFC 2308 3: the SOA of a negative answer says how long the answer itself lives.
    for (auto& rr : kept.authorities) {
      if (std::holds_alternative<SoaRecord>(rr.data)) rr.ttl = std::min(rr.ttl, life);
    }
  }

  std::string key = key_of(query);
  if (auto old = entries_.find(key); old != entries_.end()) {
    erase(old);
  } else if (entries_.size() >= max_entries_) {
    // Whatever has expired goes first; then the soonest to expire.
    while (!by_expiry_.empty() && by_expiry_.begin()->first.first <= now) {
      erase(entries_.find(*by_expiry_.begin()->second));
      ++stats_.expired;
    }
    if (entries_.size() >= max_entries_) {
      erase(entries_.find(*by_expiry_.begin()->second));
      ++stats_.evicted;
    }
  }
  const std::pair expiry{now + std::chrono::seconds(life), next_order_++};
  const auto [it, added] = entries_.emplace(std::move(key), Slot{std::move(kept), now, expiry});
  by_expiry_.emplace(expiry, &it->first);
  ++stats_.stored;
}

std::optional<Message> Cache::lookup(const Message& query, TimePoint now) {
  if (max_entries_ == 0 || !single_question(query)) {
    ++stats_.misses;
    return std::nullopt;
  }
  const auto it = entries_.find(key_of(query));
  if (it == entries_.end()) {
    ++stats_.misses;
    return std::nullopt;
  }
  if (it->second.expiry.first <= now) {
    erase(it);
    ++stats_.expired;
    ++stats_.misses;
    return std::nullopt;
  }
  Message m = it->second.response;
  m.header.id = query.header.id;
  m.header.aa = false;
  m.questions = query.questions;
  // Seconds kept, rounded up: no client keeps a record longer than its source allowed.
  const auto age = static_cast<std::uint64_t>(
      std::chrono::ceil<std::chrono::seconds>(now - it->second.stored).count());
  for (auto* section : {&m.answers, &m.authorities, &m.additionals}) {
    for (auto& rr : *section) rr.ttl = rr.ttl > age ? static_cast<std::uint32_t>(rr.ttl - age) : 0;
  }
  ++stats_.hits;
  return m;
}

}  // namespace weft::dns
