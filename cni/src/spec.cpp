// SPDX-License-Identifier: Apache-2.0
#include "weft/cni/spec.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace weft::cni {

void throw_exception_from_error(const Failure&, const boost::source_location&) {
  // Only boost::system::result::value() calls this, and weft never does.
  std::abort();
}

const std::vector<std::string>& supported_versions() {
  static const std::vector<std::string> v{"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
  return v;
}

bool is_supported(std::string_view version) {
  for (const auto& v : supported_versions()) {
    if (v == version) return true;
  }
  return false;
}

namespace {
// "1.10.2" -> {1,10,2}; anything else -> {-1,-1,-1}.
std::array<int, 3> parts(std::string_view s) {
  std::array<int, 3> out{-1, -1, -1};
  std::size_t i = 0;
  for (int n = 0; n < 3; ++n) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return {-1, -1, -1};
    int v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (v > 100000) return {-1, -1, -1};
      v = v * 10 + (s[i++] - '0');
    }
    out[static_cast<std::size_t>(n)] = v;
    if (n < 2) {
      if (i >= s.size() || s[i] != '.') return {-1, -1, -1};
      ++i;
    }
  }
  if (i != s.size()) return {-1, -1, -1};
  return out;
}
}  // namespace

int compare_versions(std::string_view a, std::string_view b) {
  const auto x = parts(a);
  const auto y = parts(b);
  if (x < y) return -1;
  if (y < x) return 1;
  return 0;
}

std::string encode_failure(const Failure& f, std::string_view cni_version) {
  nlohmann::json j{{"cniVersion", is_supported(cni_version) ? std::string(cni_version)
                                                            : supported_versions().back()},
                   {"code", static_cast<int>(f.code)},
                   {"msg", f.msg}};
  if (!f.details.empty()) j["details"] = f.details;
  // Replace invalid UTF-8 (from a device or file name) rather than throw.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string encode_version_info(std::string_view cni_version) {
  nlohmann::json j{{"cniVersion", is_supported(cni_version) ? std::string(cni_version)
                                                            : supported_versions().back()},
                   {"supportedVersions", supported_versions()}};
  return j.dump(2) + "\n";
}

}  // namespace weft::cni
