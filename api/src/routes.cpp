// SPDX-License-Identifier: Apache-2.0
#include "weft/api/routes.hpp"

#include <optional>

namespace weft::api {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    std::size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    std::size_t eq = part.find('=');
    if (!part.empty()) {
      out[url_decode(part.substr(0, eq))] =
          eq == std::string_view::npos ? "" : url_decode(part.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

bool is_read(const std::string& method) {
  return method == "GET" || method == "HEAD";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

HttpResponse HttpResponse::text(std::string body, int status) {
  return {status, "text/plain; charset=utf-8", std::move(body)};
}

HttpResponse HttpResponse::json(std::string body, int status) {
  return {status, "application/json", std::move(body)};
}

HttpResponse HttpResponse::error(int status, std::string message) {
  std::string escaped;
  for (char c : message) {
    if (c == '"' || c == '\\') {
      escaped += '\\';
      escaped += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      escaped += ' ';
    } else {
      escaped += c;
    }
  }
  return json("{\"error\": \"" + escaped + "\"}\n", status);
}

void ApiRoutes::add(std::string method, std::string pattern, Handler handler) {
  routes_.push_back({std::move(method), split_path(pattern), std::move(handler), nullptr});
}

void ApiRoutes::add_async(std::string method, std::string pattern, AsyncHandler handler) {
  routes_.push_back({std::move(method), split_path(pattern), nullptr, std::move(handler)});
}

HttpResponse ApiRoutes::dispatch(HttpRequest request) const {
  std::optional<HttpResponse> answer;
  dispatch_async(std::move(request), [&answer](HttpResponse r) { answer = std::move(r); });
  if (answer) return std::move(*answer);
  return HttpResponse::error(500, "internal error: the handler answers later; use dispatch_async");
}

void ApiRoutes::dispatch_async(HttpRequest request, Reply reply) const {
  std::string_view target = request.target;
  std::size_t qpos = target.find('?');
  std::string_view path = target.substr(0, qpos);
  if (qpos != std::string_view::npos) request.query = parse_query(target.substr(qpos + 1));
  const auto segments = split_path(path);
  // A read-only listener refuses every write, whatever the path: it never reveals which
  // write endpoints exist and never runs one.
  if (!is_read(request.method) && !request.writable) {
    return reply(
        HttpResponse::error(403, "this API listener is read-only" +
                                     (read_only_hint_.empty() ? "" : ": " + read_only_hint_)));
  }

  bool path_matched = false;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool match = true;
    for (std::size_t i = 0; i < segments.size() && match; ++i) {
      const auto& pat = route.segments[i];
      if (pat.size() >= 2 && pat.front() == '{' && pat.back() == '}') {
        params[pat.substr(1, pat.size() - 2)] = url_decode(segments[i]);
      } else {
        match = pat == segments[i];
      }
    }
    if (!match) continue;
    path_matched = true;
    if (route.method != request.method && !(request.method == "HEAD" && route.method == "GET")) {
      continue;
    }
    request.params = std::move(params);
    if (route.async_handler) return route.async_handler(request, std::move(reply));
    return reply(route.handler(request));
  }
  if (path_matched) {
    return reply(HttpResponse::error(
        405, "method " + request.method + " is not allowed on " + std::string(path)));
  }
  reply(HttpResponse::error(404,
                            "no such API endpoint: " + std::string(path) + " (see docs/api.md)"));
}

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
        ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 0xf];
    }
  }
  return out;
}

}  // namespace weft::api
