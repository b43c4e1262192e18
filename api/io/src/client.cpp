// SPDX-License-Identifier: Apache-2.0
#include "weft/api/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace weft::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using local = asio::local::stream_protocol;

ApiClient::ApiClient(std::filesystem::path socket_path, std::chrono::milliseconds timeout)
    : socket_path_(std::move(socket_path)), timeout_(timeout) {}

Result<HttpResponse> ApiClient::request(const std::string& method, const std::string& target,
                                        const std::string& body) const {
  const std::string where = socket_path_.string();
  asio::io_context io;
  beast::basic_stream<local> stream(io);
  stream.expires_after(timeout_);

  boost::system::error_code result_ec;
  std::string stage = "connect";
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "weftd");
  req.set(http::field::user_agent, "weft");
  req.keep_alive(false);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);

  // Callbacks chain connect -> write -> read; io.run() returns when the chain ends.
  stream.async_connect(local::endpoint(where), [&](boost::system::error_code ec) {
    if (ec) {
      result_ec = ec;
      return;
    }
    stage = "send request to";
    http::async_write(stream, req, [&](boost::system::error_code wec, std::size_t) {
      if (wec) {
        result_ec = wec;
        return;
      }
      stage = "read response from";
      http::async_read(stream, buffer, parser,
                       [&](boost::system::error_code rec, std::size_t) { result_ec = rec; });
    });
  });
  io.run();

  if (result_ec) {
    if (stage == "connect" &&
        (result_ec == asio::error::not_found || result_ec == asio::error::connection_refused ||
         result_ec == boost::system::errc::no_such_file_or_directory)) {
      return Error(Errc::unavailable, "weftd is not running at " + where);
    }
    if (result_ec == beast::error::timeout) {
      return Error(Errc::timed_out, stage + " weftd at " + where + " timed out after " +
                                        std::to_string(timeout_.count()) + " ms");
    }
    return Error(Errc::unavailable, stage + " weftd at " + where + ": " + result_ec.message());
  }
  auto res = parser.release();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  out.content_type = std::string(res[http::field::content_type]);
  out.body = std::move(res.body());
  return out;
}

}  // namespace weft::api
