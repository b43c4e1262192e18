// SPDX-License-Identifier: Apache-2.0
// MemoryStore: the in-memory Store for unit tests and simulations.
#pragma once

#include "weft/store/store.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace weft::store {

/// Same semantics as SqliteStore (the io contract tests run both), without durability.
/// A simulated "restart" keeps the MemoryStore and builds new cores on it.
class MemoryStore final : public Store {
 public:
  [[nodiscard]] Result<std::optional<std::string>> get(std::string_view ns,
                                                       std::string_view key) override;
  [[nodiscard]] Result<std::vector<Entry>> list(std::string_view ns) override;
  [[nodiscard]] Result<void> apply(const Batch& batch) override;

  /// Makes the next apply() (empty or not) fail with `error` and change nothing, the way a
  /// full disk or a busy database would; later applies succeed again.
  void fail_next_apply(Error error) { next_failure_ = std::move(error); }

  /// How many apply() calls succeeded, so a test can check that a core wrote once.
  [[nodiscard]] std::size_t apply_count() const noexcept { return apply_count_; }

 private:
  using Bucket = std::map<std::string, std::string, std::less<>>;
  std::map<std::string, Bucket, std::less<>> buckets_;
  std::optional<Error> next_failure_;
  std::size_t apply_count_ = 0;
};

}  // namespace weft::store
