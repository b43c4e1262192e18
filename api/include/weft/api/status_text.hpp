// SPDX-License-Identifier: Apache-2.0
// Text renderings of a Report in the look of `weave status` (aligned `Key: value` blocks).
#pragma once

#include "weft/api/report.hpp"

#include <string>
#include <utility>
#include <vector>

namespace weft::api {

/// Renders rows as a block with keys right-aligned to a common column, as weave does.
std::string render_block(const std::vector<std::pair<std::string, std::string>>& rows);

/// `weft status`: version line, then one block per service.
std::string render_status(const Report& report);
/// `weft status peers`: each peer, then its connections indented below it.
std::string render_status_peers(const Report& report);
/// `weft status connections`: one line per connection of the local peer.
std::string render_status_connections(const Report& report);
/// `weft status targets`: one target per line.
std::string render_status_targets(const Report& report);
/// One line per reachable peer: "DESTINATION via NEXT-HOP" (unicast routes).
std::string render_status_routes(const Report& report);

/// `weft status ipam`: per peer, addresses owned, share of the range, active count (or
/// "unreachable!" / "removed").
std::string render_status_ipam(const Report& report);
/// `weft status dns`: one line per live name: name, address, container, origin peer.
std::string render_status_dns(const Report& report);
/// `weft ps`: container id, address/prefix, subnet; one line per address held here.
std::string render_ps(const std::vector<AllocationInfo>& allocations);
/// A count of addresses: exact digits below 10^15, else 3 significant digits.
std::string format_count(double n);

/// "3d 4h", "5m 2s", "12s": how long weftd has been up.
std::string format_duration(std::int64_t seconds);

}  // namespace weft::api
