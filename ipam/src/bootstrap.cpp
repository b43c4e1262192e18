// SPDX-License-Identifier: Apache-2.0
#include "weft/ipam/bootstrap.hpp"

#include <charconv>

namespace weft::ipam {

namespace {
Error bad(std::string_view text, std::string_view why) {
  return Error(Errc::invalid_argument, "--ipalloc-init '" + std::string(text) +
                                           "': " + std::string(why) +
                                           "; use seed=NAME[,NAME...], consensus=N or observer");
}
}  // namespace

Result<InitMode> parse_init_mode(std::string_view text, std::size_t default_n) {
  InitMode m;
  if (text.empty() || text == "consensus") {
    m.n = default_n < 1 ? 1 : default_n;
    return m;
  }
  if (text == "observer") {
    m.kind = InitMode::Kind::observer;
    return m;
  }
  if (text.starts_with("consensus=")) {
    const auto num = text.substr(10);
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
    if (ec != std::errc() || end != num.data() + num.size() || n < 1 || n > 10000) {
      return bad(text, "N must be a number of peers from 1 to 10000");
    }
    m.n = n;
    return m;
  }
  if (text.starts_with("seed=")) {
    m.kind = InitMode::Kind::seed;
    std::string_view rest = text.substr(5);
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto item = rest.substr(0, comma);
      if (item.empty()) return bad(text, "an empty name in the seed list");
      m.seeds.emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
      if (rest.empty()) return bad(text, "an empty name in the seed list");
    }
    if (m.seeds.empty()) return bad(text, "no seed names");
    return m;
  }
  return bad(text, "unknown mode");
}

std::string to_string(const InitMode& mode) {
  switch (mode.kind) {
    case InitMode::Kind::seed: {
      std::string s = "seed=";
      for (std::size_t i = 0; i < mode.seeds.size(); ++i) s += (i ? "," : "") + mode.seeds[i];
      return s;
    }
    case InitMode::Kind::consensus: return "consensus=" + std::to_string(mode.n);
    case InitMode::Kind::observer: return "observer";
  }
  return "?";
}

}  // namespace weft::ipam
