// SPDX-License-Identifier: Apache-2.0
// The DNS server on 127.0.0.1 (port 0) with a real registry, authority, cache and responder,
// and a fake upstream behind a real c-ares forwarder; clients are plain Asio sockets.
// Covered: UDP answers, truncation over UDP and the whole answer over TCP, pipelined TCP
// queries answered out of order, forwarding then the cache, SERVFAIL for a silent upstream,
// idle and surplus TCP connections closed, and stop() with forwards still pending.
#include "weft/dns/authority.hpp"
#include "weft/dns/cache.hpp"
#include "weft/dns/registry.hpp"
#include "weft/dns/responder.hpp"
#include "weft/dns/server.hpp"

#include "dns_io_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <set>

using namespace weft;
using namespace weft::dns;
using namespace weft::dns::test;

namespace {

const IpAddress kLoopback = IpAddress::v4(127, 0, 0, 1);
const IpAddress kPod = IpAddress::v4(10, 32, 0, 5);

struct Options {
  FakeUpstream::Mode upstream = FakeUpstream::Mode::answer;
  Duration upstream_timeout = 200ms;
  int upstream_tries = 2;
  Duration idle = 2s;
  std::size_t max_connections = 16;
  std::size_t max_pending = 4096;
};

// The daemon's DNS objects, wired as weftd wires them. Members are declared in the order
// they may be destroyed in reverse.
struct Fixture {
  explicit Fixture(Options o = {}) : options(o), upstream(io, o.upstream) {
    const TimePoint now = kEpoch;
    REQUIRE(registry.add(*Name::parse("pod.weft.local."), kPod, "c1", now));
    for (std::uint8_t i = 1; i <= 60; ++i) {
      REQUIRE(
          registry.add(*Name::parse("many.weft.local."), IpAddress::v4(10, 32, 1, i), "c2", now));
    }
    ZoneConfig zone;
    zone.domain = *Name::parse(kRegistryZone);
    zone.reverse = {*Cidr::parse("10.32.0.0/12")};
    zone.server = kLoopback;
    authority = std::make_unique<Authority>(zone, registry);
    responder = std::make_unique<Responder>(*authority, cache, true);
    ForwarderConfig fc;
    fc.servers = {upstream.address()};
    fc.timeout = o.upstream_timeout;
    fc.tries = o.upstream_tries;
    auto f = Forwarder::create(io.get_executor(), fc);
    REQUIRE(f);
    forwarder = std::move(*f);
    ServerConfig sc;
    sc.address = kLoopback;
    sc.port = 0;
    sc.tcp_idle_timeout = o.idle;
    sc.max_tcp_connections = o.max_connections;
    sc.max_pending_upstream = o.max_pending;
    auto s = DnsServer::start(io.get_executor(), sc, *responder, forwarder.get());
    REQUIRE(s);
    server = std::move(*s);
    CHECK(server->udp_port() == server->tcp_port());
  }

  Options options;
  asio::io_context io;
  FakeUpstream upstream;
  Registry registry{PeerName(1), std::chrono::hours(1)};
  Cache cache{1000, std::chrono::hours(1)};
  std::unique_ptr<Authority> authority;
  std::unique_ptr<Responder> responder;
  std::unique_ptr<Forwarder> forwarder;
  std::unique_ptr<DnsServer> server;
};

Message parsed(const std::optional<Bytes>& bytes) {
  REQUIRE(bytes);
  auto m = parse_message(*bytes);
  REQUIRE(m);
  return *m;
}

// One UDP query and its reply (nullopt when none came within `limit`).
std::optional<Bytes> udp_ask(asio::io_context& io, std::uint16_t port, const Bytes& query,
                             std::chrono::milliseconds limit = 3000ms) {
  asio::ip::udp::socket s(io, {asio::ip::make_address_v4("127.0.0.1"), 0});
  s.send_to(asio::buffer(query), {asio::ip::make_address_v4("127.0.0.1"), port});
  struct Got {
    Bytes buf = Bytes(65535);
    std::optional<Bytes> reply;
    bool done = false;
  };
  auto got = std::make_shared<Got>();
  s.async_receive(asio::buffer(got->buf), [got](boost::system::error_code ec, std::size_t n) {
    got->done = true;
    if (!ec) got->reply = Bytes(got->buf.begin(), got->buf.begin() + static_cast<long>(n));
  });
  run_until(
      io, [&] { return got->reply.has_value(); }, limit);
  s.close();
  run_until(io, [&] { return got->done; });
  return got->reply;
}

// A TCP client speaking length-prefixed DNS messages.
class TcpClient {
 public:
  TcpClient(asio::io_context& io, std::uint16_t port) : io_(io), s_(io) {
    s_.connect({asio::ip::make_address_v4("127.0.0.1"), port});
  }

