// SPDX-License-Identifier: Apache-2.0
// HTTP routing for the daemon API, free of sockets: the io server parses a request,
// calls dispatch(), and writes back what it returns.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace weft::api {

struct HttpRequest {
  std::string method;  ///< "GET", "POST", ...
  std::string target;  ///< path with query, as received
  std::string body;
  bool writable = false;  ///< false on the read-only TCP listener

  /// Filled by dispatch(): `{name}` path segments and the query parameters.
  std::map<std::string, std::string> params;
  std::map<std::string, std::string> query;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;

  static HttpResponse text(std::string body, int status = 200);
  static HttpResponse json(std::string body, int status = 200);
  /// A JSON error object {"error": message}; message says what failed and what to do.
  static HttpResponse error(int status, std::string message);
};

/// Route table. Paths are literal segments or `{name}` captures, e.g. "/ip/{id}".
/// GET and HEAD are reads; every other method is a write and is refused with 403 on a
/// read-only listener.
class ApiRoutes {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  /// Answers exactly once through the Reply, now or later (on the same executor), for
  /// requests that wait: an allocation waiting for space, a commit to disk.
  using Reply = std::function<void(HttpResponse)>;
  using AsyncHandler = std::function<void(const HttpRequest&, Reply)>;

  void add(std::string method, std::string pattern, Handler handler);
  void add_async(std::string method, std::string pattern, AsyncHandler handler);
  /// Routes the request; `reply` runs once, possibly after this returns.
  void dispatch_async(HttpRequest request, Reply reply) const;
  /// dispatch_async for callers that need the answer now (tests); an asynchronous handler
  /// that has not answered by the time it returns gives a 500.
  [[nodiscard]] HttpResponse dispatch(HttpRequest request) const;

  /// The hint a read-only listener gives when it refuses a write.
  void set_read_only_hint(std::string hint) { read_only_hint_ = std::move(hint); }

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;  ///< one of the two is set
    AsyncHandler async_handler;
  };
  std::vector<Route> routes_;
  std::string read_only_hint_;
};

/// Decodes %XX and '+' in a query component; invalid escapes are kept as they are.
std::string url_decode(std::string_view s);
/// Encodes a query component: everything but letters, digits and "-_.~" as %XX.
std::string url_encode(std::string_view s);

}  // namespace weft::api
