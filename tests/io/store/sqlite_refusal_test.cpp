// SPDX-License-Identifier: Apache-2.0
// SqliteStore refuses files it must not use (not a database, corrupt, newer schema, somebody
// else's database, a directory in the way) with a clear error, and leaves them as they are.
#include "weft/store/sqlite_store.hpp"

#include "io/store/file_bytes.hpp"
#include "io/store/raw_sqlite.hpp"
#include "io/store/temp_dir.hpp"
#include "unit/store/require_ok.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <set>
#include <string>

namespace weft::store::test {
namespace {

using Catch::Contains;

std::set<std::string> names_in(const std::filesystem::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

// A closed database of several pages (WAL checkpointed into the main file on close).
void make_database(const std::filesystem::path& file) {
  auto store = SqliteStore::open(file);
  REQUIRE_OK(store);
  Batch batch;
  for (int i = 0; i < 300; ++i) batch.put("ns", "key" + std::to_string(i), std::string(200, 'v'));
  REQUIRE_OK((*store)->apply(batch));
}

// Opens `file`, expects Errc::corrupt with the path and the --reset-data advice, and checks
// that the file's bytes and the directory's contents are unchanged.
void expect_refused_as_corrupt(const std::filesystem::path& file) {
  const std::string before = read_bytes(file);
  const auto files_before = names_in(file.parent_path());
  auto store = SqliteStore::open(file);
  REQUIRE_FALSE(store.has_value());
  INFO(store.error().message());
  CHECK(store.error().is(Errc::corrupt));
  CHECK_THAT(store.error().message(), Contains(file.string()));
  CHECK_THAT(store.error().message(), Contains("--reset-data"));
  CHECK_THAT(store.error().message(), Contains("kept as it is"));
  CHECK(read_bytes(file) == before);
  CHECK(names_in(file.parent_path()) == files_before);
}

TEST_CASE("SqliteStore: a file of random bytes is refused as corrupt and left unchanged") {
  const TempDir dir;
  const auto file = dir.path() / "weft.db";
  std::mt19937 rng(42);
  std::string bytes(64 * 1024, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
  write_bytes(file, bytes);
  expect_refused_as_corrupt(file);
}

TEST_CASE("SqliteStore: a truncated database is refused as corrupt") {
  const TempDir dir;
  const auto file = dir.path() / "weft.db";
  make_database(file);
  const auto size = std::filesystem::file_size(file);
  REQUIRE(size >= 8 * 4096);
  std::filesystem::resize_file(file, size / 2);
  expect_refused_as_corrupt(file);
}

TEST_CASE("SqliteStore: a database with a garbled page is refused as corrupt") {
  const TempDir dir;
  const auto file = dir.path() / "weft.db";
  make_database(file);
  std::size_t page_size = 0;
  std::size_t root = 0;
  {
    RawDb raw(file);
    page_size = std::stoul(raw.text("PRAGMA page_size"));
    root = std::stoul(raw.text("SELECT rootpage FROM sqlite_master WHERE name = 'kv'"));
  }
  REQUIRE(root >= 2);
  std::string bytes = read_bytes(file);
  REQUIRE(bytes.size() >= root * page_size);
  // Overwrite the table's root page; the header (page 1) stays valid, so SQLite opens the
  // file and only the integrity check can tell.
  for (std::size_t i = (root - 1) * page_size; i < root * page_size; ++i) {
    bytes[i] = static_cast<char>(0xa5 ^ (i & 0x3f));
  }
  write_bytes(file, bytes);
  expect_refused_as_corrupt(file);
}

TEST_CASE("SqliteStore: a directory at the database path gives a clear io_error") {
  const TempDir dir;
  const auto file = dir.path() / "weft.db";
  std::filesystem::create_directory(file);
  auto store = SqliteStore::open(file);
  REQUIRE_FALSE(store.has_value());
  INFO(store.error().message());
  CHECK(store.error().is(Errc::io_error));
  CHECK_THAT(store.error().message(), Contains(file.string()));
  CHECK_THAT(store.error().message(), Contains("directory"));
  CHECK(std::filesystem::is_directory(file));

  SECTION("reset does not remove a directory either") {
    SqliteOptions options;
    options.reset = true;
    auto reset = SqliteStore::open(file, options);
    REQUIRE_FALSE(reset.has_value());
    CHECK(reset.error().is(Errc::io_error));
    CHECK(std::filesystem::is_directory(file));
  }
}

TEST_CASE("SqliteStore: a regular file where the data dir should be gives a clear io_error") {
  const TempDir dir;
  write_bytes(dir.path() / "data", "not a dir");
  const auto file = dir.path() / "data" / "weft.db";
  auto store = SqliteStore::open(file);
  REQUIRE_FALSE(store.has_value());
  INFO(store.error().message());
  CHECK(store.error().is(Errc::io_error));
  CHECK_THAT(store.error().message(), Contains((dir.path() / "data").string()));
  CHECK(read_bytes(dir.path() / "data") == "not a dir");
}

TEST_CASE("SqliteStore: a schema newer than this build is refused and left unchanged") {
  const TempDir dir;
  const auto file = dir.path() / "weft.db";
  make_database(file);
  const int newer = SqliteStore::latest_schema_version() + 6;
  RawDb(file).exec("PRAGMA user_version = " + std::to_string(newer));
  const std::string before = read_bytes(file);

  auto store = SqliteStore::open(file);
  REQUIRE_FALSE(store.has_value());
  INFO(store.error().message());
  CHECK(store.error().is(Errc::unsupported));
  CHECK_THAT(store.error().message(), Contains(file.string()));
  CHECK_THAT(store.error().message(), Contains("schema version " + std::to_string(newer)));
  CHECK_THAT(store.error().message(),
             Contains("knows up to " + std::to_string(SqliteStore::latest_schema_version())));
  CHECK_THAT(store.error().message(), Contains("upgrade weftd"));
  CHECK(read_bytes(file) == before);
  CHECK(RawDb(file).text("PRAGMA user_version") == std::to_string(newer));
}

TEST_CASE("SqliteStore: another program's SQLite database is refused, not migrated") {
  const TempDir dir;
  const auto file = dir.path() / "weft.db";
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE t (x); INSERT INTO t VALUES (1);", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  const std::string before = read_bytes(file);
  auto store = SqliteStore::open(file);
  REQUIRE_FALSE(store.has_value());
  INFO(store.error().message());
  CHECK(store.error().is(Errc::unsupported));
  CHECK_THAT(store.error().message(), Contains(file.string()));
  CHECK(read_bytes(file) == before);
}

TEST_CASE("SqliteStore: an empty existing file is a fresh database") {
  const TempDir dir;
  const auto file = dir.path() / "weft.db";
  write_bytes(file, "");
  auto store = SqliteStore::open(file);
  REQUIRE_OK(store);
  REQUIRE_OK((*store)->put("ns", "k", "v"));
}

}  // namespace
}  // namespace weft::store::test
