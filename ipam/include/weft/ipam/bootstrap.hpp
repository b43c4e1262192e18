// SPDX-License-Identifier: Apache-2.0
// `--ipalloc-init`: how a peer gets its first ring. seed=NAME,... (every peer given the
// same names computes the same ring; names or nicknames), consensus=N (the peers agree on
// the seeds by Paxos with a quorum of N/2+1: consensus.hpp), or observer (never seeds; gets
// space from others on demand).
#pragma once

#include "weft/base/result.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace weft::ipam {

struct InitMode {
  enum class Kind { seed, consensus, observer };
  Kind kind = Kind::consensus;
  std::vector<std::string> seeds;  ///< for seed: peer names or nicknames, as given
  std::size_t n = 1;               ///< for consensus: peers expected
};

/// Parses the flag. An empty text is consensus with `default_n` (1 + the --peer targets).
Result<InitMode> parse_init_mode(std::string_view text, std::size_t default_n);
/// "seed=a,b", "consensus=3", "observer".
std::string to_string(const InitMode& mode);

}  // namespace weft::ipam
