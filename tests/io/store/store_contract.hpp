// SPDX-License-Identifier: Apache-2.0
// The Store contract: one suite of SECTIONs that every Store implementation must pass.
#pragma once

#include "weft/store/store.hpp"

#include "unit/store/require_ok.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

namespace weft::store::test {

inline std::optional<std::string> value_of(Store& store, std::string_view ns,
                                           std::string_view key) {
  auto r = store.get(ns, key);
  REQUIRE_OK(r);
  return *r;
}

inline std::vector<std::string> keys_of(Store& store, std::string_view ns) {
  auto r = store.list(ns);
  REQUIRE_OK(r);
  std::vector<std::string> keys;
  for (const Entry& e : *r) keys.push_back(e.key);
  return keys;
}

/// Call from a TEST_CASE with a fresh, empty store; Catch2 reruns the test case once per
/// SECTION, so every section starts from a new store.
inline void check_store_contract(Store& store) {
  using Strings = std::vector<std::string>;

  SECTION("a missing key reads as nullopt and an unknown namespace lists empty") {
    CHECK(value_of(store, "ns", "k") == std::nullopt);
    CHECK(keys_of(store, "ns").empty());
  }

  SECTION("put then get; put again replaces") {
    REQUIRE_OK(store.put("ns", "k", "v1"));
    CHECK(value_of(store, "ns", "k") == "v1");
    REQUIRE_OK(store.put("ns", "k", "v2"));
    CHECK(value_of(store, "ns", "k") == "v2");
    CHECK(keys_of(store, "ns") == Strings{"k"});
  }

  SECTION("an empty value is present, not absent") {
    REQUIRE_OK(store.put("ns", "k", ""));
    CHECK(value_of(store, "ns", "k") == std::optional<std::string>(""));
  }

  SECTION("values are bytes: all 256 byte values and a 1 MiB value round-trip") {
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
    std::string big(1 << 20, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
    REQUIRE_OK(store.put("ns", "bytes", bytes));
    REQUIRE_OK(store.put("ns", "big", big));
    CHECK(value_of(store, "ns", "bytes") == bytes);
    CHECK(value_of(store, "ns", "big") == big);
  }

  SECTION("erase removes a key; erasing a missing key succeeds") {
    REQUIRE_OK(store.put("ns", "a", "1"));
    REQUIRE_OK(store.put("ns", "b", "2"));
    REQUIRE_OK(store.erase("ns", "a"));
    CHECK(value_of(store, "ns", "a") == std::nullopt);
    CHECK(value_of(store, "ns", "b") == "2");
    REQUIRE_OK(store.erase("ns", "a"));
    REQUIRE_OK(store.erase("nowhere", "x"));
  }

  SECTION("namespaces are separate, also when one is a prefix of another") {
    REQUIRE_OK(store.put("a", "k", "in a"));
    REQUIRE_OK(store.put("ab", "k", "in ab"));
    REQUIRE_OK(store.put("ab", "k2", "in ab"));
    CHECK(value_of(store, "a", "k") == "in a");
    CHECK(value_of(store, "ab", "k") == "in ab");
    CHECK(keys_of(store, "a") == Strings{"k"});
    CHECK(keys_of(store, "ab") == Strings{"k", "k2"});
    REQUIRE_OK(store.erase("a", "k"));
    CHECK(value_of(store, "ab", "k") == "in ab");
  }

  SECTION("list returns entries with values, sorted by key bytes") {
    // "\xc3\xa9" (é) sorts after ASCII, "B" before "a", "a" before "aa": byte order.
    const Strings keys{"b", "a", "\xc3\xa9", "aa", "B", "", "10", "9"};
    for (const auto& k : keys) REQUIRE_OK(store.put("ns", k, "v" + k));
    REQUIRE_OK(store.put("other", "0", "x"));
    auto entries = store.list("ns");
    REQUIRE_OK(entries);
    const Strings expected{"", "10", "9", "B", "a", "aa", "b", "\xc3\xa9"};
    REQUIRE(entries->size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      CHECK((*entries)[i] == Entry{expected[i], "v" + expected[i]});
    }
  }

  SECTION("erase_namespace removes every key of that namespace only") {
    REQUIRE_OK(store.put("ns", "a", "1"));
    REQUIRE_OK(store.put("ns", "b", "2"));
    REQUIRE_OK(store.put("keep", "a", "3"));
    Batch batch;
    batch.erase_namespace("ns");
    REQUIRE_OK(store.apply(batch));
    CHECK(keys_of(store, "ns").empty());
    CHECK(value_of(store, "keep", "a") == "3");
  }

  SECTION("a batch applies its ops in order") {
    REQUIRE_OK(store.put("ns", "old", "x"));
    Batch batch;
    batch.put("ns", "a", "1").erase("ns", "a");       // put then erase: gone
    batch.put("ns", "b", "1").put("ns", "b", "2");    // last put wins
    batch.erase_namespace("ns").put("ns", "c", "3");  // wipe then write: only c
    batch.erase_namespace("gone").put("other", "d", "4");
    REQUIRE_OK(store.apply(batch));
    CHECK(keys_of(store, "ns") == Strings{"c"});
    CHECK(value_of(store, "ns", "c") == "3");
    CHECK(value_of(store, "other", "d") == "4");

    Batch erase_then_put;
    erase_then_put.erase("ns", "c").put("ns", "c", "again");
    REQUIRE_OK(store.apply(erase_then_put));
    CHECK(value_of(store, "ns", "c") == "again");
  }

  SECTION("an empty batch succeeds and changes nothing") {
    REQUIRE_OK(store.put("ns", "k", "v"));
    REQUIRE_OK(store.apply(Batch{}));
    CHECK(keys_of(store, "ns") == Strings{"k"});
  }

  SECTION("a batch with an invalid name fails as a whole with invalid_argument") {
    REQUIRE_OK(store.put("ns", "keep", "v"));
    Batch batch;
    batch.put("ns", "fine", "1").erase_namespace("ns").put("ns", std::string("a\0b", 3), "2");
    auto r = store.apply(batch);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().is(Errc::invalid_argument));
    CHECK(keys_of(store, "ns") == Strings{"keep"});
  }

  SECTION("get and list reject a NUL in a name") {
    auto g = store.get("ns", std::string(1, '\0'));
    REQUIRE_FALSE(g.has_value());
    CHECK(g.error().is(Errc::invalid_argument));
    auto l = store.list(std::string(1, '\0'));
    REQUIRE_FALSE(l.has_value());
    CHECK(l.error().is(Errc::invalid_argument));
  }
}

}  // namespace weft::store::test
