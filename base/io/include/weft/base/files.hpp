// SPDX-License-Identifier: Apache-2.0
// Small file helpers with errors as values: private directories and atomic private files.
#pragma once

#include "weft/base/result.hpp"

#include <filesystem>
#include <string>

namespace weft {

/// Creates `dir` and its parents when missing; new directories get `mode`.
Result<void> ensure_dir(const std::filesystem::path& dir, unsigned mode);

/// Reads a whole file. Errc::not_found when it does not exist.
Result<std::string> read_file(const std::filesystem::path& path);

/// Writes `data` to `path` with `mode` atomically: a temporary file in the same
/// directory, fsync, rename, fsync of the directory. Readers see old or new, never half.
Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view data,
                               unsigned mode);

}  // namespace weft
