// SPDX-License-Identifier: Apache-2.0
// The Error/Result helpers and log::parse_level that every module builds on.
#include "weft/base/error.hpp"

#include "weft/base/log.hpp"
#include "weft/base/result.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace {
weft::Result<int> half(int v) {
  if (v % 2 != 0) return weft::Error(weft::Errc::invalid_argument, std::to_string(v) + " is odd");
  return v / 2;
}
}  // namespace

TEST_CASE("Error carries a code and a message, and wrap prepends context", "[error]") {
  const weft::Error e(weft::Errc::not_found, "no such peer");
  CHECK(e.is(weft::Errc::not_found));
  CHECK_FALSE(e.is(weft::Errc::busy));
  CHECK(e.message() == "no such peer");
  CHECK(e.code().category().name() == std::string("weft"));
  CHECK(e.code().message() == "not found");
  const auto w = e.wrap("forget 10.0.0.1");
  CHECK(w.message() == "forget 10.0.0.1: no such peer");
  CHECK(w.is(weft::Errc::not_found));  // the code survives wrapping
  CHECK(w.wrap("weft forget").message() == "weft forget: forget 10.0.0.1: no such peer");
}

TEST_CASE("Errc converts to an error_code of the weft category", "[error]") {
  boost::system::error_code ec = weft::Errc::timed_out;
  CHECK(ec == weft::make_error_code(weft::Errc::timed_out));
  CHECK(ec.message() == "timed out");
  CHECK(weft::make_error_code(weft::Errc::internal).message() == "internal error");
  CHECK(weft::weft_category().message(9999) == "unknown weft error");
}

TEST_CASE("errno_error appends strerror and keeps the errno", "[error]") {
  const auto e = weft::errno_error(ENOENT, "open /var/lib/weft/weft.db");
  CHECK(e.message() == std::string("open /var/lib/weft/weft.db: ") + std::strerror(ENOENT));
  CHECK(e.code().value() == ENOENT);
  CHECK(e.code().category() == boost::system::system_category());
  CHECK_FALSE(e.is(weft::Errc::io_error));
}

TEST_CASE("Result holds a value or an Error", "[error]") {
  const auto good = half(8);
  REQUIRE(good);
  CHECK(*good == 4);
  const auto bad = half(3);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().is(weft::Errc::invalid_argument));
  CHECK(bad.error().message() == "3 is odd");
  // value() on an error throws (core code never calls it; tools may).
  CHECK_THROWS_AS(bad.value(), std::runtime_error);
  const weft::Result<void> done = weft::ok();
  CHECK(done);
  const weft::Result<void> failed = weft::Error(weft::Errc::busy, "locked");
  CHECK_FALSE(failed);
}

TEST_CASE("log::parse_level accepts exactly the documented names", "[error][log]") {
  using weft::log::Level;
  const std::pair<const char*, Level> good[] = {{"trace", Level::trace}, {"debug", Level::debug},
                                                {"info", Level::info},   {"warn", Level::warn},
                                                {"error", Level::error}, {"off", Level::off}};
  for (const auto& [name, level] : good) {
    INFO(name);
    const auto r = weft::log::parse_level(name);
    REQUIRE(r);
    CHECK(*r == level);
    CHECK(weft::log::to_string(level) == name);
  }
  for (const char* bad : {"", "INFO", "warning", "info ", "verbose"}) {
    INFO(bad);
    const auto r = weft::log::parse_level(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().is(weft::Errc::invalid_argument));
    CHECK(r.error().message().find("use one of trace, debug, info, warn, error, off") !=
          std::string::npos);
  }
}
