// SPDX-License-Identifier: Apache-2.0
#include "weft/api/routes.hpp"

#include <catch2/catch.hpp>

using namespace weft::api;

namespace {
HttpRequest req(std::string method, std::string target, bool writable = true) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.writable = writable;
  return r;
}

ApiRoutes sample_routes() {
  ApiRoutes routes;
  routes.set_read_only_hint("use the unix socket");
  routes.add("GET", "/status", [](const HttpRequest&) { return HttpResponse::text("up\n"); });
  routes.add("GET", "/ip/{id}", [](const HttpRequest& r) {
    return HttpResponse::text(r.params.at("id") + "|" +
                              (r.query.count("x") ? r.query.at("x") : std::string("-")));
  });
  routes.add("POST", "/ip/{id}",
             [](const HttpRequest& r) { return HttpResponse::text("made " + r.params.at("id")); });
  return routes;
}
}  // namespace

TEST_CASE("routes match literal paths and captures", "[api][routes]") {
  const auto routes = sample_routes();
  CHECK(routes.dispatch(req("GET", "/status")).body == "up\n");
  CHECK(routes.dispatch(req("GET", "/status/")).body == "up\n");
  CHECK(routes.dispatch(req("GET", "/ip/abc")).body == "abc|-");
  CHECK(routes.dispatch(req("GET", "/ip/a%20b?x=1+2&y")).body == "a b|1 2");
  CHECK(routes.dispatch(req("POST", "/ip/c1")).body == "made c1");
}

TEST_CASE("unknown paths are 404 and wrong methods 405", "[api][routes]") {
  const auto routes = sample_routes();
  auto r = routes.dispatch(req("GET", "/nope"));
  CHECK(r.status == 404);
  CHECK(r.body.find("/nope") != std::string::npos);
  CHECK(routes.dispatch(req("DELETE", "/status")).status == 405);
  CHECK(routes.dispatch(req("GET", "/ip/a/b")).status == 404);
}

TEST_CASE("a read-only listener refuses writes with the hint, but serves reads", "[api][routes]") {
  const auto routes = sample_routes();
  auto r = routes.dispatch(req("POST", "/ip/c1", false));
  CHECK(r.status == 403);
  CHECK(r.body.find("read-only: use the unix socket") != std::string::npos);
  CHECK(routes.dispatch(req("GET", "/ip/c1", false)).status == 200);
  CHECK(routes.dispatch(req("POST", "/status", false)).status == 403);
  CHECK(routes.dispatch(req("DELETE", "/nope", false)).status == 403);
  CHECK(routes.dispatch(req("HEAD", "/status", false)).status == 200);
}

TEST_CASE("error bodies are valid JSON even with quotes in the message", "[api][routes]") {
  auto r = HttpResponse::error(400, "bad \"id\"\n");
  CHECK(r.content_type == "application/json");
  CHECK(r.body == "{\"error\": \"bad \\\"id\\\" \"}\n");
}

TEST_CASE("url_encode escapes all but unreserved bytes; url_decode undoes it", "[api][routes]") {
  CHECK(weft::api::url_encode("cnitool-ab12/eth0 x&y=z~.") == "cnitool-ab12%2Feth0%20x%26y%3Dz~.");
  const std::string all = [] {
    std::string s;
    for (int c = 0; c < 256; ++c) s += static_cast<char>(c);
    return s;
  }();
  CHECK(url_decode(weft::api::url_encode(all)) == all);
}

TEST_CASE("url_decode keeps invalid escapes", "[api][routes]") {
  CHECK(url_decode("%41%zz%4") == "A%zz%4");
  CHECK(url_decode("%") == "%");
  CHECK(url_decode("a+b") == "a b");
}
