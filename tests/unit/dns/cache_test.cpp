// SPDX-License-Identifier: Apache-2.0
// The cache of forwarded answers: TTLs counted down, the client's id and case, the key
// (case-insensitive name, type, class, DO, CD), negative caching from the SOA (RFC 2308),
// what is never kept, the max_ttl cap, eviction of the soonest-expiring entry, and random
// stores and lookups (seeds 1-5) against a naive model of every entry's expiry.
#include "weft/dns/cache.hpp"

#include "weft/base/rng.hpp"
#include "weft/testing/addresses.hpp"
#include "weft/testing/dns.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <map>

using namespace weft;
using namespace weft::dns;
using namespace std::chrono_literals;
using weft::testing::at;
using weft::testing::ip;
using weft::testing::name;
using weft::testing::query;

namespace {

// An upstream's positive answer: one A record per TTL given.
Message answer(const Message& q, std::initializer_list<std::uint32_t> ttls) {
  Message r;
  r.header.id = 0x7777;
  r.header.qr = true;
  r.header.rd = true;
  r.header.ra = true;
  r.header.aa = true;
  r.questions = q.questions;
  std::uint8_t last = 1;
  for (const auto ttl : ttls) {
    r.answers.push_back({q.questions[0].name, RrClass::in, ttl,
                         AddressRecord{IpAddress::v4(93, 184, 216, last++)}});
  }
  r.edns = Edns{};
  return r;
}

ResourceRecord soa(std::uint32_t ttl, std::uint32_t minimum) {
  return {name("example."), RrClass::in, ttl,
          SoaRecord{name("ns.example."), name("h.example."), 1, 2, 3, 4, minimum}};
}

Message negative(const Message& q, Rcode rcode, std::optional<ResourceRecord> soa_rr) {
  Message r = answer(q, {});
  r.set_rcode(rcode);
  if (soa_rr) r.authorities.push_back(*soa_rr);
  return r;
}

}  // namespace

TEST_CASE("cache: a hit has the client's id and case, TTLs counted down, AA clear",
          "[dns][cache]") {
  Cache c(10, 1h);
  const auto q = query("www.example.com.");
  c.store(q, answer(q, {300, 120}), at(0s));
  CHECK(c.size() == 1);
  CHECK(c.stats().stored == 1);

  auto asked = query("WWW.Example.COM.", RrType::a, 0x1234);
  const auto hit = c.lookup(asked, at(50s));
  REQUIRE(hit);
  CHECK(hit->header.id == 0x1234);
  CHECK_FALSE(hit->header.aa);
  CHECK(hit->header.qr);
  REQUIRE(hit->questions.size() == 1);
  CHECK(hit->questions[0].name.labels() == asked.questions[0].name.labels());
  REQUIRE(hit->answers.size() == 2);
  CHECK(hit->answers[0].ttl == 250);
  CHECK(hit->answers[1].ttl == 70);
  CHECK_FALSE(hit->edns);  // the responder adds its own
  // A part of a second counts as a whole one: never longer than the source allowed.
  CHECK(c.lookup(asked, at(50s + 1ms))->answers[1].ttl == 69);
  // The entry lives for the smallest TTL: 120 s.
  CHECK(c.lookup(asked, at(119s))->answers[1].ttl == 1);
  CHECK_FALSE(c.lookup(asked, at(120s)));
  CHECK(c.size() == 0);
  CHECK(c.stats().hits == 3);
  CHECK(c.stats().expired == 1);
  CHECK(c.stats().misses == 1);
}

TEST_CASE("cache key: name in any case, type, class, DO and CD", "[dns][cache]") {
  Cache c(10, 1h);
  const auto q = query("Example.com.");
  c.store(q, answer(q, {60}), at(0s));
  CHECK(c.lookup(query("eXAMPLE.COM."), at(1s)));
  CHECK_FALSE(c.lookup(query("example.com.", RrType::aaaa), at(1s)));
  CHECK_FALSE(c.lookup(query("www.example.com."), at(1s)));
  auto ch = query("example.com.");
  ch.questions[0].klass = RrClass::ch;
  CHECK_FALSE(c.lookup(ch, at(1s)));
  auto dnssec = query("example.com.");
  dnssec.edns = Edns{};
  CHECK(c.lookup(dnssec, at(1s)));  // EDNS alone does not change the answer
  dnssec.edns->dnssec_ok = true;
  CHECK_FALSE(c.lookup(dnssec, at(1s)));
  auto cd = query("example.com.");
  cd.header.cd = true;
  CHECK_FALSE(c.lookup(cd, at(1s)));
  // Each is its own entry.
  c.store(dnssec, answer(dnssec, {30}), at(2s));
  c.store(cd, answer(cd, {40}), at(2s));
  CHECK(c.size() == 3);
  CHECK(c.lookup(dnssec, at(3s))->answers[0].ttl == 29);
  CHECK(c.lookup(cd, at(3s))->answers[0].ttl == 39);
  CHECK(c.lookup(q, at(3s))->answers[0].ttl == 57);
}

