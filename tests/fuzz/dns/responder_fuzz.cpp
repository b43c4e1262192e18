// SPDX-License-Identifier: Apache-2.0
// Fuzzes the Responder over a small registry: the input as a client's message over UDP and
// TCP (through the fast path and, in a second responder, the general path only: the same bytes
// must come out), and as an upstream's answer to fixed forwarded queries (with and without
// EDNS) and to the input's own forward. Never crashes; every reply parses, keeps the query's
// id and fits the transport (UDP: udp_response_limit of the query capped at our 1232, 512 when it
// does not parse);
// after an upstream answer, asking again is answered from the cache or forwarded, nothing else.
#include "weft/base/assert.hpp"
#include "weft/dns/responder.hpp"
#include "weft/testing/dns.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

using namespace weft;
using namespace weft::dns;
using namespace std::chrono_literals;
using weft::testing::name;

namespace {

// The zones, built once: the responder only reads them (a fresh Authority per input would
// spend most of the time indexing). Caches and responders are fresh per input below.
struct Zones {
  Registry registry{PeerName(1), 1h};
  std::unique_ptr<Authority> authority;

  Zones() {
    (void)registry.add(name("pod.weft.local."), IpAddress::v4(10, 32, 0, 1), "c1", kEpoch);
    (void)registry.add(name("web.ns.weft.local."), IpAddress::v4(10, 32, 0, 2), "c2", kEpoch);
    (void)registry.add(name("web.ns.weft.local."), IpAddress::v4(10, 32, 0, 3), "c3", kEpoch);
    std::array<std::uint8_t, 16> v6{0xfd};
    v6[15] = 2;
    (void)registry.add(name("web.ns.weft.local."), IpAddress::v6(v6), "c2", kEpoch);
    // Enough addresses to need truncation at 512 bytes.
    for (std::uint8_t i = 1; i <= 40; ++i) {
      (void)registry.add(name("many.weft.local."), IpAddress::v4(10, 33, 0, i),
                         "m" + std::to_string(i), kEpoch);
    }
    ZoneConfig config{name("weft.local."),
                      30,
                      {*Cidr::parse("10.32.0.0/12"), *Cidr::parse("fd00::/64")},
                      IpAddress::v4(10, 32, 0, 53)};
    authority = std::make_unique<Authority>(config, registry);
  }
};

struct World {
  Cache cache{8, 1h};
  Cache general_cache{8, 1h};
  Responder fast, general;

  explicit World(const Authority& authority)
      : fast(authority, cache, true), general(authority, general_cache, true) {
    general.use_fast_path(false);
  }
};

std::size_t limit_of(std::span<const std::uint8_t> query, Transport t) {
  if (t == Transport::tcp) return kMaxMessageSize;
  auto q = parse_message(query);
  return q ? std::min<std::size_t>(udp_response_limit(*q), 1232) : kClassicUdpSize;
}

void check_reply(const std::vector<std::uint8_t>& reply, std::span<const std::uint8_t> query,
                 Transport t) {
  if (reply.empty()) return;
  WEFT_ASSERT(reply.size() <= limit_of(query, t), "a reply fits what the query allows");
  auto r = parse_message(reply);
  WEFT_ASSERT(r, "every reply parses");
  WEFT_ASSERT(r->header.qr, "a reply is a response");
  WEFT_ASSERT(query.size() >= 2 && r->header.id == (query[0] << 8 | query[1]),
              "a reply has the query's id");
}

Forward forward_of(const char* qname, bool edns) {
  Message q;
  q.header.id = 0x5151;
  q.header.rd = true;
  q.questions.push_back(Question{name(qname), RrType::a, RrClass::in});
  if (edns) {
    q.edns.emplace();
    q.edns->dnssec_ok = true;
  }
  auto bytes = encode_message(q);
  return Forward{q, *bytes};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  static const Zones zones;
  World w(*zones.authority);  // fresh each time: a crash replays from its input alone
  const TimePoint now = kEpoch + 1s;

  for (const Transport t : {Transport::udp, Transport::tcp}) {
    const auto a = w.fast.handle(input, t, now);
    const auto b = w.general.handle(input, t, now);
    WEFT_ASSERT(a.reply == b.reply, "the fast path gives the general path's bytes");
    WEFT_ASSERT(a.forward.has_value() == b.forward.has_value(), "both paths forward alike");
    WEFT_ASSERT(a.reply.empty() || !a.forward, "a reply or a forward, not both");
    check_reply(a.reply, input, t);
    if (a.forward) {
      // The input as its own upstream answer (a query: SERVFAIL), and a failed upstream.
      check_reply(w.fast.on_upstream(*a.forward, std::vector(input.begin(), input.end()), t, now),
                  a.forward->bytes, t);
      check_reply(w.fast.on_upstream(*a.forward, Error(Errc::timed_out, "fuzz"), t, now),
                  a.forward->bytes, t);
    }
  }

  // The input as an upstream's answer to fixed questions; then the same question again.
  for (const bool edns : {false, true}) {
    const Forward f = forward_of("example.com.", edns);
    for (const Transport t : {Transport::udp, Transport::tcp}) {
      const auto reply = w.fast.on_upstream(f, std::vector(input.begin(), input.end()), t, now);
      WEFT_ASSERT(!reply.empty(), "an upstream's answer always gets a reply");
      check_reply(reply, f.bytes, t);
      const auto again = w.fast.handle(f.bytes, t, now + 2s);
      WEFT_ASSERT(again.reply.empty() == again.forward.has_value(), "a cache hit or a forward");
      check_reply(again.reply, f.bytes, t);
    }
  }
  return 0;
}
