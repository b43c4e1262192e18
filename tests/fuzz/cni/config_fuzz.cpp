// SPDX-License-Identifier: Apache-2.0
// Fuzzes what a runtime (or a plugin before weft in a chain) hands weft-cni: the network
// config and the prevResult inside it. Never crashes or throws; every refusal has a code and
// says why; a result that parses encodes in the config's version and parses back the same.
#include "weft/base/assert.hpp"
#include "weft/cni/config.hpp"
#include "weft/cni/result.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace weft;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto conf = cni::parse_netconf(text);
  if (!conf) {
    WEFT_ASSERT(!conf.error().msg.empty(), "every refusal says why");
    WEFT_ASSERT(static_cast<int>(conf.error().code) > 0, "every refusal has a spec code");
  }
  // The same bytes as a result; and the config's prevResult, when there is one.
  for (const auto& candidate :
       {std::string(text), conf && conf->prev_result ? *conf->prev_result : std::string("{}")}) {
    auto r = cni::parse_result(candidate);
    if (!r) {
      WEFT_ASSERT(r.error().code == cni::Code::decode_failure, "results fail as decode errors");
      continue;
    }
    const auto encoded = cni::encode_result(*r, "1.1.0");
    auto back = cni::parse_result(encoded);
    WEFT_ASSERT(back && *back == *r, "a parsed result survives encode and parse");
  }
  return 0;
}
