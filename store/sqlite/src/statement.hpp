// SPDX-License-Identifier: Apache-2.0
// Statement: an owned, reusable sqlite3_stmt, plus one-shot exec/query helpers.
#pragma once

#include "weft/base/result.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace weft::store::detail {

/// A prepared statement kept for the life of the connection (SQLITE_PREPARE_PERSISTENT), so
/// each apply() only binds and steps. Call reset() (or hold a Statement::Reset) after use so
/// the statement releases its read snapshot and bindings.
class Statement {
 public:
  /// Resets the statement when it goes out of scope, whatever path the caller returns by.
  class Reset {
   public:
    explicit Reset(Statement& s) noexcept : statement_(s) {}
    Reset(const Reset&) = delete;
    Reset& operator=(const Reset&) = delete;
    ~Reset() { statement_.reset(); }

   private:
    Statement& statement_;
  };

  Statement() = default;
  [[nodiscard]] static Result<Statement> prepare(sqlite3* db, std::string_view sql,
                                                 const std::filesystem::path& path);

  /// Bind as TEXT or BLOB (index from 1); the bytes must outlive the next step(). Return
  /// SQLite result codes.
  [[nodiscard]] int bind_text(int index, std::string_view text) noexcept;
  [[nodiscard]] int bind_blob(int index, std::string_view bytes) noexcept;
  /// sqlite3_step: SQLITE_ROW, SQLITE_DONE or an error code.
  [[nodiscard]] int step() noexcept;
  /// Column `index` (from 0) of the current row as bytes (TEXT or BLOB; NULL reads as "").
  [[nodiscard]] std::string column(int index) const;
  void reset() noexcept;

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* stmt) const noexcept;
  };
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
};

/// Runs `sql` (one or more statements, no results); on failure a sqlite_error for `what`.
[[nodiscard]] Result<void> exec(sqlite3* db, const char* sql, const std::filesystem::path& path,
                                std::string_view what);

/// Runs one statement and returns column 0 of each row as text (PRAGMA results).
[[nodiscard]] Result<std::vector<std::string>> query_column(sqlite3* db, std::string_view sql,
                                                            const std::filesystem::path& path,
                                                            std::string_view what);

}  // namespace weft::store::detail
