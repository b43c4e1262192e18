// SPDX-License-Identifier: Apache-2.0
// The responder: replies checked byte for byte against messages packed by hand, the fast
// path giving the same bytes as the general one (a grid of queries and 3,000 random mutations,
// seed 7), FORMERR with the query's id, NOTIMP, BADVERS, REFUSED, drops, truncation over UDP
// against the full answer over TCP, and the forward path with a fake upstream: the answer
// cached and counted down, the client's id, case and EDNS restored, SERVFAIL for errors and
// for answers to another question, negative caching, and the counters.
#include "weft/dns/responder.hpp"

#include "weft/base/rng.hpp"
#include "weft/testing/addresses.hpp"
#include "weft/testing/dns.hpp"
#include "weft/testing/hex.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <set>

using namespace weft;
using namespace weft::dns;
using namespace std::chrono_literals;
using weft::testing::at;
using weft::testing::ip;
using weft::testing::name;
using weft::testing::unhex;

namespace {

Message query(std::string_view qname, RrType type = RrType::a, std::uint16_t id = 0x1234) {
  return weft::testing::query(qname, type, id);
}

Edns edns_of(std::uint16_t payload) {
  Edns e;
  e.udp_payload_size = payload;
  return e;
}

std::vector<std::uint8_t> bytes_of(const Message& m) {
  auto b = encode_message(m);
  REQUIRE(b);
  return *b;
}

Message parsed(const std::vector<std::uint8_t>& bytes) {
  auto m = parse_message(bytes);
  INFO(m);
  REQUIRE(m);
  return *m;
}

std::vector<IpAddress> addresses_of(const Message& m) {
  std::vector<IpAddress> out;
  for (const auto& rr : m.answers) {
    if (const auto* a = std::get_if<AddressRecord>(&rr.data)) out.push_back(a->address);
  }
  return out;
}

struct Server {
  Registry registry{PeerName(1), 1h};
  std::unique_ptr<Authority> authority;
  Cache cache{100, 1h};
  std::unique_ptr<Responder> responder;

