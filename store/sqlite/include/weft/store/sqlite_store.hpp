// SPDX-License-Identifier: Apache-2.0
// SqliteStore: the durable Store, one SQLite file in WAL mode.
#pragma once

#include "weft/base/result.hpp"
#include "weft/store/store.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string_view>

namespace weft::store {

/// PRAGMA synchronous in WAL mode. full: a commit is fsynced before apply() returns, so it
/// survives kill -9 and power loss. normal: fsync only at checkpoints, so an acknowledged
/// commit survives kill -9 but may be lost on power loss (the file stays consistent).
enum class Synchronous { normal, full };

/// "NORMAL" or "FULL", as SQLite spells them.
[[nodiscard]] std::string_view to_string(Synchronous s) noexcept;

/// Options of SqliteStore::open.
struct SqliteOptions {
  /// Deletes an existing database (and its -wal, -shm, -journal) before opening: the only
  /// way weftd ever discards state (`--reset-data`). Hold the DataDirLock when using it.
  bool reset = false;
  Synchronous synchronous = Synchronous::full;
  /// How long a write waits for another connection's lock before failing with Errc::busy.
  std::chrono::milliseconds busy_timeout{5000};
};

/// A Store on one SQLite connection. Not thread-safe: use it from one thread.
class SqliteStore final : public Store {
 public:
  using Options = SqliteOptions;

  /// Opens (creating if missing) `db_file`: creates its parent directory (0700), makes the
  /// file 0600, switches to WAL, checks integrity and migrates the schema. Refuses, and
  /// leaves untouched, a file that is not a database, is corrupt, or has a newer schema.
  [[nodiscard]] static Result<std::unique_ptr<SqliteStore>> open(
      const std::filesystem::path& db_file, const SqliteOptions& options = {});

  ~SqliteStore() override;
  SqliteStore(SqliteStore&&) = delete;
  SqliteStore& operator=(SqliteStore&&) = delete;

  [[nodiscard]] Result<std::optional<std::string>> get(std::string_view ns,
                                                       std::string_view key) override;
  [[nodiscard]] Result<std::vector<Entry>> list(std::string_view ns) override;
  /// One BEGIN IMMEDIATE ... COMMIT; rolled back on any failure.
  [[nodiscard]] Result<void> apply(const Batch& batch) override;

  [[nodiscard]] const std::filesystem::path& path() const noexcept;
  /// The synchronous level in force (read back from SQLite after setting it).
  [[nodiscard]] Synchronous synchronous() const noexcept;
  /// to_string(synchronous()), for benchmarks and logs.
  [[nodiscard]] std::string_view synchronous_name() const noexcept;

  /// The newest schema version this build can migrate to (PRAGMA user_version).
  [[nodiscard]] static int latest_schema_version() noexcept;

 private:
  struct Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::store
