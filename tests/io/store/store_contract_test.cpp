// SPDX-License-Identifier: Apache-2.0
// Runs the one Store contract suite against MemoryStore and SqliteStore.
#include "io/store/store_contract.hpp"

#include "weft/store/memory_store.hpp"
#include "weft/store/sqlite_store.hpp"

#include "io/store/temp_dir.hpp"

#include <catch2/catch.hpp>

namespace weft::store::test {
namespace {

TEST_CASE("Store contract: MemoryStore") {
  MemoryStore store;
  check_store_contract(store);
}

TEST_CASE("Store contract: SqliteStore") {
  const TempDir dir;
  auto store = SqliteStore::open(dir.path() / "weft.db");
  REQUIRE_OK(store);
  check_store_contract(**store);
}

TEST_CASE("Store contract: SqliteStore with synchronous=NORMAL") {
  const TempDir dir;
  SqliteOptions options;
  options.synchronous = Synchronous::normal;
  auto store = SqliteStore::open(dir.path() / "weft.db", options);
  REQUIRE_OK(store);
  check_store_contract(**store);
}

}  // namespace
}  // namespace weft::store::test
