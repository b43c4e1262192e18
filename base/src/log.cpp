// SPDX-License-Identifier: Apache-2.0
#include "weft/base/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include <array>

namespace weft::log {
namespace {
constexpr std::array<std::pair<std::string_view, Level>, 6> kLevels{{
    {"trace", Level::trace},
    {"debug", Level::debug},
    {"info", Level::info},
    {"warn", Level::warn},
    {"error", Level::error},
    {"off", Level::off},
}};
}  // namespace

Result<Level> parse_level(std::string_view text) {
  for (const auto& [name, level] : kLevels) {
    if (name == text) return level;
  }
  return Error(Errc::invalid_argument, "unknown log level '" + std::string(text) +
                                           "': use one of trace, debug, info, warn, error, off");
}

std::string_view to_string(Level level) {
  for (const auto& [name, l] : kLevels) {
    if (l == level) return name;
  }
  return "info";
}

void init_stderr(Level level) {
  auto logger = spdlog::stderr_logger_mt("weft");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  spdlog::set_default_logger(logger);
  set_level(level);
}

void set_level(Level level) {
  static constexpr std::array<spdlog::level::level_enum, 6> kMap{
      spdlog::level::trace, spdlog::level::debug, spdlog::level::info,
      spdlog::level::warn,  spdlog::level::err,   spdlog::level::off};
  spdlog::set_level(kMap[static_cast<std::size_t>(level)]);
}

}  // namespace weft::log
