// SPDX-License-Identifier: Apache-2.0
// A blocking client for the daemon API over its unix socket (used by the CLI and weft-cni).
#pragma once

#include "weft/api/routes.hpp"
#include "weft/base/result.hpp"

#include <chrono>
#include <filesystem>
#include <string>

namespace weft::api {

class ApiClient {
 public:
  explicit ApiClient(std::filesystem::path socket_path,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

  /// One request on a fresh connection. A missing socket or a refused connection is
  /// Errc::unavailable with a message that weftd is not running at the socket path;
  /// an HTTP error status is *not* an error here: callers read response.status.
  Result<HttpResponse> request(const std::string& method, const std::string& target,
                               const std::string& body = "") const;

  [[nodiscard]] const std::filesystem::path& socket_path() const { return socket_path_; }

 private:
  std::filesystem::path socket_path_;
  std::chrono::milliseconds timeout_;
};

}  // namespace weft::api
