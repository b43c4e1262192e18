// SPDX-License-Identifier: Apache-2.0
// Durable single-row commits per second: weft's SqliteStore::put against raw sqlite3 doing
// the same work (WAL, same synchronous mode, one BEGIN IMMEDIATE..COMMIT per row), measured
// in the same run on the same disk. Prints both rates and their ratio (goal: >= 0.9x).
#include "weft/store/sqlite_store.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

bool exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "store_bench: %s: %s\n", sql, err ? err : "?");
    sqlite3_free(err);
    return false;
  }
  return true;
}

// Baseline: the same table and commit pattern with the C API and nothing else.
double raw_rate(const std::filesystem::path& file, int n, const char* sync) {
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) return 0;
  const std::string pragmas = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=") + sync +
                              "; CREATE TABLE kv(ns TEXT, key TEXT, value BLOB, "
                              "PRIMARY KEY(ns,key)) WITHOUT ROWID;";
  if (!exec(db, pragmas.c_str())) return 0;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO kv VALUES('bench', ?1, ?2)", -1, &st, nullptr);
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    const std::string key = "container-" + std::to_string(i);
    exec(db, "BEGIN IMMEDIATE");
    sqlite3_bind_text(st, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 2, "10.32.0.1/12", 12, SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_reset(st);
    exec(db, "COMMIT");
  }
  const double rate = n / seconds_since(t0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rate;
}

double weft_rate(const std::filesystem::path& file, int n, weft::store::Synchronous sync) {
  weft::store::SqliteOptions options;
  options.synchronous = sync;
  auto store = weft::store::SqliteStore::open(file, options);
  if (!store) {
    std::fprintf(stderr, "store_bench: %s\n", store.error().message().c_str());
    return 0;
  }
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    if (!(*store)->put("bench", "container-" + std::to_string(i), "10.32.0.1/12")) return 0;
  }
  return n / seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  char tmpl[] = "/tmp/weft-store-bench-XXXXXX";
  const std::filesystem::path dir = ::mkdtemp(tmpl);
  int status = 0;
  for (auto [sync, name] : {std::pair{weft::store::Synchronous::full, "FULL"},
                            std::pair{weft::store::Synchronous::normal, "NORMAL"}}) {
    const double raw = raw_rate(dir / (std::string("raw-") + name + ".db"), n, name);
    const double weft = weft_rate(dir / (std::string("weft-") + name + ".db"), n, sync);
    if (raw <= 0 || weft <= 0) status = 1;
    std::printf(
        "store_bench synchronous=%-6s n=%d  raw sqlite3 %9.0f commits/s  weft SqliteStore "
        "%9.0f commits/s  ratio %.2fx\n",
        name, n, raw, weft, raw > 0 ? weft / raw : 0.0);
  }
  std::filesystem::remove_all(dir);
  return status;
}
