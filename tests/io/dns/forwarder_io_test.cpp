// SPDX-License-Identifier: Apache-2.0
// The c-ares forwarder against fake upstreams on loopback: answers come back under the
// client's id and never inside forward(); the server list comes from the config or a
// resolv.conf, less what is excluded; silent, failing and lying upstreams end in an error
// within the configured tries; stop() and destruction call every pending callback once.
#include "weft/dns/forwarder.hpp"

#include "dns_io_support.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace weft;
using namespace weft::dns;
using namespace weft::dns::test;

namespace {

struct Outcome {
  int calls = 0;
  std::optional<Result<Bytes>> result;
};

// forward() whose callback records into `out` (which must outlive the io run).
void ask(Forwarder& f, const Bytes& query, Outcome& out) {
  f.forward(query, [&out](Result<Bytes> r) {
    ++out.calls;
    out.result = std::move(r);
  });
}

ForwarderConfig config_for(std::vector<std::string> servers, Duration timeout = 200ms,
                           int tries = 2) {
  ForwarderConfig c;
  c.servers = std::move(servers);
  c.resolv_conf = "/nonexistent/resolv.conf";  // never read when servers are given
  c.timeout = timeout;
  c.tries = tries;
  return c;
}

struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& text) {
    char tmpl[] = "/tmp/weft-dns-resolv-XXXXXX";
    const int fd = ::mkstemp(tmpl);
    ::close(fd);
    path = tmpl;
    std::ofstream(path) << text;
  }
  ~TempFile() { std::filesystem::remove(path); }
};

}  // namespace

TEST_CASE("the forwarder relays the upstream's answer under the client's id", "[dns][forwarder]") {
  asio::io_context io;
  FakeUpstream upstream(io);
  auto f = Forwarder::create(io.get_executor(), config_for({upstream.address()}));
  REQUIRE(f);
  CHECK((*f)->servers() == std::vector<std::string>{upstream.address()});

  Outcome out;
  ask(**f, query_bytes(0x1234, "Example.COM."), out);
  CHECK(out.calls == 0);  // never from inside forward()
  REQUIRE(run_until(io, [&] { return out.calls > 0; }));
  REQUIRE(out.result);
  REQUIRE(*out.result);
  auto reply = parse_message(**out.result);
  REQUIRE(reply);
  CHECK(reply->header.id == 0x1234);
  CHECK(reply->header.qr);
  REQUIRE(reply->answers.size() == 1);
  CHECK(std::get<AddressRecord>(reply->answers[0].data).address == kUpstreamAnswer);
  REQUIRE(upstream.seen.size() == 1);
  CHECK(upstream.seen[0].questions[0].name.to_string() == "Example.COM.");
  run_for(io, 50ms);
  CHECK(out.calls == 1);
}

TEST_CASE("the forwarder retries over TCP when the UDP answer is truncated", "[dns][forwarder]") {
  asio::io_context io;
  FakeUpstream upstream(io, FakeUpstream::Mode::truncate_udp);
  auto f = Forwarder::create(io.get_executor(), config_for({upstream.address()}));
  REQUIRE(f);
  Outcome out;
  ask(**f, query_bytes(7, "big.example."), out);
  REQUIRE(run_until(io, [&] { return out.calls > 0; }));
  REQUIRE(*out.result);
  auto reply = parse_message(**out.result);
  REQUIRE(reply);
  CHECK(reply->header.id == 7);
  CHECK_FALSE(reply->header.tc);
  CHECK(reply->answers.size() == 1);
  CHECK(upstream.udp_queries == 1);
  CHECK(upstream.tcp_queries == 1);
}

TEST_CASE("the forwarder takes its servers from resolv.conf, less the excluded ones",
          "[dns][forwarder]") {
  asio::io_context io;
  TempFile conf(
      "# generated\nsearch example\nnameserver 192.0.2.1\nnameserver 192.0.2.2\n"
      "  nameserver   2001:db8::53\noptions timeout:9 attempts:5\n");
  ForwarderConfig c;
  c.resolv_conf = conf.path;
  {
    auto f = Forwarder::create(io.get_executor(), c);
    REQUIRE(f);
    CHECK((*f)->servers() ==
          std::vector<std::string>{"192.0.2.1:53", "192.0.2.2:53", "[2001:db8::53]:53"});
  }
  SECTION("an excluded address, any port") {
    c.exclude = {"192.0.2.1", "[2001:db8::53]:53"};
    auto f = Forwarder::create(io.get_executor(), c);
    REQUIRE(f);
    CHECK((*f)->servers() == std::vector<std::string>{"192.0.2.2:53"});
  }
  SECTION("an excluded address on another port stays") {
    c.exclude = {"192.0.2.1:5353"};
    auto f = Forwarder::create(io.get_executor(), c);
    REQUIRE(f);
    CHECK((*f)->servers().size() == 3);
  }
  SECTION("nothing left") {
    c.exclude = {"192.0.2.1", "192.0.2.2", "2001:db8::53"};
    auto f = Forwarder::create(io.get_executor(), c);
    REQUIRE_FALSE(f);
    CHECK(f.error().is(Errc::not_found));
    CHECK_THAT(f.error().message(), Catch::Contains("--dns-upstream"));
  }
}