TEST_CASE("cache negative answers: the SOA's TTL and minimum, not kept without an SOA",
          "[dns][cache]") {
  Cache c(10, 1h);
  const auto q = query("nothere.example.");
  c.store(q, negative(q, Rcode::nxdomain, soa(600, 60)), at(0s));
  auto hit = c.lookup(q, at(59s));
  REQUIRE(hit);
  CHECK(hit->rcode() == Rcode::nxdomain);
  CHECK(hit->answers.empty());
  REQUIRE(hit->authorities.size() == 1);
  CHECK(hit->authorities[0].ttl == 1);  // RFC 2308 3: min(TTL, minimum) = 60, 59 s gone
  CHECK_FALSE(c.lookup(q, at(60s)));

  // NODATA (NOERROR, no answer) the same way; the SOA's TTL when it is the smaller.
  const auto nodata = query("example.", RrType::txt);
  c.store(nodata, negative(nodata, Rcode::noerror, soa(20, 900)), at(0s));
  hit = c.lookup(nodata, at(10s));
  REQUIRE(hit);
  CHECK(hit->rcode() == Rcode::noerror);
  CHECK(hit->authorities[0].ttl == 10);
  CHECK_FALSE(c.lookup(nodata, at(20s)));

  // No SOA: nothing says how long the name is absent, so it is not kept.
  const auto bare = query("bare.example.");
  c.store(bare, negative(bare, Rcode::nxdomain, std::nullopt), at(0s));
  auto referral = negative(bare, Rcode::noerror, std::nullopt);
  referral.authorities.push_back(
      {name("example."), RrClass::in, 300, NameRecord{RrType::ns, name("ns.example.")}});
  c.store(bare, referral, at(0s));
  CHECK_FALSE(c.lookup(bare, at(1s)));
  CHECK(c.size() == 0);
}

TEST_CASE("cache keeps only clean answers to the question asked", "[dns][cache]") {
  Cache c(10, 1h);
  const auto q = query("example.com.");
  auto check_not_kept = [&](const Message& r, const char* why) {
    INFO(why);
    c.store(q, r, at(0s));
    CHECK(c.size() == 0);
  };
  auto r = answer(q, {60});
  r.header.tc = true;
  check_not_kept(r, "truncated");
  for (const Rcode rc : {Rcode::servfail, Rcode::refused, Rcode::formerr, Rcode::notimp}) {
    r = answer(q, {60});
    r.set_rcode(rc);
    check_not_kept(r, "an error");
  }
  r = answer(q, {60});
  r.header.qr = false;
  check_not_kept(r, "not a response");
  r = answer(q, {60, 0});
  check_not_kept(r, "a TTL of 0");
  r = answer(q, {0x80000000});
  check_not_kept(r, "a TTL of 2^31 counts as 0");
  r = answer(q, {60});
  r.questions[0].name = name("other.com.");
  check_not_kept(r, "another question");
  r = answer(q, {60});
  r.questions.push_back(r.questions[0]);
  check_not_kept(r, "two questions");
  r = answer(q, {60});
  r.header.opcode = Opcode::status;
  check_not_kept(r, "not a query's answer");

  Cache off(0, 1h);
  off.store(q, answer(q, {60}), at(0s));
  CHECK(off.size() == 0);
  CHECK_FALSE(off.lookup(q, at(0s)));
  CHECK(off.stats().misses == 1);
}

