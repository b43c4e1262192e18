// SPDX-License-Identifier: Apache-2.0
// The API server and client over real sockets: a unix socket in a temp dir, TCP on port 0.
#include "weft/api/client.hpp"
#include "weft/api/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <thread>

namespace asio = boost::asio;
using namespace weft::api;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/weft-api-io-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// A server on its own io thread, with a write route and a read route.
struct Fixture {
  TempDir dir;
  ApiRoutes routes;
  asio::io_context io;
  std::unique_ptr<ApiServer> server;
  std::thread thread;
  std::filesystem::path sock = dir.path / "weftd.sock";

  explicit Fixture(ServerOptions options = {}) {
    routes.set_read_only_hint("use the unix socket");
    routes.add("GET", "/status", [](const HttpRequest&) { return HttpResponse::text("ok\n"); });
    routes.add("POST", "/echo", [](const HttpRequest& r) { return HttpResponse::text(r.body); });
    server = std::make_unique<ApiServer>(io.get_executor(), routes, options);
  }
  void run() {
    thread = std::thread([this] { io.run(); });
  }
  ~Fixture() {
    asio::post(io, [this] { server->stop(); });
    if (thread.joinable()) thread.join();
  }
};

// Sends raw bytes over TCP and returns the whole response (the server closes after it).
std::string raw_tcp(unsigned short port, const std::string& request) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer(request));
  std::string out;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(out), ec);
  return out;
}

// A unix socket listening with no server behind it: the test decides what happens.
struct BareListener {
  TempDir dir;
  std::filesystem::path sock = dir.path / "weftd.sock";
  asio::io_context io;
  asio::local::stream_protocol::acceptor acc{io,
                                             asio::local::stream_protocol::endpoint(sock.string())};
};

}  // namespace

