// SPDX-License-Identifier: Apache-2.0
// Opening weft.db: files and modes, connection, integrity check, pragmas.
#include "open_steps.hpp"

#include "weft/base/log.hpp"

#include "fs_util.hpp"
#include "sqlite_error.hpp"
#include "statement.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <fcntl.h>
#include <limits>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace weft::store::detail {
namespace {

constexpr std::array<std::string_view, 3> kSidecars{"-wal", "-shm", "-journal"};

}  // namespace

void CloseDb::operator()(sqlite3* db) const noexcept {
  sqlite3_close_v2(db);
}

Result<void> remove_database_files(const std::filesystem::path& db_file) {
  struct stat st {};
  if (::lstat(db_file.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return os_error(EISDIR, "reset " + db_file.string(),
                    "--reset-data removes only a database file: remove the directory yourself");
  }
  log::warn("store: wiping {} and its -wal/-shm files (reset requested)", db_file.string());
  if (::unlink(db_file.c_str()) != 0 && errno != ENOENT) {
    return os_error(errno, "reset: remove " + db_file.string());
  }
  for (const std::string_view suffix : kSidecars) {
    const std::filesystem::path side = with_suffix(db_file, suffix);
    if (::unlink(side.c_str()) != 0 && errno != ENOENT) {
      return os_error(errno, "reset: remove " + side.string());
    }
  }
  return ok();
}

Result<void> prepare_file(const std::filesystem::path& db_file) {
  if (db_file.has_parent_path()) {
    if (auto r = ensure_dir(db_file.parent_path()); !r) return r;
  }
  // O_CREAT without O_TRUNC: an existing file is opened as it is, never modified here.
  const int fd = ::open(db_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    if (err == EISDIR) {
      return os_error(err, "open database " + db_file.string(),
                      "a directory is in the way of the database file: remove it or use "
                      "another --data-dir");
    }
    return os_error(err, "open database " + db_file.string(),
                    "weftd needs to read and write it: run weftd as root or fix the owner "
                    "and permissions of --data-dir");
  }
  ::close(fd);
  return ok();
}

Result<DbHandle> open_connection(const std::filesystem::path& db_file,
                                 const SqliteOptions& options) {
  // NOMUTEX: one connection used from one thread (the daemon's io thread), so SQLite's
  // per-connection mutex would only cost time; the Store is documented as not thread-safe.
  constexpr int kFlags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(db_file.c_str(), &raw, kFlags, nullptr);
  DbHandle db(raw);  // sqlite3_open_v2 returns a handle to close even when it fails
  if (rc != SQLITE_OK) return sqlite_error(db.get(), rc, db_file, "open database");
  sqlite3_extended_result_codes(db.get(), 1);
  // SQLite silently falls back to read-only when it cannot write the file; a weftd that
  // cannot persist must not start.
  if (sqlite3_db_readonly(db.get(), "main") == 1) {
    return os_error(EACCES, "open database " + db_file.string() + " for writing",
                    "fix its owner and permissions, or the mount (read-only filesystem?)");
  }
  const auto ms = std::clamp<std::chrono::milliseconds::rep>(options.busy_timeout.count(), 0,
                                                             std::numeric_limits<int>::max());
  sqlite3_busy_timeout(db.get(), static_cast<int>(ms));
  return db;
}

Result<void> check_integrity(sqlite3* db, const std::filesystem::path& db_file) {
  // integrity_check rather than quick_check: weft.db holds IPAM and DNS state (kilobytes to a
  // few MB), so the full check costs milliseconds once per start, and it also verifies that
  // indexes match their tables, which quick_check skips. Finding corruption at start, with
  // the file untouched, beats failing an IPAM write later. Three rows are enough to show.
  constexpr std::string_view kWhat = "check integrity of";
  auto rows = query_column(db, "PRAGMA integrity_check(3)", db_file, kWhat);
  if (!rows) return rows.error();
  if (rows->size() == 1 && rows->front() == "ok") return ok();
  std::string detail;
  for (const std::string& row : *rows) detail += (detail.empty() ? "" : "; ") + row;
  // SQLite puts newlines inside rows ("*** in database main ***\nPage 2: ..."); an error
  // message is one line.
  std::replace(detail.begin(), detail.end(), '\n', ' ');
  if (detail.empty()) detail = "integrity_check returned nothing";
  return corrupt_error(db_file, kWhat, detail);
}

Result<void> restrict_modes(const std::filesystem::path& db_file) {
  if (::chmod(db_file.c_str(), 0600) != 0) {
    return os_error(errno, "chmod 0600 " + db_file.string());
  }
  for (const std::string_view suffix : kSidecars) {
    const std::filesystem::path side = with_suffix(db_file, suffix);
    if (::chmod(side.c_str(), 0600) != 0 && errno != ENOENT) {
      return os_error(errno, "chmod 0600 " + side.string());
    }
  }
  return ok();
}

Result<Synchronous> configure(sqlite3* db, const std::filesystem::path& db_file,
                              const SqliteOptions& options) {
  auto mode = query_column(db, "PRAGMA journal_mode=WAL", db_file, "switch to WAL mode");
  if (!mode) return mode.error();
  if (mode->size() != 1 || mode->front() != "wal") {
    // Happens on filesystems without shared-memory support for the -shm file (some NFS).
    return Error(Errc::io_error, "switch " + db_file.string() + " to WAL mode: SQLite kept \"" +
                                     (mode->empty() ? std::string() : mode->front()) +
                                     "\"; put --data-dir on a local filesystem");
  }
  const std::string sync_sql = "PRAGMA synchronous=" + std::string(to_string(options.synchronous));
  if (auto r = exec(db, sync_sql.c_str(), db_file, "set synchronous on"); !r) return r.error();
  auto level = query_column(db, "PRAGMA synchronous", db_file, "read synchronous of");
  if (!level) return level.error();
  // SQLite reports 1 for NORMAL and 2 for FULL.
  const std::string expected = options.synchronous == Synchronous::full ? "2" : "1";
  if (level->size() != 1 || level->front() != expected) {
    return Error(Errc::internal, "set synchronous on " + db_file.string() + ": SQLite reports " +
                                     (level->empty() ? std::string("nothing") : level->front()));
  }
  if (auto r = exec(db, "PRAGMA foreign_keys=ON", db_file, "enable foreign keys on"); !r) {
    return r.error();
  }
  return options.synchronous;
}

}  // namespace weft::store::detail