TEST_CASE("cache max_ttl caps the lifetime and every TTL served", "[dns][cache]") {
  Cache c(10, 1h);
  const auto q = query("example.com.");
  c.store(q, answer(q, {86400}), at(0s));
  CHECK(c.lookup(q, at(0s))->answers[0].ttl == 3600);
  CHECK(c.lookup(q, at(3599s))->answers[0].ttl == 1);
  CHECK_FALSE(c.lookup(q, at(3600s)));
  // A newer answer replaces the old one.
  c.store(q, answer(q, {100}), at(4000s));
  c.store(q, answer(q, {10}), at(4001s));
  CHECK(c.size() == 1);
  CHECK(c.lookup(q, at(4002s))->answers[0].ttl == 9);
  CHECK_FALSE(c.lookup(q, at(4011s)));
}

TEST_CASE("cache eviction: expired entries first, then the one expiring soonest", "[dns][cache]") {
  Cache c(3, 1h);
  const auto a = query("a.example."), b = query("b.example."), d = query("d.example."),
             e = query("e.example."), f = query("f.example.");
  c.store(a, answer(a, {100}), at(0s));
  c.store(b, answer(b, {50}), at(0s));
  c.store(d, answer(d, {200}), at(0s));
  c.store(e, answer(e, {300}), at(1s));  // full: b (expires at 50 s) goes
  CHECK(c.size() == 3);
  CHECK(c.stats().evicted == 1);
  CHECK_FALSE(c.lookup(b, at(2s)));
  CHECK(c.lookup(a, at(2s)));
  CHECK(c.lookup(d, at(2s)));
  CHECK(c.lookup(e, at(2s)));
  // At 150 s a has expired: it goes, and nothing live is evicted.
  c.store(f, answer(f, {10}), at(150s));
  CHECK(c.stats().evicted == 1);
  CHECK(c.stats().expired == 1);
  CHECK(c.lookup(d, at(151s)));
  CHECK(c.lookup(e, at(151s)));
  CHECK(c.lookup(f, at(151s)));
}

TEST_CASE("cache against a naive model: random stores and lookups (seeds 1-5)", "[dns][cache]") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    std::printf("cache model: seed %llu\n", static_cast<unsigned long long>(seed));
    INFO("seed " << seed);
    Xoshiro256Rng rng(seed);
    const std::size_t capacity = 1 + rng.uniform(8);
    Cache c(capacity, 100s);
    // The model: key -> (expiry, stored at, ttl as stored, insertion number).
    struct Kept {
      TimePoint expiry, stored;
      std::uint32_t ttl;
      std::uint64_t order;
    };
    std::map<std::string, Kept> model;
    std::uint64_t order = 0;
    TimePoint now = kEpoch;
    for (int step = 0; step < 3000; ++step) {
      now += std::chrono::milliseconds(rng.uniform(4000));
      const std::string n = "n" + std::to_string(rng.uniform(12)) + ".example.";
      const auto q = query(n);
      if (rng.uniform(2) == 0) {
        const auto ttl = static_cast<std::uint32_t>(rng.uniform(150));
        c.store(q, answer(q, {ttl}), now);
        const std::uint32_t kept_ttl = std::min<std::uint32_t>(ttl, 100);
        if (kept_ttl == 0) continue;
        if (!model.contains(n) && model.size() >= capacity) {
          std::erase_if(model, [&](const auto& e) { return e.second.expiry <= now; });
        }
        if (!model.contains(n) && model.size() >= capacity) {
          const auto soonest = std::min_element(model.begin(), model.end(), [](auto& x, auto& y) {
            return std::pair(x.second.expiry, x.second.order) <
                   std::pair(y.second.expiry, y.second.order);
          });
          model.erase(soonest);
        }
        model[n] = Kept{now + std::chrono::seconds(kept_ttl), now, kept_ttl, order++};
      } else {
        const auto hit = c.lookup(q, now);
        const auto it = model.find(n);
        const bool live = it != model.end() && it->second.expiry > now;
        REQUIRE(hit.has_value() == live);
        if (live) {
          const auto age = std::chrono::ceil<std::chrono::seconds>(now - it->second.stored).count();
          REQUIRE(hit->answers.size() == 1);
          CHECK(hit->answers[0].ttl == it->second.ttl - static_cast<std::uint32_t>(age));
        } else if (it != model.end()) {
          model.erase(it);
        }
      }
      REQUIRE(c.size() <= capacity);
    }
  }
}
