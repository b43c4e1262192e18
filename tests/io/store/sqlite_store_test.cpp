// SPDX-License-Identifier: Apache-2.0
// SqliteStore on real files: durability across reopen, WAL and modes, migrations, reset, and
// atomicity when a write is locked out or the disk fills up mid-commit.
#include "weft/store/sqlite_store.hpp"

#include "io/store/file_bytes.hpp"
#include "io/store/raw_sqlite.hpp"
#include "io/store/store_contract.hpp"
#include "io/store/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>

namespace weft::store::test {
namespace {

using Strings = std::vector<std::string>;

std::unique_ptr<SqliteStore> open_ok(const std::filesystem::path& file,
                                     const SqliteOptions& options = {}) {
  auto store = SqliteStore::open(file, options);
  REQUIRE_OK(store);
  return std::move(*store);
}

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

TEST_CASE("SqliteStore: values survive close and reopen") {
  const TempDir dir;
  const auto file = dir.path() / "weft.db";
  {
    auto store = open_ok(file);
    Batch batch;
    batch.put("ipam", "ring", std::string("\0\x01\xff", 3)).put("dns", "pod-a", "10.32.0.1");
    REQUIRE_OK(store->apply(batch));
    REQUIRE_OK(store->put("ipam", "gone", "x"));
    REQUIRE_OK(store->erase("ipam", "gone"));
  }
  auto store = open_ok(file);
  CHECK(value_of(*store, "ipam", "ring") == std::string("\0\x01\xff", 3));
  CHECK(value_of(*store, "dns", "pod-a") == "10.32.0.1");
  CHECK(keys_of(*store, "ipam") == Strings{"ring"});
}

TEST_CASE("SqliteStore: WAL mode, synchronous FULL by default, private file modes") {
  const TempDir dir;
  const auto data_dir = dir.path() / "var" / "lib" / "weft";
  const auto file = data_dir / "weft.db";
  auto store = open_ok(file);
  REQUIRE_OK(store->put("ns", "k", "v"));
  CHECK(store->path() == file);
  CHECK(store->synchronous() == Synchronous::full);
  CHECK(store->synchronous_name() == "FULL");

  CHECK(mode_of(data_dir) == 0700);
  CHECK(mode_of(dir.path() / "var") == 0700);
  CHECK(mode_of(file) == 0600);
  // While the store is open the WAL and shared-memory files exist and inherit 0600.
  CHECK(mode_of(dir.path() / "var/lib/weft/weft.db-wal") == 0600);
  CHECK(mode_of(dir.path() / "var/lib/weft/weft.db-shm") == 0600);

  RawDb raw(file);
  CHECK(raw.text("PRAGMA journal_mode") == "wal");
}

TEST_CASE("SqliteStore: synchronous NORMAL when asked, and an existing 0644 file becomes 0600") {
  const TempDir dir;
  const auto file = dir.path() / "weft.db";
  open_ok(file).reset();
  REQUIRE(::chmod(file.c_str(), 0644) == 0);
  SqliteOptions options;
  options.synchronous = Synchronous::normal;
  auto store = open_ok(file, options);
  CHECK(store->synchronous() == Synchronous::normal);
  CHECK(store->synchronous_name() == "NORMAL");
  CHECK(to_string(Synchronous::full) == "FULL");
  CHECK(mode_of(file) == 0600);
}

TEST_CASE("SqliteStore: migrations set user_version once, and reopening keeps the data") {
  const TempDir dir;
  const auto file = dir.path() / "weft.db";
  REQUIRE(SqliteStore::latest_schema_version() >= 1);
  const std::string latest = std::to_string(SqliteStore::latest_schema_version());
  {
    auto store = open_ok(file);
    REQUIRE_OK(store->put("ns", "k", "v"));
  }
  {
    RawDb raw(file);
    CHECK(raw.text("PRAGMA user_version") == latest);
    CHECK(raw.text("SELECT count(*) FROM sqlite_master WHERE name = 'kv'") == "1");
  }
  // A second open must not run v1 again (CREATE TABLE kv would fail) nor lose the row.
  auto store = open_ok(file);
  CHECK(value_of(*store, "ns", "k") == "v");
  RawDb raw(file);
  CHECK(raw.text("PRAGMA user_version") == latest);
}

TEST_CASE("SqliteStore: reset wipes the database and its WAL and starts empty") {
  const TempDir dir;
  const auto file = dir.path() / "weft.db";
  {
    auto store = open_ok(file);
    REQUIRE_OK(store->put("ns", "k", "v"));
  }
  SECTION("a healthy database") {}
  SECTION("a database that is not a database") {
    write_bytes(file, std::string(8192, 'G'));
    write_bytes(dir.path() / "weft.db-wal", "junk");
  }
  SqliteOptions options;
  options.reset = true;
  auto store = open_ok(file, options);
  CHECK(keys_of(*store, "ns").empty());
  REQUIRE_OK(store->put("ns", "new", "1"));
  CHECK(keys_of(*store, "ns") == Strings{"new"});
}

TEST_CASE("SqliteStore: a write lock held elsewhere fails apply with busy and applies nothing") {
  const TempDir dir;
  const auto file = dir.path() / "weft.db";
  SqliteOptions options;
  options.busy_timeout = std::chrono::milliseconds(50);
  auto store = open_ok(file, options);
  REQUIRE_OK(store->put("ns", "before", "1"));

  RawDb other(file);
  other.exec("BEGIN IMMEDIATE");
  Batch batch;
  batch.put("ns", "a", "1").erase("ns", "before");
  auto r = store->apply(batch);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().is(Errc::busy));
  CHECK_THAT(r.error().message(), Catch::Contains(file.string()));
  // WAL readers are not blocked by a writer.
  CHECK(keys_of(*store, "ns") == Strings{"before"});
  other.exec("ROLLBACK");

