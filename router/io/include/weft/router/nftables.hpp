// SPDX-License-Identifier: Apache-2.0
// Runs an `nft -f` script in the caller's network namespace through libnftables, as one
// transaction: all of it applies or none. The script comes from the router core
// (egress.hpp); this adapter decides nothing.
#pragma once

#include "weft/base/result.hpp"

#include <string>
#include <string_view>

namespace weft::router {

/// Errc::io_error with nft's own message (which names the line) when the kernel refuses,
/// e.g. without CAP_NET_ADMIN or without nf_tables.
Result<void> run_nft(std::string_view script);
/// Runs one command (a `list`) and returns its output as nft's JSON (`nft -j`).
/// Errc::not_found when the command names a table or chain that does not exist.
Result<std::string> nft_json(std::string_view command);

}  // namespace weft::router
