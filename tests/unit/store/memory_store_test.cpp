// SPDX-License-Identifier: Apache-2.0
// MemoryStore specifics: failure injection and the apply counter. The semantics it shares with
// SqliteStore are checked by the contract suite in tests/io/store/store_contract.hpp.
#include "weft/store/memory_store.hpp"

#include "unit/store/require_ok.hpp"

#include <catch2/catch.hpp>

namespace weft::store {
namespace {

TEST_CASE("MemoryStore: fail_next_apply fails one apply and changes nothing") {
  MemoryStore store;
  REQUIRE_OK(store.put("ns", "a", "1"));
  store.fail_next_apply(Error(Errc::io_error, "disk full (injected)"));

  Batch batch;
  batch.put("ns", "a", "2").put("ns", "b", "3").erase_namespace("other");
  auto failed = store.apply(batch);
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().is(Errc::io_error));
  CHECK(failed.error().message() == "disk full (injected)");

  auto a = store.get("ns", "a");
  REQUIRE_OK(a);
  CHECK(*a == std::optional<std::string>("1"));
  auto entries = store.list("ns");
  REQUIRE_OK(entries);
  CHECK(entries->size() == 1);

  // The failure is used up: the same batch now succeeds.
  REQUIRE_OK(store.apply(batch));
  auto b = store.get("ns", "b");
  REQUIRE_OK(b);
  CHECK(*b == std::optional<std::string>("3"));
}

TEST_CASE("MemoryStore: fail_next_apply also fails an empty batch") {
  MemoryStore store;
  store.fail_next_apply(Error(Errc::busy, "locked"));
  auto r = store.apply(Batch{});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().is(Errc::busy));
  CHECK(store.apply(Batch{}).has_value());
}

TEST_CASE("MemoryStore: the helpers put and erase fail on an injected failure too") {
  MemoryStore store;
  store.fail_next_apply(Error(Errc::io_error, "x"));
  CHECK_FALSE(store.put("ns", "k", "v").has_value());
  auto v = store.get("ns", "k");
  REQUIRE_OK(v);
  CHECK_FALSE(v->has_value());
}

TEST_CASE("MemoryStore: apply_count counts successful applies only") {
  MemoryStore store;
  CHECK(store.apply_count() == 0);
  REQUIRE_OK(store.put("ns", "k", "v"));
  REQUIRE_OK(store.erase("ns", "k"));
  CHECK(store.apply_count() == 2);
  store.fail_next_apply(Error(Errc::io_error, "x"));
  CHECK_FALSE(store.put("ns", "k", "v").has_value());
  Batch invalid;
  invalid.put("ns", std::string(1, '\0'), "v");
  CHECK_FALSE(store.apply(invalid).has_value());
  CHECK(store.apply_count() == 2);
}

TEST_CASE("MemoryStore: erasing the last key of a namespace leaves an empty list") {
  MemoryStore store;
  REQUIRE_OK(store.put("ns", "k", "v"));
  REQUIRE_OK(store.erase("ns", "k"));
  auto entries = store.list("ns");
  REQUIRE_OK(entries);
  CHECK(entries->empty());
}

}  // namespace
}  // namespace weft::store
