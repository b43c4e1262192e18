// SPDX-License-Identifier: Apache-2.0
// The authoritative answers: which zones a range gives (counted over every second octet), A,
// AAAA and PTR (IPv4 and IPv6 ranges), SOA and NS at every apex with glue, NXDOMAIN against
// NODATA (empty non-terminals in both trees) with the zone's SOA, rotation (every order, never
// a lost address), case, REFUSED, the header rules, the index following the registry, and the
// fast-path lookup agreeing with answer() on every name and type tried.
#include "weft/dns/authority.hpp"

#include "weft/testing/addresses.hpp"
#include "weft/testing/dns.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace weft;
using namespace weft::dns;
using namespace std::chrono_literals;
using weft::testing::ip;
using weft::testing::name;

namespace {

Message query(std::string_view qname, RrType type, RrClass klass = RrClass::in) {
  Message q;
  q.header.id = 0x4242;
  q.header.rd = true;
  q.questions.push_back(Question{name(qname), type, klass});
  return q;
}

// "0." n times: IPv6 reverse names are long runs of zero nibbles.
std::string zeros(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "0.";
  return out;
}

std::vector<IpAddress> addresses_of(const Message& m) {
  std::vector<IpAddress> out;
  for (const auto& rr : m.answers) {
    if (const auto* a = std::get_if<AddressRecord>(&rr.data)) out.push_back(a->address);
  }
  return out;
}

std::vector<IpAddress> sorted(std::vector<IpAddress> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// The wire form without the root byte, lower case, as the fast path computes it.
std::string key_of(std::string_view text) {
  std::string key;
  const Name n = name(text);
  for (const auto& l : n.labels()) {
    key.push_back(static_cast<char>(l.size()));
    key += to_lower_ascii(l);
  }
  return key;
}

// What every answer shares: the question echoed, the header copied and set.
void check_frame(const Message& q, const Message& r) {
  CHECK(r.header.id == q.header.id);
  CHECK(r.header.qr);
  CHECK(r.header.rd == q.header.rd);
  CHECK(r.header.cd == q.header.cd);
  CHECK_FALSE(r.header.tc);
  REQUIRE(r.questions.size() == 1);
  CHECK(r.questions[0].name.labels() == q.questions[0].name.labels());  // the case as asked
  CHECK(r.questions[0].type == q.questions[0].type);
  CHECK(r.questions[0].klass == q.questions[0].klass);
}

// A negative answer: no records, the zone's SOA (owner `zone`) in authority, TTL 30 and
// minimum 30.
void check_negative(const Message& r, Rcode rcode, std::string_view zone) {
  CHECK(r.rcode() == rcode);
  CHECK(r.header.aa);
  CHECK(r.answers.empty());
  REQUIRE(r.authorities.size() == 1);
  const auto& soa_rr = r.authorities[0];
  CHECK(soa_rr.name == name(zone));
  CHECK(soa_rr.ttl == 30);
  const auto* soa = std::get_if<SoaRecord>(&soa_rr.data);
  REQUIRE(soa != nullptr);
  CHECK(soa->mname == name("weft.local."));
  CHECK(soa->rname == name("hostmaster.weft.local."));
  CHECK(soa->minimum == 30);
}

struct Fixture {
  Registry registry{PeerName(1), 1h};
  ZoneConfig config;
  std::unique_ptr<Authority> authority;

  Fixture() {
    config.domain = name("weft.local.");
    config.ttl = 30;
    config.reverse = {*Cidr::parse("10.32.0.0/12"), *Cidr::parse("fd00::/62")};
    config.server = ip("10.32.0.53");
    add("pod-a.weft.local.", "10.32.0.1", "c1");
    add("web.default.weft.local.", "10.32.0.2", "c2");
    add("web.default.weft.local.", "10.32.0.3", "c3");
    add("web.default.weft.local.", "10.40.0.4", "c4");
    add("web.default.weft.local.", "fd00::2", "c2");
    add("v6only.weft.local.", "fd00::5", "c5");
    add("outside.weft.local.", "192.168.1.1", "c6");  // not in a served range: no PTR here
    authority = std::make_unique<Authority>(config, registry);
  }
  void add(std::string_view n, std::string_view a, std::string_view c) {
    REQUIRE(registry.add(name(n), ip(a), c, kEpoch));
  }
  Message ask(std::string_view qname, RrType type, RrClass klass = RrClass::in,
              std::uint64_t rotation = 0) const {
    const auto q = query(qname, type, klass);
    auto r = authority->answer(q, rotation, true);
    REQUIRE(r);
    check_frame(q, *r);
    return *r;
  }
};

}  // namespace

TEST_CASE("authority zones: 10.32.0.0/12 is 32..47.10.in-addr.arpa., fd00::/62 four nibbles",
          "[dns][authority]") {
  Fixture f;
  for (int octet = 0; octet < 256; ++octet) {
    const std::string apex = std::to_string(octet) + ".10.in-addr.arpa.";
    INFO(apex);
    CHECK(f.authority->is_authoritative(name(apex)) == (octet >= 32 && octet <= 47));
    CHECK(f.authority->is_authoritative(name("7.0." + apex)) == (octet >= 32 && octet <= 47));
  }
  CHECK_FALSE(f.authority->is_authoritative(name("10.in-addr.arpa.")));
  CHECK_FALSE(f.authority->is_authoritative(name("in-addr.arpa.")));
  CHECK_FALSE(f.authority->is_authoritative(name("11.32.in-addr.arpa.")));
  CHECK(f.authority->is_authoritative(name("weft.local.")));
  CHECK(f.authority->is_authoritative(name("Anything.Below.WEFT.local.")));
  CHECK_FALSE(f.authority->is_authoritative(name("local.")));
  CHECK_FALSE(f.authority->is_authoritative(name("weft.local.example.")));
  CHECK_FALSE(f.authority->is_authoritative(name(".")));
  // fd00::/62: the 16th nibble is 0..3, so four zones of 16 nibbles each.
  const std::string v6_tail = "." + zeros(13) + "d.f.ip6.arpa.";
  for (const char* nibble : {"0", "1", "2", "3"}) {
    CHECK(f.authority->is_authoritative(name(nibble + v6_tail)));
  }
  for (const char* nibble : {"4", "8", "f"}) {
    CHECK_FALSE(f.authority->is_authoritative(name(nibble + v6_tail)));
  }
  CHECK_FALSE(f.authority->is_authoritative(name(v6_tail.substr(1))));
  CHECK_FALSE(f.authority->is_authoritative(name("ip6.arpa.")));

  // Every apex has its own SOA and NS.
  for (int octet = 32; octet <= 47; ++octet) {
    const std::string apex = std::to_string(octet) + ".10.in-addr.arpa.";
    const auto r = f.ask(apex, RrType::soa);
    REQUIRE(r.answers.size() == 1);
    CHECK(r.answers[0].name == name(apex));
    CHECK(std::holds_alternative<SoaRecord>(r.answers[0].data));
  }
  const auto ns = f.ask("2" + v6_tail, RrType::ns);
  REQUIRE(ns.answers.size() == 1);
  CHECK(ns.answers[0].data == Rdata{NameRecord{RrType::ns, name("weft.local.")}});
}

TEST_CASE("authority zones: a /26 is 64 zones of one address, PTR at their apex",
          "[dns][authority]") {
  Registry reg(PeerName(1), 1h);
  REQUIRE(reg.add(name("one.weft.local."), ip("10.32.0.65"), "c1", kEpoch));
  REQUIRE(reg.add(name("two.weft.local."), ip("10.32.0.1"), "c2", kEpoch));
  ZoneConfig config{name("weft.local."), 30, {*Cidr::parse("10.32.0.64/26")}, std::nullopt};
  const Authority a(config, reg);
  for (int last = 0; last < 256; ++last) {
    const std::string n = std::to_string(last) + ".0.32.10.in-addr.arpa.";
    CHECK(a.is_authoritative(name(n)) == (last >= 64 && last < 128));
  }
  CHECK_FALSE(a.is_authoritative(name("0.32.10.in-addr.arpa.")));
  const auto r = a.answer(query("65.0.32.10.in-addr.arpa.", RrType::ptr), 0, false);
  REQUIRE(r);
  REQUIRE(r->answers.size() == 1);
  CHECK(r->answers[0].data == Rdata{NameRecord{RrType::ptr, name("one.weft.local.")}});
  // 10.32.0.1 is outside the range: its PTR is not ours.
  CHECK_FALSE(a.answer(query("1.0.32.10.in-addr.arpa.", RrType::ptr), 0, false));
  const auto soa = a.answer(query("65.0.32.10.in-addr.arpa.", RrType::soa), 0, false);
  REQUIRE(soa);
  CHECK(soa->answers.size() == 1);
}

TEST_CASE("authority A and AAAA: records, NODATA and NXDOMAIN with the SOA", "[dns][authority]") {
  Fixture f;
  auto r = f.ask("pod-a.weft.local.", RrType::a);
  CHECK(r.rcode() == Rcode::noerror);
  CHECK(r.header.aa);
  CHECK(r.header.ra);
  REQUIRE(r.answers.size() == 1);
  CHECK(r.answers[0].name == name("pod-a.weft.local."));
  CHECK(r.answers[0].ttl == 30);
  CHECK(r.answers[0].klass == RrClass::in);
  CHECK(addresses_of(r) == std::vector{ip("10.32.0.1")});
  CHECK(r.authorities.empty());
  CHECK_FALSE(r.edns);

  r = f.ask("web.default.weft.local.", RrType::aaaa);
  CHECK(addresses_of(r) == std::vector{ip("fd00::2")});
  r = f.ask("web.default.weft.local.", RrType::a);
  CHECK(sorted(addresses_of(r)) == std::vector{ip("10.32.0.2"), ip("10.32.0.3"), ip("10.40.0.4")});
  // Outside the PTR ranges, the forward record is still served.
  CHECK(addresses_of(f.ask("outside.weft.local.", RrType::a)) == std::vector{ip("192.168.1.1")});

  check_negative(f.ask("pod-a.weft.local.", RrType::aaaa), Rcode::noerror, "weft.local.");
  check_negative(f.ask("v6only.weft.local.", RrType::a), Rcode::noerror, "weft.local.");
  check_negative(f.ask("pod-a.weft.local.", RrType::txt), Rcode::noerror, "weft.local.");
  check_negative(f.ask("pod-a.weft.local.", RrType::mx), Rcode::noerror, "weft.local.");
  check_negative(f.ask("nothere.weft.local.", RrType::a), Rcode::nxdomain, "weft.local.");
  check_negative(f.ask("nothere.weft.local.", RrType::txt), Rcode::nxdomain, "weft.local.");
  check_negative(f.ask("x.pod-a.weft.local.", RrType::a), Rcode::nxdomain, "weft.local.");
  // default.weft.local. has no records but web.default.weft.local. is below it: it exists.
  check_negative(f.ask("default.weft.local.", RrType::a), Rcode::noerror, "weft.local.");
  check_negative(f.ask("DEFAULT.weft.local.", RrType::any), Rcode::noerror, "weft.local.");
  check_negative(f.ask("x.default.weft.local.", RrType::a), Rcode::nxdomain, "weft.local.");
}

TEST_CASE("authority PTR: IPv4 and IPv6, empty non-terminals, names outside the ranges",
          "[dns][authority]") {
  Fixture f;
  auto r = f.ask("1.0.32.10.in-addr.arpa.", RrType::ptr);
  CHECK(r.header.aa);
  REQUIRE(r.answers.size() == 1);
  CHECK(r.answers[0].name == name("1.0.32.10.in-addr.arpa."));
  CHECK(r.answers[0].ttl == 30);
  CHECK(r.answers[0].data == Rdata{NameRecord{RrType::ptr, name("pod-a.weft.local.")}});
  r = f.ask("4.0.40.10.in-addr.arpa.", RrType::ptr);
  REQUIRE(r.answers.size() == 1);
  CHECK(r.answers[0].data == Rdata{NameRecord{RrType::ptr, name("web.default.weft.local.")}});

  // fd00::X is X, 29 zero nibbles, d, f; its zone fd00::/64 the last 16 of them.
  const std::string v6 = zeros(29) + "d.f.ip6.arpa.";
  const std::string zone0 = zeros(14) + "d.f.ip6.arpa.";
  r = f.ask("5." + v6, RrType::ptr);
  REQUIRE(r.answers.size() == 1);
  CHECK(r.answers[0].data == Rdata{NameRecord{RrType::ptr, name("v6only.weft.local.")}});
  r = f.ask("2." + v6, RrType::ptr);
  REQUIRE(r.answers.size() == 1);
  CHECK(r.answers[0].data == Rdata{NameRecord{RrType::ptr, name("web.default.weft.local.")}});

  // Unregistered addresses in the range, and the levels between the apex and the address.
  check_negative(f.ask("9.0.32.10.in-addr.arpa.", RrType::ptr), Rcode::nxdomain,
                 "32.10.in-addr.arpa.");
  check_negative(f.ask("0.32.10.in-addr.arpa.", RrType::ptr), Rcode::noerror,
                 "32.10.in-addr.arpa.");
  check_negative(f.ask("5.32.10.in-addr.arpa.", RrType::ptr), Rcode::nxdomain,
                 "32.10.in-addr.arpa.");
  check_negative(f.ask("1.0.32.10.in-addr.arpa.", RrType::a), Rcode::noerror,
                 "32.10.in-addr.arpa.");
  check_negative(f.ask("0.40.10.in-addr.arpa.", RrType::ptr), Rcode::noerror,
                 "40.10.in-addr.arpa.");
  check_negative(f.ask(zeros(17) + "d.f.ip6.arpa.", RrType::ptr), Rcode::noerror, zone0);
  check_negative(f.ask("6." + v6, RrType::ptr), Rcode::nxdomain, zone0);
  check_negative(f.ask("1." + zeros(16) + "d.f.ip6.arpa.", RrType::ptr), Rcode::nxdomain, zone0);
  // Not ours: the caller forwards.
  CHECK_FALSE(f.authority->answer(query("1.1.168.192.in-addr.arpa.", RrType::ptr), 0, true));
  CHECK_FALSE(f.authority->answer(query("1.0.0.10.in-addr.arpa.", RrType::ptr), 0, true));
  CHECK_FALSE(f.authority->answer(query("10.in-addr.arpa.", RrType::soa), 0, true));
  CHECK_FALSE(f.authority->answer(query("example.com.", RrType::a), 0, true));
}

TEST_CASE("authority apex: SOA, NS with glue, A = the server, ANY", "[dns][authority]") {
  Fixture f;
  auto r = f.ask("weft.local.", RrType::soa);
  REQUIRE(r.answers.size() == 1);
  CHECK(r.answers[0].name == name("weft.local."));
  CHECK(r.answers[0].ttl == 30);
  const auto* soa = std::get_if<SoaRecord>(&r.answers[0].data);
  REQUIRE(soa != nullptr);
  CHECK(soa->mname == name("weft.local."));
  CHECK(soa->minimum == 30);
  CHECK(soa->serial == f.authority->serial());
  CHECK(r.authorities.empty());

  r = f.ask("Weft.Local.", RrType::ns);
  REQUIRE(r.answers.size() == 1);
  CHECK(r.answers[0].data == Rdata{NameRecord{RrType::ns, name("weft.local.")}});
  REQUIRE(r.additionals.size() == 1);
  CHECK(r.additionals[0].name == name("weft.local."));
  CHECK(r.additionals[0].data == Rdata{AddressRecord{ip("10.32.0.53")}});

  CHECK(addresses_of(f.ask("weft.local.", RrType::a)) == std::vector{ip("10.32.0.53")});
  check_negative(f.ask("weft.local.", RrType::aaaa), Rcode::noerror, "weft.local.");
  check_negative(f.ask("weft.local.", RrType::ptr), Rcode::noerror, "weft.local.");

  r = f.ask("weft.local.", RrType::any);
  std::multiset<RrType> types;
  for (const auto& rr : r.answers) types.insert(rr.type());
  CHECK(types == std::multiset{RrType::a, RrType::ns, RrType::soa});
  CHECK(r.additionals.empty());  // the address is in the answer already

  r = f.ask("40.10.in-addr.arpa.", RrType::ns);
  REQUIRE(r.answers.size() == 1);
  CHECK(r.answers[0].name == name("40.10.in-addr.arpa."));
  REQUIRE(r.additionals.size() == 1);
  CHECK(r.additionals[0].data == Rdata{AddressRecord{ip("10.32.0.53")}});
  check_negative(f.ask("40.10.in-addr.arpa.", RrType::a), Rcode::noerror, "40.10.in-addr.arpa.");

  // Without an address of its own the apex has no A and NS no glue.
  ZoneConfig bare = f.config;
  bare.server.reset();
  const Authority a(bare, f.registry);
  const auto no_a = a.answer(query("weft.local.", RrType::a), 0, false);
  REQUIRE(no_a);
  check_negative(*no_a, Rcode::noerror, "weft.local.");
  const auto ns = a.answer(query("weft.local.", RrType::ns), 0, false);
  REQUIRE(ns);
  CHECK(ns->answers.size() == 1);
  CHECK(ns->additionals.empty());
  // An IPv6 server is the apex's AAAA.
  bare.server = ip("fd00::53");
  const Authority b(bare, f.registry);
  const auto aaaa = b.answer(query("weft.local.", RrType::aaaa), 0, false);
  REQUIRE(aaaa);
  CHECK(addresses_of(*aaaa) == std::vector{ip("fd00::53")});
}

TEST_CASE("authority ANY at a name: every record it has", "[dns][authority]") {
  Fixture f;
  const auto r = f.ask("web.default.weft.local.", RrType::any);
  CHECK(sorted(addresses_of(r)) ==
        std::vector{ip("10.32.0.2"), ip("10.32.0.3"), ip("10.40.0.4"), ip("fd00::2")});
  CHECK(r.answers.size() == 4);
}

TEST_CASE("rotate_order: each item first in turn, every order over n! rotations",
          "[dns][authority]") {
  for (std::size_t n = 1; n <= 6; ++n) {
    std::vector<int> base(n);
    for (std::size_t i = 0; i < n; ++i) base[i] = static_cast<int>(i);
    std::uint64_t factorial = 1;
    for (std::size_t i = 2; i <= n; ++i) factorial *= i;
    std::set<std::vector<int>> seen;
    for (std::uint64_t r = 0; r < factorial; ++r) {
      auto v = base;
      rotate_order(std::span(v), r);
      CHECK(std::is_permutation(v.begin(), v.end(), base.begin()));
      CHECK(v[0] == static_cast<int>(r % n));
      seen.insert(v);
    }
    CHECK(seen.size() == factorial);
  }
  // Beyond 20 items the rotation runs out of digits; still a permutation.
  std::vector<int> big(100);
  for (int i = 0; i < 100; ++i) big[static_cast<std::size_t>(i)] = i;
  auto v = big;
  rotate_order(std::span(v), ~0ULL);
  CHECK(std::is_permutation(v.begin(), v.end(), big.begin()));
}

TEST_CASE("authority rotation: all addresses always, every order appears", "[dns][authority]") {
  Fixture f;
  const std::vector want{ip("10.32.0.2"), ip("10.32.0.3"), ip("10.40.0.4")};
  std::set<std::vector<IpAddress>> orders;
  std::set<IpAddress> firsts;
  for (std::uint64_t rotation = 0; rotation < 12; ++rotation) {
    const auto got =
        addresses_of(f.ask("web.default.weft.local.", RrType::a, RrClass::in, rotation));
    CHECK(sorted(got) == want);
    orders.insert(got);
    if (rotation < 3) firsts.insert(got[0]);
  }
  CHECK(orders.size() == 6);  // 3!
  CHECK(firsts.size() == 3);  // three consecutive answers start with each address
}

TEST_CASE("authority names: case-insensitive, echoed as asked; class CH refused",
          "[dns][authority]") {
  Fixture f;
  const auto r = f.ask("POD-a.WeFt.LOCAL.", RrType::a);
  CHECK(addresses_of(r) == std::vector{ip("10.32.0.1")});
  CHECK(r.answers[0].name.labels() == name("POD-a.WeFt.LOCAL.").labels());  // compresses to it
  const auto p = f.ask("1.0.32.10.IN-ADDR.ARPA.", RrType::ptr);
  CHECK(p.answers.size() == 1);

  // Class ANY is answered as IN; CH (and any other) is refused, without AA.
  const auto any = f.ask("pod-a.weft.local.", RrType::a, RrClass::any);
  REQUIRE(any.answers.size() == 1);
  CHECK(any.answers[0].klass == RrClass::in);
  for (const RrClass c : {RrClass::ch, RrClass::none, static_cast<RrClass>(4)}) {
    const auto refused = f.ask("pod-a.weft.local.", RrType::a, c);
    CHECK(refused.rcode() == Rcode::refused);
    CHECK_FALSE(refused.header.aa);
    CHECK(refused.answers.empty());
  }
  for (const auto t : {static_cast<RrType>(251), static_cast<RrType>(252)}) {
    CHECK(f.ask("weft.local.", t).rcode() == Rcode::refused);
  }
}

TEST_CASE("authority header: id, RD, CD, RA, OPT with DO", "[dns][authority]") {
  Fixture f;
  auto q = query("pod-a.weft.local.", RrType::a);
  q.header.id = 0xBEEF;
  q.header.rd = false;
  q.header.cd = true;
  q.edns = Edns{4096, 0, 0, true, 0, {{10, {1, 2, 3, 4, 5, 6, 7, 8}}}};
  const auto r = f.authority->answer(q, 0, false);
  REQUIRE(r);
  check_frame(q, *r);
  CHECK_FALSE(r->header.ra);
  CHECK(r->header.opcode == Opcode::query);
  REQUIRE(r->edns);
  CHECK(r->edns->udp_payload_size == 1232);
  CHECK(r->edns->dnssec_ok);
  CHECK(r->edns->version == 0);
  CHECK(r->edns->options.empty());
  // Not exactly one question: not for this class to answer.
  auto two = q;
  two.questions.push_back(two.questions[0]);
  CHECK_FALSE(f.authority->answer(two, 0, true));
  two.questions.clear();
  CHECK_FALSE(f.authority->answer(two, 0, true));
}

TEST_CASE("authority follows the registry by generation; the serial moves with it",
          "[dns][authority]") {
  Fixture f;
  const std::uint64_t g0 = f.registry.generation();
  const std::uint32_t s0 = f.authority->serial();
  check_negative(f.ask("new.weft.local.", RrType::a), Rcode::nxdomain, "weft.local.");
  CHECK(f.registry.generation() == g0);  // answering changes nothing

  f.add("new.weft.local.", "10.32.0.7", "c7");
  CHECK(f.registry.generation() > g0);
  CHECK(f.authority->serial() != s0);
  CHECK(addresses_of(f.ask("new.weft.local.", RrType::a)) == std::vector{ip("10.32.0.7")});
  CHECK(f.ask("7.0.32.10.in-addr.arpa.", RrType::ptr).answers.size() == 1);

  // An entry from another peer arrives by merge.
  Registry other(PeerName(2), 1h);
  REQUIRE(other.add(name("remote.sub.weft.local."), ip("10.33.0.9"), "r1", kEpoch));
  const auto g1 = f.registry.generation();
  (void)f.registry.merge(other.state(), kEpoch + 1s);
  CHECK(f.registry.generation() > g1);
  CHECK(addresses_of(f.ask("remote.sub.weft.local.", RrType::a)) == std::vector{ip("10.33.0.9")});
  check_negative(f.ask("sub.weft.local.", RrType::a), Rcode::noerror, "weft.local.");

  // Removal: gone, and so is the empty non-terminal above it.
  const auto g2 = f.registry.generation();
  REQUIRE(f.registry.remove(name("new.weft.local."), std::nullopt, kEpoch + 2s));
  CHECK(f.registry.generation() > g2);
  check_negative(f.ask("new.weft.local.", RrType::a), Rcode::nxdomain, "weft.local.");
  check_negative(f.ask("7.0.32.10.in-addr.arpa.", RrType::ptr), Rcode::nxdomain,
                 "32.10.in-addr.arpa.");
  REQUIRE(f.registry.forget_origin(PeerName(2), kEpoch + 3s));
  check_negative(f.ask("sub.weft.local.", RrType::a), Rcode::nxdomain, "weft.local.");
  // Nothing changes: the generation stays.
  const auto g3 = f.registry.generation();
  CHECK_FALSE(f.registry.remove(name("new.weft.local."), std::nullopt, kEpoch + 4s));
  (void)f.registry.merge(other.state(), kEpoch + 5s);  // already forgotten: no news
  CHECK(f.registry.generation() == g3);
}

TEST_CASE("authority addresses(): the fast path's lookup agrees with answer()",
          "[dns][authority]") {
  Fixture f;
  const std::string v6 = zeros(29) + "d.f.ip6.arpa.";
  for (const char* n :
       {"pod-a.weft.local.", "web.default.weft.local.", "v6only.weft.local.", "outside.weft.local.",
        "default.weft.local.", "nothere.weft.local.", "weft.local.", "32.10.in-addr.arpa.",
        "1.0.32.10.in-addr.arpa.", "example.com.", "10.in-addr.arpa.", "POD-A.weft.local."}) {
    for (const RrType t : {RrType::a, RrType::aaaa, RrType::ptr, RrType::txt}) {
      INFO(n << " type " << static_cast<int>(t));
      const auto* fast = f.authority->addresses(key_of(n), t);
      const auto slow = f.authority->answer(query(n, t), 0, true);
      const bool positive = slow && slow->rcode() == Rcode::noerror && !slow->answers.empty() &&
                            (t == RrType::a || t == RrType::aaaa);
      CHECK((fast != nullptr) == positive);
      if (fast != nullptr && slow) CHECK(*fast == sorted(addresses_of(*slow)));
    }
  }
  CHECK(f.authority->addresses(key_of("5." + v6), RrType::a) == nullptr);
}

TEST_CASE("check_zone_config: the root and TTLs above 2^31 - 1", "[dns][authority]") {
  ZoneConfig c{name("weft.local."), 30, {}, std::nullopt};
  CHECK(check_zone_config(c));
  c.ttl = 0x7FFFFFFF;
  CHECK(check_zone_config(c));
  c.ttl = 0x80000000;
  CHECK_FALSE(check_zone_config(c));
  c.ttl = 30;
  c.domain = Name();
  const auto e = check_zone_config(c);
  REQUIRE_FALSE(e);
  CHECK(e.error().message().find("root") != std::string::npos);
}
