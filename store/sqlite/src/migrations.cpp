// SPDX-License-Identifier: Apache-2.0
// The migration table and the runner that applies the missing steps.
#include "migrations.hpp"

#include "weft/base/log.hpp"

#include "sqlite_error.hpp"
#include "statement.hpp"

#include <sqlite3.h>

#include <array>
#include <charconv>
#include <string>

namespace weft::store::detail {
namespace {

// How to add a migration: append {N+1, "what it does", "SQL"} at the end. Never edit,
// reorder or remove a step that has shipped: databases in the field are at its version
// and will not run it again. A step runs inside BEGIN IMMEDIATE, so it must not contain
// BEGIN/COMMIT or PRAGMAs that cannot run in a transaction (journal_mode, foreign_keys).
// Modules keep their data in kv namespaces; a module that needs its own table (say, an
// index a core queries by value) adds it here.
constexpr std::array kMigrations{
    Migration{1, "create kv",
              "CREATE TABLE kv (ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, "
              "PRIMARY KEY (ns, key)) WITHOUT ROWID;"},
};

constexpr bool versions_are_1_to_n() {
  for (std::size_t i = 0; i < kMigrations.size(); ++i) {
    if (kMigrations[i].version != static_cast<int>(i) + 1) return false;
  }
  return true;
}
static_assert(versions_are_1_to_n(), "migration versions must be 1, 2, ..., N in order");

Result<int> read_int(sqlite3* db, std::string_view sql, const std::filesystem::path& path,
                     std::string_view what) {
  auto rows = query_column(db, sql, path, what);
  if (!rows) return rows.error();
  int value = 0;
  const std::string text = rows->empty() ? std::string() : rows->front();
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (rows->size() != 1 || ec != std::errc() || end != text.data() + text.size()) {
    return Error(Errc::internal,
                 std::string(what) + " " + path.string() + ": unexpected result \"" + text + "\"");
  }
  return value;
}

Result<int> user_version(sqlite3* db, const std::filesystem::path& path) {
  return read_int(db, "PRAGMA user_version", path, "read the schema version of");
}

Result<void> run_step(sqlite3* db, const Migration& step, const std::filesystem::path& path) {
  const std::string what = "apply schema migration " + std::to_string(step.version) + " (" +
                           std::string(step.name) + ") to";
  if (auto r = exec(db, "BEGIN IMMEDIATE", path, what); !r) return r;
  auto body = [&]() -> Result<bool> {
    // Read again under the write lock: whoever held it before us may have migrated.
    auto version = user_version(db, path);
    if (!version) return version.error();
    if (*version >= step.version) return false;
    const std::string sql =
        std::string(step.sql) + "\nPRAGMA user_version = " + std::to_string(step.version) + ";";
    if (auto r = exec(db, sql.c_str(), path, what); !r) return r.error();
    if (auto r = exec(db, "COMMIT", path, what); !r) return r.error();
    return true;
  };
  auto ran = body();
  if (!ran) {
    if (sqlite3_get_autocommit(db) == 0) (void)exec(db, "ROLLBACK", path, "roll back");
    return ran.error();
  }
  if (!*ran) return exec(db, "COMMIT", path, what);
  log::info("store: migrated {} to schema version {} ({})", path.string(), step.version, step.name);
  return ok();
}

}  // namespace

std::span<const Migration> migrations() noexcept {
  return kMigrations;
}

int latest_schema_version() noexcept {
  return kMigrations.back().version;
}

Result<int> check_schema(sqlite3* db, const std::filesystem::path& path) {
  auto version = user_version(db, path);
  if (!version) return version.error();
  const std::string file = path.filename().string() + " at " + path.string();
  if (*version > latest_schema_version()) {
    return Error(Errc::unsupported,
                 file + " has schema version " + std::to_string(*version) +
                     " but this weftd knows up to " + std::to_string(latest_schema_version()) +
                     ": upgrade weftd, or start it with --reset-data to wipe the state (the "
                     "file is kept as it is)");
  }
  if (*version == 0) {
    // Version 0 is a fresh file; tables in it mean somebody else's database at our path.
    auto tables = read_int(db, "SELECT count(*) FROM sqlite_master", path, "inspect");
    if (!tables) return tables.error();
    if (*tables > 0) {
      return Error(Errc::unsupported,
                   file +
                       " is a SQLite database that weftd did not create (it has tables but "
                       "no weft schema version): point --data-dir elsewhere, or move the "
                       "file aside; it is kept as it is");
    }
  }
  return *version;
}

Result<void> migrate(sqlite3* db, const std::filesystem::path& path) {
  auto version = check_schema(db, path);
  if (!version) return version.error();
  for (const Migration& step : kMigrations) {
    if (step.version <= *version) continue;
    if (auto r = run_step(db, step, path); !r) return r;
  }
  return ok();
}

}  // namespace weft::store::detail
