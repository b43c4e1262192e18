// SPDX-License-Identifier: Apache-2.0
// Asserts are for broken invariants (programmer errors) only, never for bad input.
#pragma once

namespace weft::detail {
[[noreturn]] void assert_fail(const char* cond, const char* reason, const char* file, int line);
}

/// Aborts with a message when `cond` is false. Write the belief that makes it true next to it.
#define WEFT_ASSERT(cond, reason)                                     \
  do {                                                                \
    if (!(cond)) [[unlikely]]                                         \
      ::weft::detail::assert_fail(#cond, reason, __FILE__, __LINE__); \
  } while (0)

/// Like WEFT_ASSERT, for checks that cost time: compiled only into debug and sanitizer builds.
#ifdef NDEBUG
#define WEFT_DCHECK(cond, reason) \
  do {                            \
  } while (0)
#else
#define WEFT_DCHECK(cond, reason) WEFT_ASSERT(cond, reason)
#endif