TEST_CASE("client and server talk over the unix socket", "[api][io]") {
  Fixture f;
  REQUIRE(f.server->listen_unix(f.sock));
  f.run();
  ApiClient client(f.sock);
  auto r = client.request("GET", "/status");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "ok\n");
  auto e = client.request("POST", "/echo", "{\"a\":1}");
  REQUIRE(e);
  CHECK(e->body == "{\"a\":1}");
  auto missing = client.request("GET", "/nope");
  REQUIRE(missing);
  CHECK(missing->status == 404);

  struct stat st {};
  REQUIRE(::stat(f.sock.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("the TCP listener is read-only unless told otherwise", "[api][io]") {
  Fixture f;
  REQUIRE(f.server->listen_tcp({asio::ip::make_address("127.0.0.1"), 0}, false));
  f.run();
  const auto port = f.server->tcp_endpoint()->port();
  REQUIRE(port != 0);
  CHECK(raw_tcp(port, "GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .find("200 OK") != std::string::npos);
  const auto refused = raw_tcp(
      port, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
  CHECK(refused.find("403 Forbidden") != std::string::npos);
  CHECK(refused.find("use the unix socket") != std::string::npos);
}

TEST_CASE("a writable TCP listener accepts writes", "[api][io]") {
  Fixture f;
  REQUIRE(f.server->listen_tcp({asio::ip::make_address("127.0.0.1"), 0}, true));
  f.run();
  const auto out =
      raw_tcp(f.server->tcp_endpoint()->port(),
              "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
  CHECK(out.find("200 OK") != std::string::npos);
  CHECK(out.substr(out.size() - 2) == "hi");
}

TEST_CASE("keep-alive serves several requests on one connection", "[api][io]") {
  Fixture f;
  REQUIRE(f.server->listen_tcp({asio::ip::make_address("127.0.0.1"), 0}, false));
  f.run();
  const std::string one = "GET /status HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto out =
      raw_tcp(f.server->tcp_endpoint()->port(),
              one + one + "GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::size_t count = 0;
  for (auto pos = out.find("200 OK"); pos != std::string::npos; pos = out.find("200 OK", pos + 1))
    ++count;
  CHECK(count == 3);
}

TEST_CASE("an oversized body is refused with 413", "[api][io]") {
  ServerOptions small;
  small.max_body_bytes = 16;
  Fixture f(small);
  REQUIRE(f.server->listen_tcp({asio::ip::make_address("127.0.0.1"), 0}, true));
  f.run();
  const std::string body(100, 'x');
  const auto out = raw_tcp(f.server->tcp_endpoint()->port(),
                           "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + body);
  CHECK(out.find("413") != std::string::npos);
}

TEST_CASE("client says weftd is not running when the socket is missing", "[api][io]") {
  TempDir dir;
  ApiClient client(dir.path / "weftd.sock");
  auto r = client.request("GET", "/status");
  REQUIRE_FALSE(r);
  CHECK(r.error().is(weft::Errc::unavailable));
  CHECK(r.error().message() == "weftd is not running at " + (dir.path / "weftd.sock").string());
}

TEST_CASE("a large response arrives whole over several reads", "[api][io]") {
  Fixture f;
  std::string big(3u << 20, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i % 26);
  f.routes.add("GET", "/big", [&big](const HttpRequest&) { return HttpResponse::text(big); });
  REQUIRE(f.server->listen_unix(f.sock));
  f.run();
  auto r = ApiClient(f.sock).request("GET", "/big");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == big);
}

TEST_CASE("the client gives up at its deadline when nobody answers", "[api][io]") {
  // Listens but never accepts: connect succeeds (the backlog), the request is never read.
  BareListener l;
  const auto& sock = l.sock;
  const auto start = std::chrono::steady_clock::now();
  auto r = ApiClient(sock, std::chrono::milliseconds(300)).request("POST", "/echo", "{}");
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(r);
  CHECK(r.error().is(weft::Errc::timed_out));
  CHECK(r.error().message() ==
        "read response from weftd at " + sock.string() + " timed out after 300 ms");
  CHECK(took >= std::chrono::milliseconds(300));
  CHECK(took < std::chrono::seconds(10));  // bounded by the deadline, not stuck
}

TEST_CASE("the client's deadline covers a send the daemon never reads", "[api][io]") {
  // Never accepted: the request fills the socket buffers and the send waits. The whole
  // request keeps to one deadline, however many partial sends it takes.
  BareListener l;
  const auto start = std::chrono::steady_clock::now();
  auto r = ApiClient(l.sock, std::chrono::seconds(1))
               .request("POST", "/echo", std::string(8u << 20, 'z'));
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(r);
  CHECK(r.error().is(weft::Errc::timed_out));
  CHECK(r.error().message() ==
        "send request to weftd at " + l.sock.string() + " timed out after 1000 ms");
  CHECK(took >= std::chrono::seconds(1));
  // A timeout per send would take two (one partial send, then one that sends nothing).
  CHECK(took < std::chrono::milliseconds(1800));
}

TEST_CASE("a 413 reaches the client even while it is still sending", "[api][io]") {
  // weftd refuses the request from its headers and hangs up without reading the body; the
  // client's send then fails, and the answer waiting in its socket is what it reports.
  ServerOptions small;
  small.max_body_bytes = 16;
  Fixture f(small);
  REQUIRE(f.server->listen_unix(f.sock));
  f.run();
  auto r = ApiClient(f.sock).request("POST", "/echo", std::string(4u << 20, 'w'));
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(r->body.find("larger than 16 bytes") != std::string::npos);
}

TEST_CASE("a daemon that hangs up without answering is an error, not a crash", "[api][io]") {
  BareListener l;
  const auto& sock = l.sock;
  auto& acc = l.acc;
  std::thread closer([&acc] {
    for (int i = 0; i < 2; ++i) {
      asio::local::stream_protocol::socket s(acc.get_executor());
      acc.accept(s);
      s.close();  // before reading: the client's write may also see EPIPE, never SIGPIPE
    }
  });
  ApiClient client(sock, std::chrono::seconds(10));
  auto small = client.request("GET", "/status");
  auto large = client.request("POST", "/echo", std::string(4u << 20, 'y'));
  closer.join();
  for (const auto& r : {small, large}) {
    REQUIRE_FALSE(r);
    CHECK(r.error().is(weft::Errc::unavailable));
    CHECK(r.error().message().find("weftd at " + sock.string()) != std::string::npos);
  }
}

TEST_CASE("a stale socket file is replaced, a live one is refused", "[api][io]") {
  Fixture live;
  REQUIRE(live.server->listen_unix(live.sock));
  live.run();

  asio::io_context io2;
  ApiRoutes routes;
  ApiServer second(io2.get_executor(), routes);
  auto busy = second.listen_unix(live.sock);
  REQUIRE_FALSE(busy);
  CHECK(busy.error().is(weft::Errc::busy));
  CHECK(busy.error().message().find("already serving") != std::string::npos);

  // A socket file with nobody listening (its daemon died) is taken over.
  TempDir dir;
  const auto stale = dir.path / "stale.sock";
  {
    asio::io_context io3;
    asio::local::stream_protocol::acceptor acc(
        io3, asio::local::stream_protocol::endpoint(stale.string()));
  }  // closed, file left behind
  REQUIRE(std::filesystem::exists(stale));
  ApiServer third(io2.get_executor(), routes);
  CHECK(third.listen_unix(stale));

  // A regular file at the socket path is not ours to delete.
  const auto file = dir.path / "file.sock";
  std::ofstream(file) << "data";
  ApiServer fourth(io2.get_executor(), routes);
  auto refused = fourth.listen_unix(file);
  REQUIRE_FALSE(refused);
  CHECK(std::filesystem::exists(file));
}

TEST_CASE("stop closes listeners and removes the socket file", "[api][io]") {
  TempDir dir;
  ApiRoutes routes;
  asio::io_context io;
  ApiServer server(io.get_executor(), routes);
  const auto sock = dir.path / "weftd.sock";
  REQUIRE(server.listen_unix(sock));
  REQUIRE(std::filesystem::exists(sock));
  server.stop();
  io.run();  // returns: nothing is left listening
  CHECK_FALSE(std::filesystem::exists(sock));
}
