// SPDX-License-Identifier: Apache-2.0
// The steps of SqliteStore::open that run before the schema exists, one function each.
#pragma once

#include "weft/base/result.hpp"
#include "weft/store/sqlite_store.hpp"

#include <filesystem>
#include <memory>

struct sqlite3;

namespace weft::store::detail {

struct CloseDb {
  void operator()(sqlite3* db) const noexcept;
};
using DbHandle = std::unique_ptr<sqlite3, CloseDb>;

/// Deletes the database and its -wal, -shm and -journal files (--reset-data).
[[nodiscard]] Result<void> remove_database_files(const std::filesystem::path& db_file);

/// Creates the parent directory and the file (0600) ourselves, so a directory in the way or a
/// permission problem gets a precise message instead of SQLite's "unable to open".
[[nodiscard]] Result<void> prepare_file(const std::filesystem::path& db_file);

/// sqlite3_open_v2 read-write, plus the busy timeout; refuses a read-only fallback.
[[nodiscard]] Result<DbHandle> open_connection(const std::filesystem::path& db_file,
                                               const SqliteOptions& options);

/// PRAGMA integrity_check must say "ok"; anything else is Errc::corrupt.
[[nodiscard]] Result<void> check_integrity(sqlite3* db, const std::filesystem::path& db_file);

/// chmod 0600 the database and whichever of its -wal/-shm exist.
[[nodiscard]] Result<void> restrict_modes(const std::filesystem::path& db_file);

/// journal_mode=WAL (verified), synchronous (verified; returns the level in force),
/// foreign_keys=ON.
[[nodiscard]] Result<Synchronous> configure(sqlite3* db, const std::filesystem::path& db_file,
                                            const SqliteOptions& options);

}  // namespace weft::store::detail
