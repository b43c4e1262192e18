// SPDX-License-Identifier: Apache-2.0
// Pieces of the nftables scripts weft's tables are made with. Private to the router module.
#pragma once

#include <string>
#include <string_view>

namespace weft::router::detail {

/// Removes table `table` ("FAMILY NAME"), also on a host that never had it: "add table"
/// first, so that "delete table" cannot fail. A script that remakes the table starts here.
inline std::string drop_table(std::string_view table) {
  const std::string t(table);
  return "add table " + t + "\ndelete table " + t + "\n";
}

}  // namespace weft::router::detail
