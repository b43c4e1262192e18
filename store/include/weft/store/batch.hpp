// SPDX-License-Identifier: Apache-2.0
// Batch: an ordered list of writes that a Store applies all-or-nothing.
#pragma once

#include "weft/base/result.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace weft::store {

/// The writes a pure core wants persisted, returned as an effect and applied by the io layer
/// with Store::apply in one durable transaction. Ops apply in the order they were added, so
/// `erase_namespace("x")` followed by `put("x", ...)` leaves exactly the new entries.
class Batch {
 public:
  struct Op {
    enum class Kind { put, erase, erase_namespace };
    Kind kind;
    std::string ns;
    std::string key;    ///< empty for erase_namespace
    std::string value;  ///< empty unless kind == put

    friend bool operator==(const Op&, const Op&) = default;
  };

  /// Sets `key` in `ns` to `value` (bytes; may be empty or hold NULs), replacing any value.
  Batch& put(std::string_view ns, std::string_view key, std::string_view value);
  /// Removes `key` from `ns`; removing an absent key is not an error.
  Batch& erase(std::string_view ns, std::string_view key);
  /// Removes every key of `ns`.
  Batch& erase_namespace(std::string_view ns);
  /// Appends the ops of `other` after ours, so several cores' effects commit together.
  Batch& append(const Batch& other);

  [[nodiscard]] const std::vector<Op>& ops() const noexcept { return ops_; }
  [[nodiscard]] bool empty() const noexcept { return ops_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return ops_.size(); }

  /// Checks every namespace and key with validate_name; a Store calls it before writing
  /// anything, so an invalid op fails the whole batch.
  [[nodiscard]] Result<void> validate() const;

 private:
  std::vector<Op> ops_;
};

/// Namespaces and keys are text without NUL bytes: SQLite's comparison of TEXT with embedded
/// NULs is undefined, and every Store must accept exactly the same names. Values are free.
[[nodiscard]] Result<void> validate_name(std::string_view what, std::string_view name);

}  // namespace weft::store
