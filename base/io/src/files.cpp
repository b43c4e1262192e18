// SPDX-License-Identifier: Apache-2.0
#include "weft/base/files.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace weft {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Result<void> write_all(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, "write " + what);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return ok();
}

}  // namespace

Result<void> ensure_dir(const std::filesystem::path& dir, unsigned mode) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return ok();
  if (!dir.parent_path().empty() && dir.parent_path() != dir) {
    auto parent = ensure_dir(dir.parent_path(), 0755);
    if (!parent) return parent.error();
  }
  if (::mkdir(dir.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
    return errno_error(errno, "create directory " + dir.string());
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    return Error(Errc::io_error, dir.string() + " exists and is not a directory");
  }
  return ok();
}

Result<std::string> read_file(const std::filesystem::path& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    if (errno == ENOENT) return Error(Errc::not_found, path.string() + " does not exist");
    return errno_error(errno, "open " + path.string());
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, "read " + path.string());
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view data,
                               unsigned mode) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode))};
    if (f.fd < 0) return errno_error(errno, "create " + tmp.string());
    // open()'s mode is filtered by the umask; set it exactly.
    if (::fchmod(f.fd, static_cast<mode_t>(mode)) != 0) {
      return errno_error(errno, "chmod " + tmp.string());
    }
    if (auto w = write_all(f.fd, data, tmp.string()); !w) return w.error();
    if (::fsync(f.fd) != 0) return errno_error(errno, "fsync " + tmp.string());
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return errno_error(errno, "rename " + tmp.string() + " to " + path.string());
  }
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd >= 0) ::fsync(d.fd);  // best effort: the rename is durable once the dir is synced
  return ok();
}

}  // namespace weft
