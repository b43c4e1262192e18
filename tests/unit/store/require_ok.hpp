// SPDX-License-Identifier: Apache-2.0
// REQUIRE_OK / CHECK_OK: Catch2 checks on a weft::Result that print the error message.
#pragma once

#include "weft/base/result.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace weft::test {

template <class T>
std::string describe(const Result<T>& r) {
  return r.has_value() ? std::string("ok") : "error: " + r.error().message();
}

}  // namespace weft::test

// The argument is evaluated once (it is often the call under test, e.g. store.put(...)).
#define REQUIRE_OK(result)                      \
  do {                                          \
    const auto& weft_result_ = (result);        \
    INFO(::weft::test::describe(weft_result_)); \
    REQUIRE(weft_result_.has_value());          \
  } while (false)

#define CHECK_OK(result)                        \
  do {                                          \
    const auto& weft_result_ = (result);        \
    INFO(::weft::test::describe(weft_result_)); \
    CHECK(weft_result_.has_value());            \
  } while (false)
