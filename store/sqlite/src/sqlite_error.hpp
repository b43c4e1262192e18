// SPDX-License-Identifier: Apache-2.0
// Maps SQLite result codes to weft Errors that name the file and say what to do.
#pragma once

#include "weft/base/result.hpp"

#include <filesystem>
#include <string_view>

struct sqlite3;

namespace weft::store::detail {

/// The advice every corruption error ends with; weftd never recreates a database by itself.
inline constexpr std::string_view kCorruptAdvice =
    "the file is kept as it is: move it aside or start weftd with --reset-data to wipe it";

/// "<what> <path>: <sqlite message>; <advice>", with Errc::corrupt for SQLITE_CORRUPT and
/// SQLITE_NOTADB, busy for lock timeouts, io_error for OS-level failures (full disk,
/// permissions, I/O), internal for the rest (our SQL is wrong).
[[nodiscard]] Error sqlite_error(sqlite3* db, int rc, const std::filesystem::path& path,
                                 std::string_view what);

/// Errc::corrupt "<what> <path>: <detail>; <kCorruptAdvice>".
[[nodiscard]] Error corrupt_error(const std::filesystem::path& path, std::string_view what,
                                  std::string_view detail);

}  // namespace weft::store::detail
