// SPDX-License-Identifier: Apache-2.0
// Schema migrations of weft.db, keyed by PRAGMA user_version.
#pragma once

#include "weft/base/result.hpp"

#include <filesystem>
#include <span>
#include <string_view>

struct sqlite3;

namespace weft::store::detail {

/// One schema step: after it runs, PRAGMA user_version is `version`.
struct Migration {
  int version;
  std::string_view name;  ///< for logs and errors
  std::string_view sql;   ///< one or more statements, run in one BEGIN IMMEDIATE transaction
};

/// All steps, versions 1..N in order (migrations.cpp says how to add one).
[[nodiscard]] std::span<const Migration> migrations() noexcept;

/// N, the newest schema this build knows.
[[nodiscard]] int latest_schema_version() noexcept;

/// The database's schema version, after refusing one newer than this build knows and a
/// non-weft database (Errc::unsupported). Reads only, so a refused file stays as it is.
[[nodiscard]] Result<int> check_schema(sqlite3* db, const std::filesystem::path& path);

/// Brings the database to latest_schema_version(), each step in its own transaction.
/// Runs check_schema first.
[[nodiscard]] Result<void> migrate(sqlite3* db, const std::filesystem::path& path);

}  // namespace weft::store::detail
