// SPDX-License-Identifier: Apache-2.0
// Error values: an error_code for programs plus a message for people.
#pragma once

#include <boost/system/error_code.hpp>

#include <iosfwd>
#include <string>
#include <system_error>
#include <utility>

namespace weft {

/// Generic error kinds shared by all modules; modules may add their own categories.
enum class Errc {
  ok = 0,
  invalid_argument,  ///< bad input from a user, a flag or a config file
  parse_error,       ///< untrusted bytes or text that do not parse
  out_of_range,      ///< a value or a read outside the allowed bounds
  not_found,
  already_exists,
  io_error,     ///< a syscall or file operation failed (the message carries errno text)
  busy,         ///< held by someone else (a lock, a busy database)
  corrupt,      ///< persisted data fails its integrity check
  unavailable,  ///< a peer or daemon is not reachable
  timed_out,
  unsupported,  ///< a version or feature we do not speak
  internal,
};

const boost::system::error_category& weft_category() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), weft_category()};
}

/// An error as it reaches a user: `code` for decisions, `message` says what failed, where,
/// and (when there is something to do) what to do about it.
class Error {
 public:
  Error() = default;
  Error(boost::system::error_code code, std::string message)
      : code_(code), message_(std::move(message)) {}
  Error(Errc code, std::string message) : Error(make_error_code(code), std::move(message)) {}

  [[nodiscard]] const boost::system::error_code& code() const noexcept { return code_; }
  [[nodiscard]] const std::string& message() const noexcept { return message_; }
  [[nodiscard]] bool is(Errc e) const noexcept { return code_ == make_error_code(e); }

  /// Prepends context: `Error(...).wrap("open /var/lib/weft/weft.db")` reads
  /// "open /var/lib/weft/weft.db: <original message>".
  [[nodiscard]] Error wrap(std::string_view context) const {
    return Error(code_, std::string(context) + ": " + message_);
  }

 private:
  boost::system::error_code code_;
  std::string message_;
};

/// Prints the message. Also what makes a Result<T> printable: boost's operator<< for result
/// needs one for the error type, and test frameworks (Catch's CHECK(result)) instantiate it.
template <class Ch, class Tr>
std::basic_ostream<Ch, Tr>& operator<<(std::basic_ostream<Ch, Tr>& os, const Error& e) {
  return os << e.message();
}

/// Builds an Error from an errno value with the strerror text appended.
Error errno_error(int err, std::string_view what);

}  // namespace weft

namespace boost::system {
template <>
struct is_error_code_enum<weft::Errc> : std::true_type {};
}  // namespace boost::system