  void send(const std::vector<Bytes>& queries) {
    Bytes out;
    for (const auto& q : queries) {
      out.push_back(static_cast<std::uint8_t>(q.size() >> 8));
      out.push_back(static_cast<std::uint8_t>(q.size()));
      out.insert(out.end(), q.begin(), q.end());
    }
    asio::write(s_, asio::buffer(out));  // all at once: pipelined
  }

  // The next message, or nullopt (the connection closed, or `limit` passed).
  std::optional<Bytes> receive(std::chrono::milliseconds limit = 3000ms) {
    struct Got {
      std::array<std::uint8_t, 2> prefix{};
      Bytes body;
      bool done = false;
      std::optional<Bytes> message;
      boost::system::error_code ec;
    };
    auto got = std::make_shared<Got>();
    asio::async_read(
        s_, asio::buffer(got->prefix), [this, got](boost::system::error_code ec, std::size_t) {
          if (ec) {
            got->ec = ec;
            got->done = true;
            return;
          }
          got->body.resize(static_cast<std::size_t>(got->prefix[0] << 8 | got->prefix[1]));
          asio::async_read(s_, asio::buffer(got->body),
                           [got](boost::system::error_code ec2, std::size_t) {
                             got->ec = ec2;
                             if (!ec2) got->message = got->body;
                             got->done = true;
                           });
        });
    run_until(
        io_, [&] { return got->done; }, limit);
    if (!got->done) {
      s_.cancel();
      run_until(io_, [&] { return got->done; });
    }
    last_error = got->ec;
    return got->message;
  }

  boost::system::error_code last_error;

 private:
  asio::io_context& io_;
  asio::ip::tcp::socket s_;
};

std::vector<IpAddress> addresses(const Message& m) {
  std::vector<IpAddress> out;
  for (const auto& rr : m.answers) {
    if (const auto* a = std::get_if<AddressRecord>(&rr.data)) out.push_back(a->address);
  }
  return out;
}

}  // namespace

