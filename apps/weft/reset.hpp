// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "weft/api/client.hpp"

#include <string>

namespace weft::cli {

/// `weft reset`; returns the exit code.
int reset_host(const api::ApiClient& client, const std::string& run_dir);

}  // namespace weft::cli
