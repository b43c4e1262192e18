// SPDX-License-Identifier: Apache-2.0
// What the DNS io tests share: a fake upstream DNS server on loopback (UDP and TCP on one
// port), queries and replies as bytes, and running the one io_context until something
// happened. Everything runs on the test's thread, like the daemon's single io_context.
#pragma once

#include "weft/dns/wire.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace weft::dns::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

/// Runs handlers until `done()` or `limit` passed; returns done().
template <class Done>
bool run_until(asio::io_context& io, Done done, std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    if (io.run_one_for(10ms) == 0) std::this_thread::sleep_for(1ms);
  }
  return done();
}

/// Runs handlers for `d` (e.g. to see that nothing more happens).
inline void run_for(asio::io_context& io, std::chrono::milliseconds d) {
  (void)run_until(
      io, [] { return false; }, d);
}

inline Bytes query_bytes(std::uint16_t id, std::string_view name, RrType type = RrType::a,
                         bool edns = false) {
  Message m;
  m.header.id = id;
  m.header.rd = true;
  m.questions.push_back({*Name::parse(name), type, RrClass::in});
  if (edns) m.edns.emplace();
  return *encode_message(m);
}

inline const IpAddress kUpstreamAnswer = IpAddress::v4(198, 51, 100, 7);

/// A DNS server on 127.0.0.1 that answers every A question with kUpstreamAnswer (TTL 300), or
/// misbehaves as `mode` says; it counts what it gets.
class FakeUpstream {
 public:
  enum class Mode {
    answer,          ///< NOERROR with the address
    silent,          ///< never answers
    servfail,        ///< SERVFAIL
    wrong_question,  ///< an answer to another name (a resolver must ignore it)
    truncate_udp,    ///< over UDP an empty answer with TC; over TCP the full one
  };

  explicit FakeUpstream(asio::io_context& io, Mode m = Mode::answer) : mode(m), udp_(io), tcp_(io) {
    // The same port for both, as DNS clients expect after TC.
    for (int attempt = 0; attempt < 20; ++attempt) {
      udp_ = asio::ip::udp::socket(io, {asio::ip::make_address_v4("127.0.0.1"), 0});
      boost::system::error_code ec;
      tcp_ = asio::ip::tcp::acceptor(io);
      tcp_.open(asio::ip::tcp::v4());
      tcp_.bind({asio::ip::make_address_v4("127.0.0.1"), udp_.local_endpoint().port()}, ec);
      if (!ec) break;
      tcp_.close();
    }
    tcp_.listen();
    receive();
    accept();
  }

  [[nodiscard]] std::uint16_t port() const { return udp_.local_endpoint().port(); }
  [[nodiscard]] std::string address() const { return "127.0.0.1:" + std::to_string(port()); }

  Mode mode;
  std::size_t udp_queries = 0, tcp_queries = 0;
  std::vector<Message> seen;  ///< every query received, parsed

 private:
  std::optional<Bytes> respond(std::span<const std::uint8_t> bytes, bool tcp) {
    auto query = parse_message(bytes);
    if (!query || query->questions.size() != 1) return std::nullopt;
    seen.push_back(*query);
    if (mode == Mode::silent) return std::nullopt;
    Message r = *query;
    r.header.qr = true;
    r.header.ra = true;
    r.edns.reset();
    if (mode == Mode::servfail) {
      r.set_rcode(Rcode::servfail);
    } else if (mode == Mode::truncate_udp && !tcp) {
      r.header.tc = true;
    } else {
      if (mode == Mode::wrong_question) r.questions[0].name = *Name::parse("other.example.");
      r.answers.push_back({r.questions[0].name, RrClass::in, 300, AddressRecord{kUpstreamAnswer}});
    }
    return *encode_message(r);
  }

  void receive() {
    udp_.async_receive_from(asio::buffer(buf_), from_,
                            [this](boost::system::error_code ec, std::size_t n) {
                              if (ec) return;
                              ++udp_queries;
                              if (auto reply = respond({buf_.data(), n}, false)) {
                                boost::system::error_code ignored;
                                udp_.send_to(asio::buffer(*reply), from_, 0, ignored);
                              }
                              receive();
                            });
  }

  // One query per connection is all c-ares needs after TC.
  void accept() {
    tcp_.async_accept([this](boost::system::error_code ec, asio::ip::tcp::socket s) {
      if (ec) return;
      auto sock = std::make_shared<asio::ip::tcp::socket>(std::move(s));
      auto len = std::make_shared<std::array<std::uint8_t, 2>>();
      asio::async_read(
          *sock, asio::buffer(*len), [this, sock, len](boost::system::error_code e, std::size_t) {
            if (e) return;
            auto msg =
                std::make_shared<Bytes>(static_cast<std::size_t>((*len)[0] << 8 | (*len)[1]));
            asio::async_read(
                *sock, asio::buffer(*msg),
                [this, sock, msg](boost::system::error_code e2, std::size_t) {
                  if (e2) return;
                  ++tcp_queries;
                  if (auto reply = respond(*msg, true)) {
                    // Prefix inserted at the front: appending to a 2-byte
                    // vector trips g++ 12's -Warray-bounds false positive at -O2.
                    auto out = std::make_shared<Bytes>(std::move(*reply));
                    const std::uint8_t prefix[] = {static_cast<std::uint8_t>(out->size() >> 8),
                                                   static_cast<std::uint8_t>(out->size())};
                    out->insert(out->begin(), std::begin(prefix), std::end(prefix));
                    asio::async_write(*sock, asio::buffer(*out),
                                      [sock, out](boost::system::error_code, std::size_t) {});
                  }
                });
          });
      accept();
    });
  }

  asio::ip::udp::socket udp_;
  asio::ip::tcp::acceptor tcp_;
  std::array<std::uint8_t, 4096> buf_{};
  asio::ip::udp::endpoint from_;
};

}  // namespace weft::dns::test
