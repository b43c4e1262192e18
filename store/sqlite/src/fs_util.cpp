// SPDX-License-Identifier: Apache-2.0
// mkdir -p with private modes, and errno errors with advice.
#include "fs_util.hpp"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace weft::store::detail {

Error os_error(int err, std::string_view what, std::string_view advice) {
  std::string message = std::string(what) + ": " + std::strerror(err);
  if (!advice.empty()) message += "; " + std::string(advice);
  return Error(Errc::io_error, std::move(message));
}

Result<void> ensure_dir(const std::filesystem::path& dir) {
  std::filesystem::path prefix;
  for (const auto& part : dir) {
    prefix /= part;
    if (prefix == prefix.root_path()) continue;
    if (::mkdir(prefix.c_str(), 0700) == 0) {
      // mkdir applies the umask; state must be 0700 whatever the umask is.
      if (::chmod(prefix.c_str(), 0700) != 0) {
        return os_error(errno, "chmod 0700 " + prefix.string());
      }
      continue;
    }
    const int err = errno;
    struct stat st {};
    if (err == EEXIST && ::stat(prefix.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) continue;
      return os_error(ENOTDIR, "create directory " + dir.string(),
                      prefix.string() + " is not a directory: move it or choose another path");
    }
    return os_error(err, "create directory " + prefix.string(),
                    "check the permissions of its parent or choose another path");
  }
  return ok();
}

std::filesystem::path with_suffix(const std::filesystem::path& path, std::string_view suffix) {
  std::filesystem::path out = path;
  out += suffix;
  return out;
}

}  // namespace weft::store::detail
