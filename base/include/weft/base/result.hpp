// SPDX-License-Identifier: Apache-2.0
// Result<T>: the value-or-Error return type for anything that can fail at run time
// (network, kernel, files, users). Parsers of untrusted input return it and never throw.
#pragma once

#include "weft/base/error.hpp"

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <iosfwd>
#include <type_traits>

namespace weft {

/// Called only by Result::value() on an error; core code never calls value().
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

/// [[nodiscard]] so a dropped failure is a compile error under -Werror.
/// Use only the std::expected-compatible subset: operator bool, *, ->, error().
template <class T>
class [[nodiscard]] Result : public boost::system::result<T, Error> {
 public:
  using boost::system::result<T, Error>::result;
  // NOLINTNEXTLINE(google-explicit-constructor): an Error converts to a failed Result.
  Result(Error e) : boost::system::result<T, Error>(boost::system::in_place_error, std::move(e)) {}
};

/// Prints "ok[: value]" or "error: message". Declared so that it, not boost's unconstrained
/// operator<< for result (which fails to compile for values that cannot be printed, such as a
/// span), is what `os << r` and test frameworks' CHECK(r) pick.
template <class Ch, class Tr, class T>
std::basic_ostream<Ch, Tr>& operator<<(std::basic_ostream<Ch, Tr>& os, const Result<T>& r) {
  if (!r) return os << "error: " << r.error();
  if constexpr (!std::is_void_v<T>) {
    if constexpr (requires { os << *r; }) return os << "ok: " << *r;
  }
  return os << "ok";
}

/// A successful Result<void>.
inline Result<void> ok() {
  return {};
}

}  // namespace weft
