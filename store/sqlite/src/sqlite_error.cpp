// SPDX-License-Identifier: Apache-2.0
// SQLite result code -> weft Error, with advice per failure class.
#include "sqlite_error.hpp"

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace weft::store::detail {

Error corrupt_error(const std::filesystem::path& path, std::string_view what,
                    std::string_view detail) {
  return Error(Errc::corrupt, std::string(what) + " " + path.string() + ": " + std::string(detail) +
                                  "; " + std::string(kCorruptAdvice));
}

Error sqlite_error(sqlite3* db, int rc, const std::filesystem::path& path, std::string_view what) {
  const int primary = rc & 0xff;
  // sqlite3_errmsg is more specific than errstr ("table kv has no column named x"), but only
  // describes `rc` if it is still the connection's last error.
  std::string detail = sqlite3_errstr(rc);
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) detail = sqlite3_errmsg(db);
  const bool os_level = primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN ||
                        primary == SQLITE_FULL || primary == SQLITE_PERM ||
                        primary == SQLITE_READONLY || primary == SQLITE_NOLFS;
  const int sys = db != nullptr && os_level ? sqlite3_system_errno(db) : 0;
  if (sys != 0) detail += std::string(" (") + std::strerror(sys) + ")";
  std::string head = std::string(what) + " " + path.string() + ": " + detail;

  switch (primary) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return corrupt_error(path, what, detail);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
      return Error(Errc::busy, head +
                                   "; another process held a lock on it for longer than the "
                                   "busy timeout: is another weftd or a sqlite3 shell using "
                                   "this --data-dir?");
    case SQLITE_FULL:
      return Error(Errc::io_error,
                   head + "; the disk is full: free space on the filesystem that holds it");
    default: break;
  }
  if (sys == ENOSPC) {
    return Error(Errc::io_error,
                 head + "; the disk is full: free space on the filesystem that holds it");
  }
  if (os_level) {
    return Error(Errc::io_error,
                 head +
                     "; check that it is a readable and writable regular file "
                     "on a local filesystem, and that its disk has space and is healthy");
  }
  return Error(Errc::internal, head);
}

}  // namespace weft::store::detail
