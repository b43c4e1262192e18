// SPDX-License-Identifier: Apache-2.0
// Store: the bucketed key-value persistence interface that cores write through.
#pragma once

#include "weft/base/result.hpp"
#include "weft/store/batch.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::store {

/// One key and its value, as returned by Store::list.
struct Entry {
  std::string key;
  std::string value;

  friend bool operator==(const Entry&, const Entry&) = default;
};

/// Keys grouped in namespaces ("ipam", "dns", ...), values are byte strings.
/// Implementations: MemoryStore (fake for tests and simulations) and SqliteStore.
/// Not thread-safe: one owner uses a Store from one thread.
class Store {
 public:
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  virtual ~Store() = default;

  /// The value of `key` in `ns`, or nullopt when absent (an empty value is not absent).
  [[nodiscard]] virtual Result<std::optional<std::string>> get(std::string_view ns,
                                                               std::string_view key) = 0;
  /// All entries of `ns`, sorted by key in byte order (as std::string compares).
  [[nodiscard]] virtual Result<std::vector<Entry>> list(std::string_view ns) = 0;
  /// Applies all ops of `batch` in order, atomically: on success all of them are durable,
  /// on failure none is visible. An empty batch succeeds without writing.
  [[nodiscard]] virtual Result<void> apply(const Batch& batch) = 0;

  /// A one-op apply(); batch related writes instead, for atomicity and one fsync.
  [[nodiscard]] Result<void> put(std::string_view ns, std::string_view key, std::string_view value);
  /// A one-op apply() erasing `key`.
  [[nodiscard]] Result<void> erase(std::string_view ns, std::string_view key);
};

}  // namespace weft::store