  CHECK(keys_of(*store, "ns") == Strings{"before"});
  REQUIRE_OK(store->apply(batch));
  CHECK(keys_of(*store, "ns") == Strings{"a"});
}

TEST_CASE("SqliteStore: an op failing mid-batch rolls back the ops before it") {
  const TempDir dir;
  const auto file = dir.path() / "weft.db";
  auto store = open_ok(file);
  REQUIRE_OK(store->put("ns", "before", "1"));
  // A trigger installed from outside makes the third op fail inside the open transaction
  // (SQLite does not roll back by itself after a constraint error), so only our ROLLBACK
  // can undo the first two.
  RawDb(file).exec(
      "CREATE TRIGGER poison BEFORE INSERT ON kv WHEN NEW.key = 'poison' "
      "BEGIN SELECT RAISE(ABORT, 'poisoned key'); END;");

  Batch batch;
  batch.put("ns", "a", "1").erase("ns", "before").put("ns", "poison", "x").put("ns", "z", "2");
  auto r = store->apply(batch);
  REQUIRE_FALSE(r.has_value());
  CHECK_THAT(r.error().message(), Catch::Contains("poisoned key"));
  CHECK_THAT(r.error().message(), Catch::Contains(file.string()));
  CHECK(keys_of(*store, "ns") == Strings{"before"});

  // The connection is usable again: the next apply starts a new transaction.
  REQUIRE_OK(store->put("ns", "after", "3"));
  RawDb other(file);
  CHECK(other.text("SELECT group_concat(key, ',') FROM (SELECT key FROM kv ORDER BY key)") ==
        "after,before");
}

// Sets RLIMIT_FSIZE for the lifetime of the object, with SIGXFSZ ignored so that a write past
// the limit fails with EFBIG (or writes short) instead of killing the process: the same
// failure SQLite sees when the disk fills up in the middle of a commit.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved_) == 0);
    saved_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{bytes, saved_.rlim_max};
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, saved_handler_);
  }

 private:
  rlimit saved_{};
  void (*saved_handler_)(int) = nullptr;
};

TEST_CASE("SqliteStore: a batch that fails mid-commit (disk full) leaves nothing behind") {
  const TempDir dir;
  const auto file = dir.path() / "weft.db";
  auto store = open_ok(file);
  REQUIRE_OK(store->put("ns", "before", "1"));

  // ~1.6 MB of pages against a 256 KiB file size limit: the WAL write fails part-way.
  Batch batch;
  for (int i = 0; i < 200; ++i) batch.put("ns", "k" + std::to_string(i), std::string(8192, 'x'));
  Result<void> r = ok();
  {
    const FileSizeLimit limit(256 * 1024);
    r = store->apply(batch);
  }
  REQUIRE_FALSE(r.has_value());
  INFO(r.error().message());
  CHECK(r.error().is(Errc::io_error));
  CHECK_THAT(r.error().message(), Catch::Contains(file.string()));

  CHECK(keys_of(*store, "ns") == Strings{"before"});
  REQUIRE_OK(store->put("ns", "after", "2"));
  store.reset();
  store = open_ok(file);
  CHECK(keys_of(*store, "ns") == Strings{"after", "before"});
}

}  // namespace
}  // namespace weft::store::test