  explicit Server(bool forwarding = true, bool fast = true) {
    add("pod-a.weft.local.", "10.32.0.1", "c1");
    add("web.default.weft.local.", "10.32.0.2", "c2");
    add("web.default.weft.local.", "10.32.0.3", "c3");
    add("web.default.weft.local.", "10.32.0.4", "c4");
    add("web.default.weft.local.", "fd00::2", "c2");
    add("v6only.weft.local.", "fd00::5", "c5");
    for (int i = 1; i <= 100; ++i) {
      add("many.weft.local.", "10.33.0." + std::to_string(i), "m" + std::to_string(i));
    }
    ZoneConfig config{name("weft.local."), 30, {*Cidr::parse("10.32.0.0/12")}, ip("10.32.0.53")};
    authority = std::make_unique<Authority>(config, registry);
    responder = std::make_unique<Responder>(*authority, cache, forwarding);
    responder->use_fast_path(fast);
  }
  void add(std::string_view n, std::string_view a, std::string_view c) {
    REQUIRE(registry.add(name(n), ip(a), c, kEpoch));
  }
  std::vector<std::uint8_t> reply(const std::vector<std::uint8_t>& q, Transport t = Transport::udp,
                                  TimePoint now = kEpoch) {
    auto h = responder->handle(q, t, now);
    CHECK_FALSE(h.forward);
    return h.reply;
  }
  Message ask(const Message& q, Transport t = Transport::udp, TimePoint now = kEpoch) {
    return parsed(reply(bytes_of(q), t, now));
  }
};

std::string hex32(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

}  // namespace

TEST_CASE("responder: A for a registered name, byte for byte (fast and general path)",
          "[dns][responder]") {
  // dig +norec-style query with EDNS (payload 4096), id 0x1234, RD.
  const auto q = unhex(
      "123401000001000000000001"
      "05706f642d610477656674056c6f63616c00"  // pod-a.weft.local.
      "00010001"
      "0000291000000000000000");  // OPT: payload 4096, version 0, no options
  const auto want = unhex(
      "123485800001000100000001"  // QR AA RD RA
      "05706f642d610477656674056c6f63616c0000010001"
      "c00c00010001"
      "0000001e00040a200001"      // TTL 30, 10.32.0.1
      "00002904d0000000000000");  // our OPT: payload 1232
  for (const bool fast : {true, false}) {
    Server s(true, fast);
    CHECK(s.reply(q) == want);
    CHECK(s.reply(q, Transport::tcp) == want);
    CHECK(s.responder->stats().authoritative == 2);
    CHECK(s.responder->stats().queries_by_type.at(1) == 2);
    CHECK(s.responder->stats().responses_by_rcode.at(0) == 2);
  }
  // DO and CD copied; RD clear stays clear; RA clear without forwarding.
  const auto q2 = unhex(
      "beef00100001000000000001"
      "05504f442d410477656674056c6f63616c00"  // POD-A: the case comes back as asked
      "00010001"
      "0000290200000080000000");  // payload 512, DO
  const auto want2 = unhex(
      "beef84100001000100000001"
      "05504f442d410477656674056c6f63616c0000010001"
      "c00c000100010000001e00040a200001"
      "00002904d0000080000000");
  for (const bool fast : {true, false}) {
    Server s(false, fast);
    CHECK(s.reply(q2) == want2);
  }
}

TEST_CASE("responder: NXDOMAIN with the SOA, byte for byte", "[dns][responder]") {
  Server s;
  const auto q = unhex("abcd00000001000000000000076e6f74686572650477656674056c6f63616c0000010001");
  // Offsets: nothere at 12, weft at 20; the SOA's owner and mname point at 20 (0xc014).
  const auto want = unhex(
      "abcd84830001000000010000076e6f74686572650477656674056c6f63616c0000010001"
      "c014000600010000001e0023"
      "c0140a686f73746d6173746572c014" +
      hex32(s.authority->serial()) + "00000e100000025800015180" + "0000001e");
  CHECK(s.reply(q) == want);
  CHECK(s.responder->stats().responses_by_rcode.at(3) == 1);
}

TEST_CASE("responder: the fast path gives the general path's bytes on a grid of queries",
          "[dns][responder]") {
  Server fast(true, true), general(true, false);
  std::size_t answered = 0;
  for (const char* n :
       {"pod-a.weft.local.", "POD-A.Weft.Local.", "web.default.weft.local.", "many.weft.local.",
        "weft.local.", "v6only.weft.local.", "nothere.weft.local.", "default.weft.local.",
        "1.0.32.10.in-addr.arpa.", "example.com."}) {
    for (const RrType t : {RrType::a, RrType::aaaa, RrType::ptr, RrType::any}) {
      for (const RrClass c : {RrClass::in, RrClass::any, RrClass::ch}) {
        for (int edns = 0; edns < 4; ++edns) {
          for (const Transport tr : {Transport::udp, Transport::tcp}) {
            auto q = query(n, t, static_cast<std::uint16_t>(answered));
            q.questions[0].klass = c;
            q.header.rd = edns % 2 == 0;
            q.header.cd = edns == 3;
            if (edns >= 1) q.edns = edns_of(static_cast<std::uint16_t>(edns == 1 ? 512 : 4096));
            if (edns == 3) q.edns->dnssec_ok = true;
            const auto bytes = bytes_of(q);
            INFO(n << " type " << static_cast<int>(t) << " class " << static_cast<int>(c)
                   << " edns " << edns);
            const auto a = fast.responder->handle(bytes, tr, kEpoch);
            const auto b = general.responder->handle(bytes, tr, kEpoch);
            CHECK(a.reply == b.reply);
            CHECK(a.forward.has_value() == b.forward.has_value());
            answered += a.reply.empty() ? 0 : 1;
          }
        }
      }
    }
  }
  CHECK(answered > 700);
  const auto& x = fast.responder->stats();
  const auto& y = general.responder->stats();
  CHECK(x.queries_by_type == y.queries_by_type);
  CHECK(x.responses_by_rcode == y.responses_by_rcode);
  CHECK(x.authoritative == y.authoritative);
  CHECK(x.truncated == y.truncated);
  CHECK(x.forwarded == y.forwarded);
}

TEST_CASE("responder: the fast path gives the general path's bytes on mutated queries (seed 7)",
          "[dns][responder]") {
  Server fast(true, true), general(true, false);
  Xoshiro256Rng rng(7);
  std::vector<std::vector<std::uint8_t>> seeds;
  for (const char* n : {"pod-a.weft.local.", "web.default.weft.local.", "many.weft.local."}) {
    auto q = query(n);
    seeds.push_back(bytes_of(q));
    q.edns = edns_of(1400);
    q.edns->options.push_back({10, {1, 2, 3, 4, 5, 6, 7, 8}});
    seeds.push_back(bytes_of(q));
  }
  for (int i = 0; i < 3000; ++i) {
    auto bytes = seeds[rng.uniform(seeds.size())];
    for (std::uint64_t k = 1 + rng.uniform(3); k > 0; --k) {
      switch (rng.uniform(4)) {
        case 0:
          bytes[rng.uniform(bytes.size())] ^= static_cast<std::uint8_t>(1u << rng.uniform(8));
          break;
        case 1:
          bytes[rng.uniform(bytes.size())] = static_cast<std::uint8_t>(rng.uniform(256));
          break;
        case 2: bytes.resize(rng.uniform(bytes.size() + 1)); break;
        default: bytes.push_back(static_cast<std::uint8_t>(rng.uniform(256))); break;
      }
      if (bytes.empty()) bytes.push_back(0);
    }
    const Transport t = rng.uniform(2) == 0 ? Transport::udp : Transport::tcp;
    const auto a = fast.responder->handle(bytes, t, kEpoch);
    const auto b = general.responder->handle(bytes, t, kEpoch);
    INFO("mutation " << i);
    REQUIRE(a.reply == b.reply);
    REQUIRE(a.forward.has_value() == b.forward.has_value());
  }
  CHECK(fast.responder->stats().responses_by_rcode ==
        general.responder->stats().responses_by_rcode);
  CHECK(fast.responder->stats().authoritative > 100);
}

TEST_CASE("responder: FORMERR with the query's id, NOTIMP, BADVERS, drops", "[dns][responder]") {
  Server s;
  // A question cut short: FORMERR, the id and RD kept, no question.
  auto r = parsed(s.reply(unhex("77770100000100000000000005706f642d61")));
  CHECK(r.header.id == 0x7777);
  CHECK(r.header.qr);
  CHECK(r.header.rd);
  CHECK(r.rcode() == Rcode::formerr);
  CHECK(r.questions.empty());
  // Two questions, and none.
  auto two = query("pod-a.weft.local.", RrType::a, 0x0102);
  two.questions.push_back(two.questions[0]);
  r = s.ask(two);
  CHECK(r.header.id == 0x0102);
  CHECK(r.rcode() == Rcode::formerr);
  auto none = query("pod-a.weft.local.", RrType::a, 0x0103);
  none.questions.clear();
  r = s.ask(none);
  CHECK(r.header.id == 0x0103);
  CHECK(r.rcode() == Rcode::formerr);

  // Opcodes other than QUERY.
  for (const Opcode op : {Opcode::iquery, Opcode::status, Opcode::notify, Opcode::update}) {
    auto q = query("pod-a.weft.local.", RrType::a, 0x0200);
    q.header.opcode = op;
    r = s.ask(q);
    CHECK(r.header.id == 0x0200);
    CHECK(r.header.opcode == op);
    CHECK(r.rcode() == Rcode::notimp);
  }

  // EDNS version 1: BADVERS (16: extended rcode 1, header 0) in our version-0 OPT.
  auto v1 = query("pod-a.weft.local.", RrType::a, 0x0300);
  v1.edns = Edns{};
  v1.edns->version = 1;
  r = s.ask(v1);
  CHECK(r.header.id == 0x0300);
  CHECK(r.rcode() == Rcode::badvers);
  CHECK(r.header.rcode == 0);
  REQUIRE(r.edns);
  CHECK(r.edns->extended_rcode == 1);
  CHECK(r.edns->version == 0);
  CHECK(r.answers.empty());

  // Not a header, or a response: nothing at all.
  CHECK(s.reply(unhex("1234010000")).empty());
  auto response = query("pod-a.weft.local.");
  response.header.qr = true;
  CHECK(s.reply(bytes_of(response)).empty());
  CHECK(s.responder->stats().dropped == 2);
  CHECK(s.responder->stats().responses_by_rcode.at(1) == 3);
  CHECK(s.responder->stats().responses_by_rcode.at(4) == 4);
  CHECK(s.responder->stats().responses_by_rcode.at(16) == 1);
}

TEST_CASE("responder: REFUSED for class CH in the zone and without forwarding",
          "[dns][responder]") {
  Server s;
  auto ch = query("pod-a.weft.local.");
  ch.questions[0].klass = RrClass::ch;
  auto r = s.ask(ch);
  CHECK(r.rcode() == Rcode::refused);
  CHECK(r.answers.empty());
  CHECK(r.questions == ch.questions);

  Server closed(false);
  r = closed.ask(query("example.com."));
  CHECK(r.rcode() == Rcode::refused);
  CHECK_FALSE(r.header.ra);
  CHECK(closed.responder->stats().forwarded == 0);
  // Ours still answered.
  CHECK(closed.ask(query("pod-a.weft.local.")).rcode() == Rcode::noerror);
}

TEST_CASE("responder: 100 addresses, truncated over UDP, whole over TCP", "[dns][responder]") {
  Server s;
  std::set<IpAddress> all;
  for (int i = 1; i <= 100; ++i) all.insert(ip("10.33.0." + std::to_string(i)));
  const auto check_subset = [&](const Message& r) {
    const auto got = addresses_of(r);
    const std::set<IpAddress> distinct(got.begin(), got.end());
    CHECK(distinct.size() == got.size());
    CHECK(std::includes(all.begin(), all.end(), distinct.begin(), distinct.end()));
  };
  // many.weft.local. is 17 bytes: header 12 + question 21 = 33; A records are 16 bytes.
  auto q = query("many.weft.local.");
  auto bytes = s.reply(bytes_of(q));
  CHECK(bytes.size() <= 512);
  auto r = parsed(bytes);
  CHECK(r.header.tc);
  CHECK(r.answers.size() == (512 - 33) / 16);
  check_subset(r);

  r = s.ask(q, Transport::tcp);
  CHECK_FALSE(r.header.tc);
  CHECK(r.answers.size() == 100);
  check_subset(r);

  q.edns = edns_of(1232);
  bytes = s.reply(bytes_of(q));
  CHECK(bytes.size() <= 1232);
  r = parsed(bytes);
  CHECK(r.header.tc);
  CHECK(r.answers.size() == (1232 - 33 - 11) / 16);
  REQUIRE(r.edns);  // the OPT record is kept
  // A client offering more gets no more than our own 1232 (RFC 6891 6.2.5), on both paths.
  q.edns = edns_of(4096);
  bytes = s.reply(bytes_of(q));
  CHECK(bytes.size() <= 1232);
  CHECK(parsed(bytes).header.tc);
  CHECK(parsed(bytes).answers.size() == (1232 - 33 - 11) / 16);
  // A payload size below 512 counts as 512.
  q.edns = edns_of(100);
  bytes = s.reply(bytes_of(q));
  CHECK(bytes.size() <= 512);
  CHECK(parsed(bytes).answers.size() == (512 - 33 - 11) / 16);

  // The general path (ANY) truncates the same way.
  auto any = query("many.weft.local.", RrType::any);
  bytes = s.reply(bytes_of(any));
  CHECK(bytes.size() <= 512);
  CHECK(parsed(bytes).header.tc);
  CHECK(s.responder->stats().truncated == 5);
}

TEST_CASE("responder forward: cached, TTL counted down, id, case and EDNS restored",
          "[dns][responder]") {
  Server s;
  auto q = query("ExAmPle.COM.", RrType::a, 0x1111);
  q.edns = edns_of(4096);
  const auto qbytes = bytes_of(q);
  auto h = s.responder->handle(qbytes, Transport::udp, at(0s));
  CHECK(h.reply.empty());
  REQUIRE(h.forward);
  CHECK(h.forward->bytes == qbytes);  // as they came
  CHECK(h.forward->query == q);
  CHECK(s.responder->stats().forwarded == 1);

  // The upstream answers under the forwarder's id, in lower case, with a cookie option.
  Message up;
  up.header.id = 0xABCD;  // the forwarder's
  up.header.qr = true;
  up.header.rd = true;
  up.header.ra = true;
  up.header.aa = true;  // the upstream is authoritative for it; we are not
  up.questions.push_back(Question{name("example.com."), RrType::a, RrClass::in});
  up.answers.push_back(
      {name("example.com."), RrClass::in, 300, AddressRecord{ip("93.184.216.34")}});
  up.edns = Edns{1232, 0, 0, false, 0, {{10, std::vector<std::uint8_t>(16, 7)}}};
  auto r = parsed(s.responder->on_upstream(*h.forward, bytes_of(up), Transport::udp, at(0s)));
  CHECK(r.header.id == 0x1111);
  CHECK(r.header.qr);
  CHECK_FALSE(r.header.aa);
  CHECK(r.header.ra);
  CHECK(r.header.rd);
  CHECK(r.rcode() == Rcode::noerror);
  CHECK(r.questions[0].name.labels() == q.questions[0].name.labels());
  CHECK(addresses_of(r) == std::vector{ip("93.184.216.34")});
  CHECK(r.answers[0].ttl == 300);
  REQUIRE(r.edns);
  CHECK(r.edns->options.empty());
  CHECK(r.edns->udp_payload_size == 1232);
  CHECK(s.cache.size() == 1);

  // 100 s later another client, another id and case, no EDNS: from the cache.
  auto q2 = query("example.COM.", RrType::a, 0x2222);
  h = s.responder->handle(bytes_of(q2), Transport::udp, at(100s));
  REQUIRE_FALSE(h.forward);
  r = parsed(h.reply);
  CHECK(r.header.id == 0x2222);
  CHECK(r.questions[0].name.labels() == q2.questions[0].name.labels());
  CHECK(r.answers[0].ttl == 200);
  CHECK_FALSE(r.edns);
  CHECK(s.responder->stats().forwarded == 1);
  // After the TTL: upstream again.
  h = s.responder->handle(bytes_of(q2), Transport::udp, at(300s));
  CHECK(h.forward);
  CHECK(s.responder->stats().forwarded == 2);
}

TEST_CASE("responder forward: SERVFAIL for errors and answers to something else",
          "[dns][responder]") {
  Server s;
  auto q = query("example.com.", RrType::a, 0x3333);
  q.edns = Edns{};
  auto h = s.responder->handle(bytes_of(q), Transport::udp, kEpoch);
  REQUIRE(h.forward);
  const auto check_servfail = [&](const std::vector<std::uint8_t>& bytes) {
    const auto r = parsed(bytes);
    CHECK(r.header.id == 0x3333);
    CHECK(r.rcode() == Rcode::servfail);
    CHECK(r.questions == q.questions);
    CHECK(r.answers.empty());
    CHECK(r.edns);
  };
  check_servfail(s.responder->on_upstream(*h.forward, Error(Errc::timed_out, "upstream timed out"),
                                          Transport::udp, kEpoch));

  Message other;
  other.header.qr = true;
  other.questions.push_back(Question{name("example.org."), RrType::a, RrClass::in});
  other.answers.push_back({name("example.org."), RrClass::in, 60, AddressRecord{ip("1.2.3.4")}});
  check_servfail(s.responder->on_upstream(*h.forward, bytes_of(other), Transport::udp, kEpoch));
  other.questions[0] = Question{name("example.com."), RrType::aaaa, RrClass::in};
  check_servfail(s.responder->on_upstream(*h.forward, bytes_of(other), Transport::udp, kEpoch));
  auto not_response = q;
  check_servfail(
      s.responder->on_upstream(*h.forward, bytes_of(not_response), Transport::udp, kEpoch));
  check_servfail(s.responder->on_upstream(*h.forward, unhex("3333818000"), Transport::udp, kEpoch));
  CHECK(s.responder->stats().upstream_failures == 5);
  CHECK(s.responder->stats().responses_by_rcode.at(2) == 5);
  CHECK(s.cache.size() == 0);  // nothing wrong is kept

  // The upstream's own SERVFAIL goes through as it is, and is not kept.
  Message fail;
  fail.header.qr = true;
  fail.questions = q.questions;
  fail.set_rcode(Rcode::servfail);
  const auto r =
      parsed(s.responder->on_upstream(*h.forward, bytes_of(fail), Transport::udp, kEpoch));
  CHECK(r.rcode() == Rcode::servfail);
  CHECK(s.responder->stats().upstream_failures == 5);
  CHECK(s.cache.size() == 0);
}

TEST_CASE("responder forward: negative answers cached by their SOA", "[dns][responder]") {
  Server s;
  const auto q = query("nope.example.", RrType::a, 1);
  auto h = s.responder->handle(bytes_of(q), Transport::udp, at(0s));
  REQUIRE(h.forward);
  Message up;
  up.header.qr = true;
  up.header.ra = true;
  up.questions = q.questions;
  up.set_rcode(Rcode::nxdomain);
  up.authorities.push_back({name("example."), RrClass::in, 300,
                            SoaRecord{name("ns.example."), name("h.example."), 1, 2, 3, 4, 60}});
  auto r = parsed(s.responder->on_upstream(*h.forward, bytes_of(up), Transport::udp, at(0s)));
  CHECK(r.rcode() == Rcode::nxdomain);

  h = s.responder->handle(bytes_of(query("NOPE.example.", RrType::a, 2)), Transport::udp, at(30s));
  REQUIRE_FALSE(h.forward);
  r = parsed(h.reply);
  CHECK(r.header.id == 2);
  CHECK(r.rcode() == Rcode::nxdomain);
  REQUIRE(r.authorities.size() == 1);
  CHECK(r.authorities[0].ttl == 30);  // min(300, 60) - 30
  h = s.responder->handle(bytes_of(q), Transport::udp, at(60s));
  CHECK(h.forward);
}

TEST_CASE("responder forward: a big answer truncated over UDP, whole over TCP from the cache",
          "[dns][responder]") {
  Server s;
  const auto q = query("big.example.", RrType::a, 9);
  auto h = s.responder->handle(bytes_of(q), Transport::udp, kEpoch);
  REQUIRE(h.forward);
  Message up;
  up.header.qr = true;
  up.questions = q.questions;
  for (std::uint8_t i = 1; i <= 60; ++i) {
    up.answers.push_back(
        {name("big.example."), RrClass::in, 60, AddressRecord{IpAddress::v4(192, 0, 2, i)}});
  }
  const auto bytes = s.responder->on_upstream(*h.forward, bytes_of(up), Transport::udp, kEpoch);
  CHECK(bytes.size() <= 512);
  const auto cut = parsed(bytes);
  CHECK(cut.header.tc);
  CHECK(cut.answers.size() < 60);
  CHECK(s.responder->stats().truncated == 1);
  // The client retries over TCP: the whole answer, from the cache.
  h = s.responder->handle(bytes_of(q), Transport::tcp, kEpoch + 1s);
  REQUIRE_FALSE(h.forward);
  const auto whole = parsed(h.reply);
  CHECK_FALSE(whole.header.tc);
  CHECK(whole.answers.size() == 60);
}

TEST_CASE("type_name and rcode_name", "[dns][responder]") {
  CHECK(type_name(1) == "A");
  CHECK(type_name(28) == "AAAA");
  CHECK(type_name(12) == "PTR");
  CHECK(type_name(65) == "HTTPS");
  CHECK(type_name(255) == "ANY");
  CHECK(type_name(999) == "TYPE999");
  CHECK(rcode_name(0) == "NOERROR");
  CHECK(rcode_name(3) == "NXDOMAIN");
  CHECK(rcode_name(16) == "BADVERS");
  CHECK(rcode_name(12) == "RCODE12");
}
