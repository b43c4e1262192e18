// SPDX-License-Identifier: Apache-2.0
#include "weft/base/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace weft::detail {

void assert_fail(const char* cond, const char* reason, const char* file, int line) {
  std::fprintf(stderr, "weft: invariant broken at %s:%d: %s (%s)\n", file, line, cond, reason);
  std::fflush(stderr);
  std::abort();
}

}  // namespace weft::detail
