// SPDX-License-Identifier: Apache-2.0
// Statement lifetime, binding with explicit lengths, and PRAGMA helpers.
#include "statement.hpp"

#include "sqlite_error.hpp"

#include <climits>
#include <sqlite3.h>

namespace weft::store::detail {

void Statement::Finalize::operator()(sqlite3_stmt* stmt) const noexcept {
  sqlite3_finalize(stmt);
}

Result<Statement> Statement::prepare(sqlite3* db, std::string_view sql,
                                     const std::filesystem::path& path) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  Statement s;
  s.stmt_.reset(raw);
  if (rc != SQLITE_OK) return sqlite_error(db, rc, path, "prepare \"" + std::string(sql) + "\" on");
  return s;
}

int Statement::bind_text(int index, std::string_view text) noexcept {
  // An explicit length lets names hold any byte but NUL (Batch::validate rejects NUL).
  if (text.size() > static_cast<std::size_t>(INT_MAX)) return SQLITE_TOOBIG;
  // SQLITE_STATIC: the caller keeps the bytes alive until step(); no copy per write.
  return sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                           SQLITE_STATIC);
}

int Statement::bind_blob(int index, std::string_view bytes) noexcept {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) return SQLITE_TOOBIG;
  // A null pointer would bind NULL instead of an empty blob; data() of a view may be null.
  static const char kEmpty = 0;
  const char* data = bytes.data() != nullptr ? bytes.data() : &kEmpty;
  return sqlite3_bind_blob(stmt_.get(), index, data, static_cast<int>(bytes.size()), SQLITE_STATIC);
}

int Statement::step() noexcept {
  return sqlite3_step(stmt_.get());
}

std::string Statement::column(int index) const {
  const void* data = sqlite3_column_blob(stmt_.get(), index);
  const int size = sqlite3_column_bytes(stmt_.get(), index);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

void Statement::reset() noexcept {
  if (!stmt_) return;
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

Result<void> exec(sqlite3* db, const char* sql, const std::filesystem::path& path,
                  std::string_view what) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db, rc, path, what);
  return ok();
}

Result<std::vector<std::string>> query_column(sqlite3* db, std::string_view sql,
                                              const std::filesystem::path& path,
                                              std::string_view what) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, &sqlite3_finalize);
  if (rc != SQLITE_OK) return sqlite_error(db, rc, path, what);
  std::vector<std::string> rows;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt.get(), 0);
    const int size = sqlite3_column_bytes(stmt.get(), 0);
    rows.emplace_back(text == nullptr ? "" : reinterpret_cast<const char*>(text),
                      static_cast<std::size_t>(size));
  }
  if (rc != SQLITE_DONE) return sqlite_error(db, rc, path, what);
  return rows;
}

}  // namespace weft::store::detail