TEST_CASE("the server answers a registered name over UDP", "[dns][server]") {
  Fixture fx;
  const auto reply =
      parsed(udp_ask(fx.io, fx.server->udp_port(), query_bytes(0x4242, "POD.weft.local.")));
  CHECK(reply.header.id == 0x4242);
  CHECK(reply.header.qr);
  CHECK(reply.header.aa);
  CHECK(reply.rcode() == Rcode::noerror);
  CHECK(reply.questions.at(0).name.to_string() == "POD.weft.local.");  // case echoed
  CHECK(addresses(reply) == std::vector<IpAddress>{kPod});
  CHECK(fx.server->stats().udp_queries == 1);
  CHECK(fx.upstream.udp_queries == 0);

  SECTION("a name that does not exist: NXDOMAIN with the SOA") {
    const auto nx =
        parsed(udp_ask(fx.io, fx.server->udp_port(), query_bytes(7, "nope.weft.local.")));
    CHECK(nx.rcode() == Rcode::nxdomain);
    CHECK(nx.authorities.size() == 1);
  }
  SECTION("bursts from several clients, more than one batch, all answered") {
    // 3 clients x 50 queries: several recvmmsg batches, and runs of equal replies to one
    // client that leave as one UDP GSO message.
    constexpr std::uint16_t kPerClient = 50;
    struct Client {
      std::unique_ptr<asio::ip::udp::socket> socket;
      std::set<std::uint16_t> ids;
      Bytes buf = Bytes(4096);
    };
    std::vector<std::shared_ptr<Client>> clients;
    for (std::uint16_t c = 0; c < 3; ++c) {
      auto client = std::make_shared<Client>();
      client->socket = std::make_unique<asio::ip::udp::socket>(
          fx.io, asio::ip::udp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
      for (std::uint16_t i = 0; i < kPerClient; ++i) {
        client->socket->send_to(
            asio::buffer(query_bytes(static_cast<std::uint16_t>(c * 100 + i), "pod.weft.local.")),
            {asio::ip::make_address_v4("127.0.0.1"), fx.server->udp_port()});
      }
      clients.push_back(client);
    }
    std::function<void(std::shared_ptr<Client>)> receive = [&](std::shared_ptr<Client> c) {
      c->socket->async_receive(asio::buffer(c->buf),
                               [&, c](boost::system::error_code ec, std::size_t n) {
                                 if (ec) return;
                                 auto m = parse_message({c->buf.data(), n});
                                 if (m && addresses(*m) == std::vector<IpAddress>{kPod}) {
                                   c->ids.insert(m->header.id);
                                 }
                                 receive(c);
                               });
    };
    for (auto& c : clients) receive(c);
    CHECK(run_until(fx.io, [&] {
      return std::all_of(clients.begin(), clients.end(),
                         [](const auto& c) { return c->ids.size() == kPerClient; });
    }));
    for (auto& c : clients) {
      c->socket->close();
      CHECK(c->ids.size() == kPerClient);
    }
    run_for(fx.io, 10ms);
    CHECK(fx.server->stats().udp_queries == 1 + 3 * kPerClient);
  }
}

TEST_CASE("a large answer is truncated over UDP and whole over TCP", "[dns][server]") {
  Fixture fx;
  const auto udp =
      parsed(udp_ask(fx.io, fx.server->udp_port(), query_bytes(1, "many.weft.local.")));
  CHECK(udp.header.tc);
  CHECK(udp.answers.size() < 60);

  TcpClient tcp(fx.io, fx.server->tcp_port());
  tcp.send({query_bytes(2, "many.weft.local.")});
  const auto whole = parsed(tcp.receive());
  CHECK(whole.header.id == 2);
  CHECK_FALSE(whole.header.tc);
  auto got = addresses(whole);
  std::sort(got.begin(), got.end());
  REQUIRE(got.size() == 60);
  CHECK(got.front() == IpAddress::v4(10, 32, 1, 1));
  CHECK(got.back() == IpAddress::v4(10, 32, 1, 60));
  CHECK(fx.server->stats().tcp_queries == 1);
  CHECK(fx.server->stats().tcp_connections == 1);
}

TEST_CASE("pipelined TCP queries on one connection are all answered", "[dns][server]") {
  SECTION("two local names") {
    Fixture fx;
    TcpClient tcp(fx.io, fx.server->tcp_port());
    tcp.send({query_bytes(11, "pod.weft.local."), query_bytes(12, "many.weft.local.")});
    std::set<std::uint16_t> ids;
    for (int i = 0; i < 2; ++i) ids.insert(parsed(tcp.receive()).header.id);
    CHECK(ids == std::set<std::uint16_t>{11, 12});
    CHECK(fx.server->stats().tcp_queries == 2);
  }
  SECTION("a slow forwarded one is overtaken by a local one") {
    Options o;
    o.upstream = FakeUpstream::Mode::silent;
    o.upstream_tries = 1;
    Fixture fx(o);
    TcpClient tcp(fx.io, fx.server->tcp_port());
    tcp.send({query_bytes(21, "slow.example."), query_bytes(22, "pod.weft.local.")});
    const auto first = parsed(tcp.receive());
    CHECK(first.header.id == 22);
    CHECK(addresses(first) == std::vector<IpAddress>{kPod});
    const auto second = parsed(tcp.receive());
    CHECK(second.header.id == 21);
    CHECK(second.rcode() == Rcode::servfail);
    // The connection still serves.
    tcp.send({query_bytes(23, "pod.weft.local.")});
    CHECK(parsed(tcp.receive()).header.id == 23);
  }
}

TEST_CASE("many pipelined TCP queries, local and forwarded, are all answered", "[dns][server]") {
  // More than the connection lets wait for the upstream at once (64): the reader pauses and
  // resumes as answers come.
  Fixture fx;
  TcpClient tcp(fx.io, fx.server->tcp_port());
  std::vector<Bytes> queries;
  for (std::uint16_t i = 0; i < 200; ++i) {
    queries.push_back(
        query_bytes(i, i % 2 == 0 ? "pod.weft.local." : "n" + std::to_string(i) + ".example."));
  }
  tcp.send(queries);
  std::set<std::uint16_t> ids;
  for (int i = 0; i < 200; ++i) {
    const auto reply = parsed(tcp.receive());
    CHECK(addresses(reply) ==
          std::vector<IpAddress>{reply.header.id % 2 == 0 ? kPod : kUpstreamAnswer});
    ids.insert(reply.header.id);
  }
  CHECK(ids.size() == 200);
  CHECK(fx.upstream.udp_queries == 100);
  CHECK(fx.server->stats().tcp_queries == 200);
  CHECK(fx.server->stats().pending_upstream == 0);
}

TEST_CASE("a TCP connection has at most 64 forwards outstanding", "[dns][server]") {
  Options o;
  o.upstream = FakeUpstream::Mode::silent;
  o.upstream_timeout = 300ms;
  o.upstream_tries = 1;
  Fixture fx(o);
  TcpClient tcp(fx.io, fx.server->tcp_port());
  std::vector<Bytes> queries;
  for (std::uint16_t i = 0; i < 100; ++i) {
    queries.push_back(query_bytes(i, "n" + std::to_string(i) + ".example."));
  }
  tcp.send(queries);
  run_for(fx.io, 150ms);
  CHECK(fx.upstream.udp_queries == 64);
  CHECK(fx.server->stats().tcp_queries == 64);
  CHECK(fx.server->stats().pending_upstream == 64);
  std::set<std::uint16_t> ids;
  for (int i = 0; i < 100; ++i) {
    const auto reply = parsed(tcp.receive());
    CHECK(reply.rcode() == Rcode::servfail);
    ids.insert(reply.header.id);
  }
  CHECK(ids.size() == 100);
  CHECK(fx.upstream.udp_queries == 100);
}

TEST_CASE("a forwarded name is answered by the upstream, then from the cache", "[dns][server]") {
  Fixture fx;
  const auto first =
      parsed(udp_ask(fx.io, fx.server->udp_port(), query_bytes(31, "www.example.org.")));
  CHECK(first.header.id == 31);
  CHECK(first.rcode() == Rcode::noerror);
  CHECK(addresses(first) == std::vector<IpAddress>{kUpstreamAnswer});
  CHECK(fx.upstream.udp_queries == 1);
  CHECK(fx.server->stats().pending_upstream == 0);

  const auto again =
      parsed(udp_ask(fx.io, fx.server->udp_port(), query_bytes(32, "WWW.example.org.")));
  CHECK(again.header.id == 32);
  CHECK(again.questions.at(0).name.to_string() == "WWW.example.org.");
  CHECK(addresses(again) == std::vector<IpAddress>{kUpstreamAnswer});
  CHECK(fx.upstream.udp_queries == 1);  // from the cache

  TcpClient tcp(fx.io, fx.server->tcp_port());
  tcp.send({query_bytes(33, "www.example.org.")});
  CHECK(addresses(parsed(tcp.receive())) == std::vector<IpAddress>{kUpstreamAnswer});
  CHECK(fx.upstream.udp_queries == 1);
  CHECK(fx.responder->stats().forwarded == 1);
}

TEST_CASE("a silent upstream gets the client a SERVFAIL within the bound", "[dns][server]") {
  Options o;
  o.upstream = FakeUpstream::Mode::silent;
  Fixture fx(o);
  const auto start = std::chrono::steady_clock::now();
  const auto reply =
      parsed(udp_ask(fx.io, fx.server->udp_port(), query_bytes(41, "gone.example.")));
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(reply.header.id == 41);
  CHECK(reply.rcode() == Rcode::servfail);
  // 200 ms, then 400 ms (c-ares doubles the timeout each round).
  CHECK(took <= 600ms + 400ms);
  CHECK(fx.upstream.udp_queries == 2);
  CHECK(fx.server->stats().pending_upstream == 0);
  CHECK(fx.responder->stats().upstream_failures == 1);
}

TEST_CASE("beyond the pending forwards' limit, SERVFAIL at once", "[dns][server]") {
  Options o;
  o.upstream = FakeUpstream::Mode::silent;
  o.upstream_timeout = 300ms;
  o.upstream_tries = 1;
  o.max_pending = 3;
  Fixture fx(o);
  asio::ip::udp::socket udp(fx.io, {asio::ip::make_address_v4("127.0.0.1"), 0});
  for (std::uint16_t i = 0; i < 5; ++i) {
    udp.send_to(asio::buffer(query_bytes(i, "n" + std::to_string(i) + ".example.")),
                {asio::ip::make_address_v4("127.0.0.1"), fx.server->udp_port()});
  }
  std::vector<std::uint16_t> ids;
  Bytes buf(4096);
  std::function<void()> receive = [&] {
    udp.async_receive(asio::buffer(buf), [&](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      auto m = parse_message({buf.data(), n});
      if (m && m->rcode() == Rcode::servfail) ids.push_back(m->header.id);
      receive();
    });
  };
  receive();
  run_for(fx.io, 150ms);
  CHECK(ids == std::vector<std::uint16_t>{3, 4});  // at once
  CHECK(fx.upstream.udp_queries == 3);
  CHECK(fx.server->stats().pending_upstream == 3);
  REQUIRE(run_until(fx.io, [&] { return ids.size() == 5; }));
  CHECK(fx.server->stats().pending_upstream == 0);
  udp.close();
  run_for(fx.io, 10ms);
}

TEST_CASE("idle and surplus TCP connections are closed", "[dns][server]") {
  SECTION("idle") {
    Options o;
    o.idle = 300ms;
    Fixture fx(o);
    TcpClient quiet(fx.io, fx.server->tcp_port());
    TcpClient active(fx.io, fx.server->tcp_port());
    active.send({query_bytes(51, "pod.weft.local.")});
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(active.receive());
    CHECK_FALSE(quiet.receive(2000ms));
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(quiet.last_error == asio::error::eof);
    CHECK(took >= 250ms);
    CHECK(took <= 300ms + 400ms);
    CHECK_FALSE(active.receive(2000ms));  // idle after its answer, closed too
    CHECK(active.last_error == asio::error::eof);
  }
  SECTION("beyond the maximum") {
    Options o;
    o.max_connections = 2;
    Fixture fx(o);
    TcpClient a(fx.io, fx.server->tcp_port()), b(fx.io, fx.server->tcp_port());
    // Accepted in order: make sure both are in before the third comes.
    a.send({query_bytes(1, "pod.weft.local.")});
    b.send({query_bytes(2, "pod.weft.local.")});
    REQUIRE(a.receive());
    REQUIRE(b.receive());
    TcpClient c(fx.io, fx.server->tcp_port());
    c.send({query_bytes(3, "pod.weft.local.")});
    CHECK_FALSE(c.receive());
    CHECK(fx.server->stats().tcp_refused == 1);
    CHECK(fx.server->stats().tcp_connections == 2);
    a.send({query_bytes(4, "pod.weft.local.")});
    CHECK(a.receive());  // the others still serve
  }
}

TEST_CASE("the server survives stop() with forwards pending", "[dns][server]") {
  Options o;
  o.upstream = FakeUpstream::Mode::silent;
  o.upstream_timeout = 100ms;
  o.upstream_tries = 1;
  Fixture fx(o);
  asio::ip::udp::socket udp(fx.io, {asio::ip::make_address_v4("127.0.0.1"), 0});
  udp.send_to(asio::buffer(query_bytes(61, "pending.example.")),
              {asio::ip::make_address_v4("127.0.0.1"), fx.server->udp_port()});
  TcpClient tcp(fx.io, fx.server->tcp_port());
  tcp.send({query_bytes(62, "pending.example.")});
  REQUIRE(run_until(fx.io, [&] { return fx.upstream.udp_queries == 2; }));
  CHECK(fx.server->stats().pending_upstream == 2);

  const bool destroy_everything = GENERATE(false, true);
  if (destroy_everything) {
    // The server, then what it answered with, go before the forwarder calls back.
    fx.server.reset();
    fx.responder.reset();
    fx.authority.reset();
  } else {
    fx.server->stop();
    fx.server->stop();
  }
  run_for(fx.io, 400ms);  // past the upstream timeout: the forwarder calls back
  CHECK_FALSE(tcp.receive(200ms));
  CHECK(udp.available() == 0);
  if (!destroy_everything) CHECK(fx.server->stats().pending_upstream == 0);
  fx.forwarder.reset();
  run_for(fx.io, 50ms);
}

TEST_CASE("the server says who holds its port", "[dns][server]") {
  Fixture fx;
  ServerConfig sc;
  sc.address = kLoopback;
  sc.port = fx.server->udp_port();
  auto second = DnsServer::start(fx.io.get_executor(), sc, *fx.responder, fx.forwarder.get());
  REQUIRE_FALSE(second);
  CHECK(second.error().is(Errc::io_error));
  CHECK_THAT(second.error().message(), Catch::Contains("127.0.0.1:" + std::to_string(sc.port)) &&
                                           Catch::Contains("--dns-listen"));
  sc.address = *IpAddress::parse("::1");
  CHECK_FALSE(DnsServer::start(fx.io.get_executor(), sc, *fx.responder, fx.forwarder.get()));
}
