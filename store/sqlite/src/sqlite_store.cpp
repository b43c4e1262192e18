// SPDX-License-Identifier: Apache-2.0
// SqliteStore: open sequence, cached statements, and transactional apply.
#include "weft/store/sqlite_store.hpp"

#include "weft/base/log.hpp"

#include "migrations.hpp"
#include "open_steps.hpp"
#include "sqlite_error.hpp"
#include "statement.hpp"

#include <sqlite3.h>

namespace weft::store {

using detail::Statement;

std::string_view to_string(Synchronous s) noexcept {
  switch (s) {
    case Synchronous::normal: return "NORMAL";
    case Synchronous::full: return "FULL";
  }
  return "FULL";
}

struct SqliteStore::Impl {
  std::filesystem::path path;
  Synchronous synchronous = Synchronous::full;
  detail::DbHandle db;  // declared before the statements, so it is closed after them
  Statement get;
  Statement list;
  Statement put;
  Statement erase;
  Statement erase_namespace;
  Statement begin;
  Statement commit;
  Statement rollback;

  Result<void> prepare_all() {
    const struct {
      Statement* statement;
      std::string_view sql;
    } all[] = {
        {&get, "SELECT value FROM kv WHERE ns = ?1 AND key = ?2"},
        // The primary key (ns, key) is the table's order, so ORDER BY costs no sort; BINARY
        // collation compares bytes like std::string, which MemoryStore matches.
        {&list, "SELECT key, value FROM kv WHERE ns = ?1 ORDER BY key"},
        {&put,
         "INSERT INTO kv (ns, key, value) VALUES (?1, ?2, ?3) "
         "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value"},
        {&erase, "DELETE FROM kv WHERE ns = ?1 AND key = ?2"},
        {&erase_namespace, "DELETE FROM kv WHERE ns = ?1"},
        // IMMEDIATE takes the write lock up front, so waiting for another writer happens in
        // BEGIN (within the busy timeout) rather than as an upgrade failure mid-batch.
        {&begin, "BEGIN IMMEDIATE"},
        {&commit, "COMMIT"},
        {&rollback, "ROLLBACK"},
    };
    for (const auto& [statement, sql] : all) {
      auto prepared = Statement::prepare(db.get(), sql, path);
      if (!prepared) return prepared.error();
      *statement = std::move(*prepared);
    }
    return ok();
  }

  Error fail(int rc, std::string_view what) const {
    return detail::sqlite_error(db.get(), rc, path, what);
  }

  Result<void> run(Statement& statement, std::string_view what) {
    const Statement::Reset reset(statement);
    const int rc = statement.step();
    if (rc != SQLITE_DONE) return fail(rc, what);
    return ok();
  }

  Result<void> write(const Batch::Op& op) {
    Statement* statement = nullptr;
    int rc = SQLITE_OK;
    switch (op.kind) {
      case Batch::Op::Kind::put:
        statement = &put;
        rc = statement->bind_text(1, op.ns);
        if (rc == SQLITE_OK) rc = statement->bind_text(2, op.key);
        if (rc == SQLITE_OK) rc = statement->bind_blob(3, op.value);
        break;
      case Batch::Op::Kind::erase:
        statement = &erase;
        rc = statement->bind_text(1, op.ns);
        if (rc == SQLITE_OK) rc = statement->bind_text(2, op.key);
        break;
      case Batch::Op::Kind::erase_namespace:
        statement = &erase_namespace;
        rc = statement->bind_text(1, op.ns);
        break;
    }
    if (rc != SQLITE_OK) {
      statement->reset();
      return fail(rc, "bind a value for");
    }
    return run(*statement, "write to");
  }

  void rollback_if_open() {
    // SQLite rolls back by itself after some errors (SQLITE_FULL, SQLITE_IOERR); only roll
    // back a transaction that is still open.
    if (sqlite3_get_autocommit(db.get()) != 0) return;
    if (auto r = run(rollback, "roll back"); !r) log::error("store: {}", r.error().message());
  }
};

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::filesystem::path& db_file,
                                                       const SqliteOptions& options) {
  if (options.reset) {
    if (auto r = detail::remove_database_files(db_file); !r) return r.error();
  }
  if (auto r = detail::prepare_file(db_file); !r) return r.error();
  auto db = detail::open_connection(db_file, options);
  if (!db) return db.error();
  // Check before changing anything (journal mode, modes, schema): a refused file is left
  // exactly as it was found.
  if (auto r = detail::check_integrity(db->get(), db_file); !r) return r.error();
  if (auto r = detail::check_schema(db->get(), db_file); !r) return r.error();
  if (auto r = detail::restrict_modes(db_file); !r) return r.error();
  auto synchronous = detail::configure(db->get(), db_file, options);
  if (!synchronous) return synchronous.error();
  if (auto r = detail::migrate(db->get(), db_file); !r) return r.error();

  auto impl = std::make_unique<Impl>();
  impl->path = db_file;
  impl->synchronous = *synchronous;
  impl->db = std::move(*db);
  if (auto r = impl->prepare_all(); !r) return r.error();
  log::debug("store: opened {} (schema version {}, synchronous={})", db_file.string(),
             latest_schema_version(), to_string(*synchronous));
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

Result<std::optional<std::string>> SqliteStore::get(std::string_view ns, std::string_view key) {
  if (auto r = validate_name("namespace", ns); !r) return r.error();
  if (auto r = validate_name("key", key); !r) return r.error();
  Statement& statement = impl_->get;
  const Statement::Reset reset(statement);
  int rc = statement.bind_text(1, ns);
  if (rc == SQLITE_OK) rc = statement.bind_text(2, key);
  if (rc != SQLITE_OK) return impl_->fail(rc, "bind a value for");
  rc = statement.step();
  if (rc == SQLITE_DONE) return std::optional<std::string>{};
  if (rc != SQLITE_ROW) return impl_->fail(rc, "read from");
  return std::optional<std::string>{statement.column(0)};
}

Result<std::vector<Entry>> SqliteStore::list(std::string_view ns) {
  if (auto r = validate_name("namespace", ns); !r) return r.error();
  Statement& statement = impl_->list;
  const Statement::Reset reset(statement);
  int rc = statement.bind_text(1, ns);
  if (rc != SQLITE_OK) return impl_->fail(rc, "bind a value for");
  std::vector<Entry> entries;
  while ((rc = statement.step()) == SQLITE_ROW) {
    entries.push_back(Entry{statement.column(0), statement.column(1)});
  }
  if (rc != SQLITE_DONE) return impl_->fail(rc, "read from");
  return entries;
}

Result<void> SqliteStore::apply(const Batch& batch) {
  if (batch.empty()) return ok();
  // Reject bad names before BEGIN, so a batch is either valid as a whole or not started.
  if (auto r = batch.validate(); !r) return r;
  if (auto r = impl_->run(impl_->begin, "begin a write transaction on"); !r) return r;
  for (const Batch::Op& op : batch.ops()) {
    if (auto r = impl_->write(op); !r) {
      impl_->rollback_if_open();
      return r;
    }
  }
  if (auto r = impl_->run(impl_->commit, "commit to"); !r) {
    impl_->rollback_if_open();
    return r;
  }
  return ok();
}

const std::filesystem::path& SqliteStore::path() const noexcept {
  return impl_->path;
}

Synchronous SqliteStore::synchronous() const noexcept {
  return impl_->synchronous;
}

std::string_view SqliteStore::synchronous_name() const noexcept {
  return to_string(impl_->synchronous);
}

int SqliteStore::latest_schema_version() noexcept {
  return detail::latest_schema_version();
}

}  // namespace weft::store