TEST_CASE("the forwarder refuses configurations it cannot use", "[dns][forwarder]") {
  asio::io_context io;
  SECTION("resolv.conf without a nameserver") {
    TempFile conf("search example\n# nameserver 192.0.2.1\n");
    ForwarderConfig c;
    c.resolv_conf = conf.path;
    auto f = Forwarder::create(io.get_executor(), c);
    REQUIRE_FALSE(f);
    CHECK(f.error().is(Errc::not_found));
    CHECK_THAT(f.error().message(), Catch::Contains(conf.path.string()) &&
                                        Catch::Contains("names no nameserver") &&
                                        Catch::Contains("--dns-upstream"));
  }
  SECTION("no resolv.conf") {
    ForwarderConfig c;
    c.resolv_conf = "/nonexistent/resolv.conf";
    auto f = Forwarder::create(io.get_executor(), c);
    REQUIRE_FALSE(f);
    CHECK(f.error().is(Errc::not_found));
    CHECK_THAT(f.error().message(), Catch::Contains("/nonexistent/resolv.conf"));
  }
  SECTION("malformed servers") {
    for (const char* bad :
         {"dns.example", "1.2.3.4:0", "1.2.3.4:70000", "[::1", "[::1]53", "1.2.3.4:", ""}) {
      auto f = Forwarder::create(io.get_executor(), config_for({bad}));
      INFO(bad);
      REQUIRE_FALSE(f);
      CHECK(f.error().is(Errc::invalid_argument));
      CHECK_THAT(f.error().message(), Catch::Contains("DNS upstream"));
    }
  }
  SECTION("ports and brackets") {
    auto f = Forwarder::create(io.get_executor(),
                               config_for({"192.0.2.1", "192.0.2.2:5353", "[2001:db8::1]:54",
                                           "[2001:db8::2]", "2001:db8::3"}));
    REQUIRE(f);
    CHECK((*f)->servers() == std::vector<std::string>{"192.0.2.1:53", "192.0.2.2:5353",
                                                      "[2001:db8::1]:54", "[2001:db8::2]:53",
                                                      "[2001:db8::3]:53"});
  }
  SECTION("tries and timeout") {
    CHECK_FALSE(Forwarder::create(io.get_executor(), config_for({"192.0.2.1"}, 200ms, 0)));
    CHECK_FALSE(Forwarder::create(io.get_executor(), config_for({"192.0.2.1"}, 0ms, 1)));
  }
}

TEST_CASE("an excluded upstream gets no query", "[dns][forwarder]") {
  asio::io_context io;
  FakeUpstream self(io), other(io);
  auto c = config_for({self.address(), other.address()});
  c.exclude = {self.address()};
  auto f = Forwarder::create(io.get_executor(), c);
  REQUIRE(f);
  CHECK((*f)->servers() == std::vector<std::string>{other.address()});
  Outcome out;
  ask(**f, query_bytes(1, "example.com."), out);
  REQUIRE(run_until(io, [&] { return out.calls > 0; }));
  CHECK(*out.result);
  CHECK(self.udp_queries == 0);
  CHECK(other.udp_queries == 1);
}

TEST_CASE("a silent upstream fails the query after its tries", "[dns][forwarder]") {
  asio::io_context io;
  FakeUpstream upstream(io, FakeUpstream::Mode::silent);
  const auto timeout = 200ms;
  const int tries = 2;
  auto f = Forwarder::create(io.get_executor(), config_for({upstream.address()}, timeout, tries));
  REQUIRE(f);
  Outcome out;
  const auto start = std::chrono::steady_clock::now();
  ask(**f, query_bytes(9, "example.com."), out);
  // c-ares 1.18 doubles the timeout on each round: 200 ms, then 400 ms.
  const auto bound = timeout * ((1 << tries) - 1);
  REQUIRE(run_until(
      io, [&] { return out.calls > 0; }, bound + 1s));
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(took >= bound - 20ms);
  CHECK(took <= bound + 300ms);
  REQUIRE_FALSE(*out.result);
  CHECK(out.result->error().is(Errc::timed_out));
  CHECK(out.result->error().message() ==
        "upstream " + upstream.address() + " timed out after 2 tries");
  CHECK(upstream.udp_queries == static_cast<std::size_t>(tries));
  run_for(io, 100ms);
  CHECK(out.calls == 1);
}

