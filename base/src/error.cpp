// SPDX-License-Identifier: Apache-2.0
#include "weft/base/error.hpp"

#include "weft/base/result.hpp"

#include <cstring>
#include <stdexcept>

namespace weft {
namespace {

// boost's error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer), which -Wnon-virtual-dtor cannot see.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class WeftCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "weft"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::ok: return "ok";
      case Errc::invalid_argument: return "invalid argument";
      case Errc::parse_error: return "parse error";
      case Errc::out_of_range: return "out of range";
      case Errc::not_found: return "not found";
      case Errc::already_exists: return "already exists";
      case Errc::io_error: return "I/O error";
      case Errc::busy: return "busy";
      case Errc::corrupt: return "corrupt data";
      case Errc::unavailable: return "unavailable";
      case Errc::timed_out: return "timed out";
      case Errc::unsupported: return "unsupported";
      case Errc::internal: return "internal error";
    }
    return "unknown weft error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& weft_category() noexcept {
  static const WeftCategory category;
  return category;
}

Error errno_error(int err, std::string_view what) {
  return Error(boost::system::error_code(err, boost::system::system_category()),
               std::string(what) + ": " + std::strerror(err));
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw std::runtime_error(e.message());
}

}  // namespace weft
