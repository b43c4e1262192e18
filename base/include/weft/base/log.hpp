// SPDX-License-Identifier: Apache-2.0
// Logging facade over spdlog, so modules do not each configure the logger.
#pragma once

#include "weft/base/result.hpp"

#include <spdlog/spdlog.h>

#include <string_view>

namespace weft::log {

enum class Level { trace, debug, info, warn, error, off };

/// Parses "trace|debug|info|warn|error|off" (case-sensitive, as on the command line).
Result<Level> parse_level(std::string_view text);
std::string_view to_string(Level level);

/// Sends logs to stderr as "<time> <level> <message>" (the daemon's log is its stderr).
void init_stderr(Level level);
/// Sets the process-wide level.
void set_level(Level level);

template <class... A>
void trace(spdlog::format_string_t<A...> f, A&&... a) {
  spdlog::trace(f, std::forward<A>(a)...);
}
template <class... A>
void debug(spdlog::format_string_t<A...> f, A&&... a) {
  spdlog::debug(f, std::forward<A>(a)...);
}
template <class... A>
void info(spdlog::format_string_t<A...> f, A&&... a) {
  spdlog::info(f, std::forward<A>(a)...);
}
template <class... A>
void warn(spdlog::format_string_t<A...> f, A&&... a) {
  spdlog::warn(f, std::forward<A>(a)...);
}
template <class... A>
void error(spdlog::format_string_t<A...> f, A&&... a) {
  spdlog::error(f, std::forward<A>(a)...);
}

}  // namespace weft::log
