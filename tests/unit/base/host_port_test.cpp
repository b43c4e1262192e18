// SPDX-License-Identifier: Apache-2.0
#include "weft/base/host_port.hpp"

#include <catch2/catch.hpp>

using namespace weft;

namespace {
std::string show(std::string_view text) {
  auto r = parse_host_port(text);
  if (!r) return "error: " + r.error().message();
  return r->host.to_string() + (r->port ? " port " + std::to_string(*r->port) : " no port");
}
}  // namespace

TEST_CASE("host and port in the forms flags use", "[host_port]") {
  CHECK(show("198.18.0.2") == "198.18.0.2 no port");
  CHECK(show("198.18.0.2:6783") == "198.18.0.2 port 6783");
  CHECK(show("[fd00::2]:53") == "fd00::2 port 53");
  CHECK(show("[fd00::2]") == "fd00::2 no port");
  CHECK(show("fd00::2") == "fd00::2 no port");  // bare IPv6: every colon is the address's
  CHECK(show("::1") == "::1 no port");
  CHECK(show("1.2.3.4:65535") == "1.2.3.4 port 65535");
  CHECK(show("1.2.3.4:1") == "1.2.3.4 port 1");
}

TEST_CASE("host and port refusals say what is wrong", "[host_port]") {
  for (const char* bad_port : {"1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:99999999999",
                               "1.2.3.4:-1", "1.2.3.4:53x", "1.2.3.4: 53", "[::1]:", "[::1]:0"}) {
    INFO(bad_port);
    CHECK_THAT(show(bad_port), Catch::StartsWith("error: the port must be 1..65535"));
  }
  CHECK(show("[::1") == "error: no closing ]");
  CHECK(show("[::1]53") == "error: expected :PORT after ]");
  CHECK_THAT(show(""), Catch::StartsWith("error: "));
  CHECK_THAT(show("host.example:53"), Catch::StartsWith("error: "));  // names are not resolved
  CHECK_THAT(show("1.2.3:53"), Catch::StartsWith("error: "));
  CHECK_THAT(show("[1.2.3.4]x"), Catch::StartsWith("error: expected :PORT"));
}
