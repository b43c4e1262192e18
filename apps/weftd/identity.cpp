// SPDX-License-Identifier: Apache-2.0
#include "identity.hpp"

#include "weft/base/files.hpp"
#include "weft/base/log.hpp"

#include <sodium.h>

#include <string_view>

namespace weft::weftd {
namespace {

constexpr std::string_view kNamespace = "identity";
constexpr std::string_view kNameKey = "peer_name";
constexpr std::string_view kKeyFile = "identity.key";
constexpr std::string_view kKeyHeader = "weft-x25519-v1 ";

std::uint64_t random_u64() {
  std::uint64_t v = 0;
  randombytes_buf(&v, sizeof v);
  return v;
}

Result<void> load_or_create_key(const std::filesystem::path& path, Identity& id) {
  auto text = read_file(path);
  if (!text && !text.error().is(Errc::not_found)) return text.error();
  if (text) {
    std::string_view t = *text;
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.remove_suffix(1);
    std::size_t bin_len = 0;
    if (t.substr(0, kKeyHeader.size()) != kKeyHeader ||
        sodium_hex2bin(id.secret_key.data(), id.secret_key.size(), t.data() + kKeyHeader.size(),
                       t.size() - kKeyHeader.size(), nullptr, &bin_len, nullptr) != 0 ||
        bin_len != id.secret_key.size()) {
      // Never regenerate silently: a new key is a new identity to every peer.
      return Error(Errc::corrupt, "identity key " + path.string() +
                                      " is malformed; restore it, or delete it to make a new one");
    }
  } else {
    crypto_box_keypair(id.public_key.data(), id.secret_key.data());
    std::string hex(id.secret_key.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), id.secret_key.data(), id.secret_key.size());
    hex.pop_back();
    auto w = write_file_atomic(path, std::string(kKeyHeader) + hex + "\n", 0600);
    sodium_memzero(hex.data(), hex.size());
    if (!w) return w.error();
    id.created = true;
  }
  crypto_scalarmult_base(id.public_key.data(), id.secret_key.data());
  return ok();
}

}  // namespace

Result<Identity> load_or_create_identity(store::Store& store, const std::filesystem::path& data_dir,
                                         const std::string& name_override) {
  if (sodium_init() < 0) return Error(Errc::internal, "libsodium failed to initialise");
  Identity id;
  if (auto k = load_or_create_key(data_dir / kKeyFile, id); !k) return k.error();

  auto stored = store.get(kNamespace, kNameKey);
  if (!stored) return stored.error().wrap("read the peer name");
  std::optional<PeerName> stored_name;
  if (*stored) {
    auto parsed = PeerName::parse(**stored);
    if (!parsed) {
      return Error(Errc::corrupt,
                   "the stored peer name '" + **stored + "' is malformed; pass --name to set one");
    }
    stored_name = *parsed;
  }

  if (!name_override.empty()) {
    auto parsed = PeerName::parse(name_override);
    if (!parsed) return parsed.error().wrap("--name");
    id.name = *parsed;
    if (stored_name && *stored_name != id.name) {
      log::warn("peer name changes from {} to {} (--name)", stored_name->to_string(),
                id.name.to_string());
    }
  } else if (stored_name) {
    id.name = *stored_name;
  } else {
    id.name = PeerName::from_random(random_u64());
    id.created = true;
  }
  if (!stored_name || *stored_name != id.name) {
    if (auto w = store.put(kNamespace, kNameKey, id.name.to_string()); !w) {
      return w.error().wrap("persist the peer name");
    }
  }
  return id;
}

}  // namespace weft::weftd
