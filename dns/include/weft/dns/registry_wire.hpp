// SPDX-License-Identifier: Apache-2.0
// The dns gossip channel's one message: registry records (registry.hpp) on one page.
// Big-endian; every state has exactly one encoding (encode(decode(b)) == b); the decoder
// takes untrusted bytes, never throws, and says what is wrong and at which offset.
//
//   message := u8 kind=1, u32 n, n x record                 (origins strictly increasing)
//   record  := u64 origin (non-zero), u64 base, u64 complete, u64 floor,
//              u32 n, n x entry                              (keys strictly increasing)
//   entry   := u16 length, name (canonical text: lower case, trailing dot, escapes as
//              Name::to_string, strictly below weft.local.),
//              u8 family (4|6), 4|16 address bytes (not unspecified),
//              u8 length, container id (1..255 printable ASCII bytes),
//              u64 version (>= 1), u8 state (0 live, 1 dead)
//
// Record rules: base <= complete; a floor only in a record with base 0 (a delta lists some
// keys, so it cannot declare the unlisted ones dead); floor <= complete + 1 (a floor only
// covers versions the record is complete for); no tombstone at version floor - 1 (the floor
// says the same, so it is written as nothing). Keys order as EntryKey: name text, then
// address, then container id.
#pragma once

#include "weft/base/result.hpp"
#include "weft/dns/registry.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace weft::dns {

inline constexpr std::uint8_t kRegistryMessage = 1;
/// No version field (base, complete, floor, an entry's) may exceed this: no origin makes 2^62
/// changes, so larger ones come from a bug or a hostile peer, and refusing them keeps every
/// "version + 1" of the registry far from overflow.
inline constexpr std::uint64_t kMaxRegistryVersion = std::uint64_t{1} << 62;

std::vector<std::uint8_t> encode_registry(const RegistryState& state);
/// parse_error for anything but the canonical encoding of records that follow the rules.
Result<RegistryState> decode_registry(std::span<const std::uint8_t> bytes);

}  // namespace weft::dns
