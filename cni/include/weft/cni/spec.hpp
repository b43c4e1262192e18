// SPDX-License-Identifier: Apache-2.0
// What the CNI specification fixes: the versions a plugin speaks, the error codes, and the
// error object a plugin prints on failure. The spec is
// https://github.com/containernetworking/cni/blob/main/SPEC.md (1.1.0).
#pragma once

#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace weft::cni {

/// The spec's well-known error codes (section "Error"); 100+ are the plugin's own.
enum class Code : int {
  incompatible_version = 1,
  unsupported_field = 2,
  unknown_container = 3,
  invalid_environment = 4,
  io_failure = 5,
  decode_failure = 6,
  invalid_config = 7,
  try_again_later = 11,
  not_available = 50,  ///< STATUS: the plugin cannot serve ADDs now
  limited_connectivity = 51,
};

/// A failure as the runtime sees it: printed as {"cniVersion", "code", "msg", "details"}.
struct Failure {
  Code code = Code::io_failure;
  std::string msg;      ///< what failed and what to do
  std::string details;  ///< more context (the underlying error), may be empty
};

/// A value or the Failure to print. Plugins never throw: `*r` and `r.error()` only.
template <class T>
using Outcome = boost::system::result<T, Failure>;

/// Required by boost::system::result<T, Failure>::value(), which weft never calls.
[[noreturn]] void throw_exception_from_error(const Failure& f, const boost::source_location&);

/// The versions weft-cni reads and writes, oldest first.
const std::vector<std::string>& supported_versions();
[[nodiscard]] bool is_supported(std::string_view version);
/// Orders "0.3.1" < "0.4.0" < "1.0.0" < "1.1.0"; -1, 0 or 1. Unparsable versions sort first.
int compare_versions(std::string_view a, std::string_view b);

/// The error object in the runtime's version (which the spec asks even on failure).
std::string encode_failure(const Failure& f, std::string_view cni_version);
/// The VERSION command's answer.
std::string encode_version_info(std::string_view cni_version);

}  // namespace weft::cni
