// SPDX-License-Identifier: Apache-2.0
// The peer's persisted identity: a random 64-bit name and a static X25519 key pair.
#pragma once

#include "weft/base/peer_name.hpp"
#include "weft/base/result.hpp"
#include "weft/store/store.hpp"

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

namespace weft::weftd {

struct Identity {
  PeerName name;
  std::array<std::uint8_t, 32> public_key{};
  std::array<std::uint8_t, 32> secret_key{};
  bool created = false;  ///< true on the first start with this data dir
};

/// Loads the identity, creating it on first start. The name lives in the store (never
/// derived from machine-id, so cloned VMs do not collide); the key pair in
/// `<data_dir>/identity.key` (mode 0600). `name_override` (--name) replaces the stored name.
Result<Identity> load_or_create_identity(store::Store& store, const std::filesystem::path& data_dir,
                                         const std::string& name_override);

}  // namespace weft::weftd
