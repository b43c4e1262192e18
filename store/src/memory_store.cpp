// SPDX-License-Identifier: Apache-2.0
// MemoryStore: std::map buckets with the same validation and ordering as SqliteStore.
#include "weft/store/memory_store.hpp"

namespace weft::store {

Result<std::optional<std::string>> MemoryStore::get(std::string_view ns, std::string_view key) {
  if (auto r = validate_name("namespace", ns); !r) return r.error();
  if (auto r = validate_name("key", key); !r) return r.error();
  const auto bucket = buckets_.find(ns);
  if (bucket == buckets_.end()) return std::optional<std::string>{};
  const auto it = bucket->second.find(key);
  if (it == bucket->second.end()) return std::optional<std::string>{};
  return std::optional<std::string>{it->second};
}

Result<std::vector<Entry>> MemoryStore::list(std::string_view ns) {
  if (auto r = validate_name("namespace", ns); !r) return r.error();
  std::vector<Entry> entries;
  const auto bucket = buckets_.find(ns);
  if (bucket == buckets_.end()) return entries;
  entries.reserve(bucket->second.size());
  // std::map<std::string> iterates in std::string order, which is SQLite's BINARY order.
  for (const auto& [key, value] : bucket->second) entries.push_back(Entry{key, value});
  return entries;
}

Result<void> MemoryStore::apply(const Batch& batch) {
  if (next_failure_) {
    Error e = std::move(*next_failure_);
    next_failure_.reset();
    return e;
  }
  // Validate everything before the first write: that is what makes the batch atomic here.
  if (auto r = batch.validate(); !r) return r;
  for (const Batch::Op& op : batch.ops()) {
    switch (op.kind) {
      case Batch::Op::Kind::put: buckets_[op.ns].insert_or_assign(op.key, op.value); break;
      case Batch::Op::Kind::erase: {
        const auto bucket = buckets_.find(op.ns);
        if (bucket == buckets_.end()) break;
        bucket->second.erase(op.key);
        if (bucket->second.empty()) buckets_.erase(bucket);
        break;
      }
      case Batch::Op::Kind::erase_namespace: buckets_.erase(op.ns); break;
    }
  }
  ++apply_count_;
  return ok();
}

}  // namespace weft::store
