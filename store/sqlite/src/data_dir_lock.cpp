// SPDX-License-Identifier: Apache-2.0
// DataDirLock: flock on <data_dir>/weftd.lock, with the holder's pid written inside.
#include "weft/store/data_dir_lock.hpp"

#include "fs_util.hpp"

#include <array>
#include <cerrno>
#include <charconv>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <unistd.h>
#include <utility>

namespace weft::store {
namespace {

constexpr std::string_view kLockName = "weftd.lock";

int flock_retrying(int fd, int op) {
  int rc = 0;
  do rc = ::flock(fd, op);
  while (rc != 0 && errno == EINTR);
  return rc;
}

// The pid the holder wrote, or 0 when the file is empty or not a number yet (the holder may
// be between its truncate and its write).
pid_t read_holder_pid(int fd) {
  std::array<char, 32> buf{};
  const ssize_t n = ::pread(fd, buf.data(), buf.size(), 0);
  if (n <= 0) return 0;
  long pid = 0;
  const auto [end, ec] = std::from_chars(buf.data(), buf.data() + n, pid);
  if (ec != std::errc() || pid <= 0) return 0;
  return static_cast<pid_t>(pid);
}

Result<void> write_pid(int fd, const std::filesystem::path& lock_file) {
  const std::string text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0) return detail::os_error(errno, "truncate " + lock_file.string());
  const ssize_t n = ::pwrite(fd, text.data(), text.size(), 0);
  if (n != static_cast<ssize_t>(text.size())) {
    return detail::os_error(n < 0 ? errno : EIO, "write pid to " + lock_file.string());
  }
  // fsync so that the pid shown to a contender after a crash and reboot is not garbage.
  if (::fsync(fd) != 0) return detail::os_error(errno, "fsync " + lock_file.string());
  return ok();
}

}  // namespace

Result<DataDirLock> DataDirLock::acquire(const std::filesystem::path& data_dir) {
  if (auto r = detail::ensure_dir(data_dir); !r) return r.error();
  std::filesystem::path lock_file = data_dir / kLockName;
  const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return detail::os_error(errno, "open lock file " + lock_file.string(),
                            "weftd needs to write in --data-dir: fix its permissions or use "
                            "another --data-dir");
  }
  // The lock is held from here on by the open file description; the destructor of `lock`
  // closes fd on every early return below.
  DataDirLock lock(fd, lock_file);
  if (flock_retrying(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err != EWOULDBLOCK) return detail::os_error(err, "lock " + lock_file.string());
    const pid_t holder = read_holder_pid(fd);
    const std::string who =
        holder > 0 ? "weftd pid " + std::to_string(holder) : "another weftd (pid not known)";
    return Error(Errc::busy, "data dir " + data_dir.string() + " is in use by " + who + " (lock " +
                                 lock_file.string() +
                                 "); stop that weftd or use another --data-dir");
  }
  if (auto r = write_pid(fd, lock_file); !r) return r.error();
  return lock;
}

DataDirLock::DataDirLock(int fd, std::filesystem::path lock_file) noexcept
    : fd_(fd), lock_file_(std::move(lock_file)) {}

DataDirLock::DataDirLock(DataDirLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), lock_file_(std::move(other.lock_file_)) {}

DataDirLock& DataDirLock::operator=(DataDirLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    lock_file_ = std::move(other.lock_file_);
  }
  return *this;
}

DataDirLock::~DataDirLock() {
  release();
}

void DataDirLock::release() noexcept {
  // Closing the only descriptor of the open file description drops the flock. The file
  // stays: unlinking it would let a newcomer lock a fresh inode while a late opener of the
  // old path still locks the unlinked one, i.e. two holders.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace weft::store
