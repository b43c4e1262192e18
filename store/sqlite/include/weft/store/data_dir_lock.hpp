// SPDX-License-Identifier: Apache-2.0
// DataDirLock: one weftd per --data-dir, enforced with flock on <data_dir>/weftd.lock.
#pragma once

#include "weft/base/result.hpp"

#include <filesystem>

namespace weft::store {

/// Held for the life of a weftd so that two daemons never write one weft.db (several weftd
/// on one machine must each use their own --data-dir). The kernel drops a flock when its
/// holder exits, even by SIGKILL, so a stale lock file never blocks a restart.
class DataDirLock {
 public:
  /// Creates `data_dir` if missing (0700), opens `<data_dir>/weftd.lock` (0600), takes an
  /// exclusive non-blocking flock and writes our pid into the file. When another process
  /// holds it: Errc::busy naming that process's pid.
  [[nodiscard]] static Result<DataDirLock> acquire(const std::filesystem::path& data_dir);

  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

  /// Releases the lock now (the destructor does it otherwise); idempotent.
  void release() noexcept;

  [[nodiscard]] bool held() const noexcept { return fd_ >= 0; }
  /// `<data_dir>/weftd.lock`.
  [[nodiscard]] const std::filesystem::path& lock_file() const noexcept { return lock_file_; }

 private:
  DataDirLock(int fd, std::filesystem::path lock_file) noexcept;

  int fd_ = -1;
  std::filesystem::path lock_file_;
};

}  // namespace weft::store
