// SPDX-License-Identifier: Apache-2.0
// Batch builder and the name rule shared by every Store.
#include "weft/store/batch.hpp"

namespace weft::store {

Batch& Batch::put(std::string_view ns, std::string_view key, std::string_view value) {
  ops_.push_back(Op{Op::Kind::put, std::string(ns), std::string(key), std::string(value)});
  return *this;
}

Batch& Batch::erase(std::string_view ns, std::string_view key) {
  ops_.push_back(Op{Op::Kind::erase, std::string(ns), std::string(key), {}});
  return *this;
}

Batch& Batch::erase_namespace(std::string_view ns) {
  ops_.push_back(Op{Op::Kind::erase_namespace, std::string(ns), {}, {}});
  return *this;
}

Batch& Batch::append(const Batch& other) {
  // Copy first: `other` may be *this, and inserting a vector into itself is undefined.
  const std::vector<Op> copy = other.ops_;
  ops_.insert(ops_.end(), copy.begin(), copy.end());
  return *this;
}

Result<void> Batch::validate() const {
  for (const Op& op : ops_) {
    if (auto r = validate_name("namespace", op.ns); !r) return r;
    if (auto r = validate_name("key", op.key); !r) return r;
  }
  return ok();
}

Result<void> validate_name(std::string_view what, std::string_view name) {
  if (name.find('\0') != std::string_view::npos) {
    return Error(Errc::invalid_argument,
                 "store " + std::string(what) + " contains a NUL byte (names are text)");
  }
  return ok();
}

}  // namespace weft::store