TEST_CASE("upstreams that fail or answer another question end in an error", "[dns][forwarder]") {
  asio::io_context io;
  SECTION("SERVFAIL, at once") {
    FakeUpstream upstream(io, FakeUpstream::Mode::servfail);
    auto f = Forwarder::create(io.get_executor(), config_for({upstream.address()}, 1s, 1));
    REQUIRE(f);
    Outcome out;
    ask(**f, query_bytes(9, "example.com."), out);
    REQUIRE(run_until(
        io, [&] { return out.calls > 0; }, 500ms));
    REQUIRE_FALSE(*out.result);
    CHECK(out.result->error().message() ==
          "upstream " + upstream.address() +
              " refused the query (port closed, or SERVFAIL/REFUSED/NOTIMP)");
  }
  SECTION("an answer to another name is no answer") {
    FakeUpstream upstream(io, FakeUpstream::Mode::wrong_question);
    auto f = Forwarder::create(io.get_executor(), config_for({upstream.address()}, 100ms, 1));
    REQUIRE(f);
    Outcome out;
    ask(**f, query_bytes(9, "example.com."), out);
    REQUIRE(run_until(
        io, [&] { return out.calls > 0; }, 1s));
    REQUIRE_FALSE(*out.result);
    CHECK(out.result->error().is(Errc::timed_out));
  }
  SECTION("nothing listening") {
    // A port nobody holds: bind one, note it, close it.
    std::uint16_t port = 0;
    {
      asio::ip::udp::socket s(io, {asio::ip::make_address_v4("127.0.0.1"), 0});
      port = s.local_endpoint().port();
    }
    const std::string address = "127.0.0.1:" + std::to_string(port);
    auto f = Forwarder::create(io.get_executor(), config_for({address}, 1s, 1));
    REQUIRE(f);
    Outcome out;
    ask(**f, query_bytes(9, "example.com."), out);
    REQUIRE(run_until(
        io, [&] { return out.calls > 0; }, 2s));
    REQUIRE_FALSE(*out.result);
    CHECK_THAT(out.result->error().message(), Catch::Contains(address));
  }
  SECTION("not a DNS message") {
    FakeUpstream upstream(io);
    auto f = Forwarder::create(io.get_executor(), config_for({upstream.address()}));
    REQUIRE(f);
    Outcome out;
    const Bytes junk{1, 2, 3};
    ask(**f, junk, out);
    CHECK(out.calls == 0);
    REQUIRE(run_until(
        io, [&] { return out.calls > 0; }, 500ms));
    REQUIRE_FALSE(*out.result);
    CHECK(out.result->error().is(Errc::invalid_argument));
    CHECK(upstream.udp_queries == 0);
  }
}

TEST_CASE("stop() and destruction call every pending callback once", "[dns][forwarder]") {
  asio::io_context io;
  FakeUpstream upstream(io, FakeUpstream::Mode::silent);
  auto f = Forwarder::create(io.get_executor(), config_for({upstream.address()}, 100ms, 1));
  REQUIRE(f);
  std::vector<Outcome> outs(5);
  for (std::size_t i = 0; i < outs.size(); ++i) {
    ask(**f, query_bytes(static_cast<std::uint16_t>(i), "example.com."), outs[i]);
  }
  REQUIRE(run_until(io, [&] { return upstream.udp_queries == outs.size(); }));
  const bool destroy = GENERATE(false, true);
  if (destroy) {
    f->reset();
  } else {
    (*f)->stop();
    (*f)->stop();  // twice is harmless
  }
  for (auto& o : outs) CHECK(o.calls == 0);  // posted, not called inside stop()
  REQUIRE(run_until(io, [&] {
    return std::all_of(outs.begin(), outs.end(), [](const Outcome& o) { return o.calls > 0; });
  }));
  for (auto& o : outs) {
    REQUIRE_FALSE(*o.result);
    CHECK_THAT(o.result->error().message(), Catch::Contains("the forwarder stopped"));
  }
  if (!destroy) {
    Outcome late;
    ask(**f, query_bytes(99, "example.com."), late);
    CHECK(late.calls == 0);
    REQUIRE(run_until(io, [&] { return late.calls > 0; }));
    CHECK_FALSE(*late.result);
  }
  run_for(io, 300ms);  // past the timeout: nothing more comes
  for (auto& o : outs) CHECK(o.calls == 1);
  CHECK(upstream.udp_queries == outs.size());
}
