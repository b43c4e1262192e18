// SPDX-License-Identifier: Apache-2.0
// Store's non-virtual one-op helpers.
#include "weft/store/store.hpp"

namespace weft::store {

Result<void> Store::put(std::string_view ns, std::string_view key, std::string_view value) {
  Batch batch;
  batch.put(ns, key, value);
  return apply(batch);
}

Result<void> Store::erase(std::string_view ns, std::string_view key) {
  Batch batch;
  batch.erase(ns, key);
  return apply(batch);
}

}  // namespace weft::store
