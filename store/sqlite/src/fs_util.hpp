// SPDX-License-Identifier: Apache-2.0
// Small file-system helpers shared by SqliteStore and DataDirLock.
#pragma once

#include "weft/base/result.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace weft::store::detail {

/// An Errc::io_error "<what>: <strerror(err)>; <advice>" (advice may be empty).
[[nodiscard]] Error os_error(int err, std::string_view what, std::string_view advice = {});

/// mkdir -p, where every directory we create gets mode 0700 (state is private to weftd);
/// existing directories keep the mode the administrator gave them.
[[nodiscard]] Result<void> ensure_dir(const std::filesystem::path& dir);

/// `path` with `suffix` appended to its file name ("weft.db" -> "weft.db-wal").
[[nodiscard]] std::filesystem::path with_suffix(const std::filesystem::path& path,
                                                std::string_view suffix);

}  // namespace weft::store::detail
