// SPDX-License-Identifier: Apache-2.0
// Allocations per second and latency through weftd's unix-socket API (one fresh connection
// per request, as weft-cni does), 1 client and 8 concurrent clients, against the baseline
// measured in the same run on the same disk: raw sqlite3 doing one durable single-row commit
// at a time, the cost floor of a durable allocation without group commit.
//
//   ipam_alloc_bench SOCKET SCRATCH_DIR SYNC N     (SYNC: FULL or NORMAL, as weftd runs)
#include "weft/api/client.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double raw_commit_rate(const std::filesystem::path& file, int n, const std::string& sync) {
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) return 0;
  const std::string setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + sync +
                            "; CREATE TABLE kv(ns TEXT, key TEXT, value BLOB, "
                            "PRIMARY KEY(ns,key)) WITHOUT ROWID;";
  if (sqlite3_exec(db, setup.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return 0;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO kv VALUES('ipam', ?1, ?2)", -1, &st, nullptr);
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    const std::string key = "alloc/" + std::to_string(i);
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    sqlite3_bind_text(st, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 2, "10.32.0.0/12 container", 22, SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  const double rate = n / std::chrono::duration<double>(Clock::now() - t0).count();
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rate;
}

struct Run {
  double rate = 0, p50_ms = 0, p99_ms = 0;
  int failures = 0;
};

Run run_clients(const std::string& socket, int clients, int n, const std::string& prefix) {
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(clients));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  const auto t0 = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      const weft::api::ApiClient client(socket, std::chrono::seconds(60));
      for (int i = c; i < n; i += clients) {
        const auto s = Clock::now();
        auto r = client.request("POST", "/ipam/allocate",
                                "{\"id\": \"" + prefix + std::to_string(i) + "\"}");
        lat[static_cast<std::size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - s).count());
        if (!r || r->status != 200) {
          if (failures++ == 0) {
            std::fprintf(stderr, "ipam_alloc_bench: %s\n",
                         r ? r->body.c_str() : r.error().message().c_str());
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<double> all;
  for (const auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Run r;
  r.rate = n / secs;
  r.p50_ms = all[all.size() / 2];
  r.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  r.failures = failures;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: ipam_alloc_bench SOCKET SCRATCH_DIR FULL|NORMAL N\n");
    return 2;
  }
  const std::string socket = argv[1], sync = argv[3];
  const std::filesystem::path scratch = argv[2];
  const int n = std::atoi(argv[4]);
  const double raw = raw_commit_rate(scratch / ("raw-" + sync + ".db"), n, sync);
  int status = raw > 0 ? 0 : 1;
  for (int clients : {1, 8}) {
    // A warm-up burst, then the measured one (fresh ids: every request allocates).
    run_clients(socket, clients, std::max(1, n / 10),
                sync + "-warm-" + std::to_string(clients) + "-");
    const Run r = run_clients(socket, clients, n, sync + "-c" + std::to_string(clients) + "-");
    if (r.failures > 0) status = 1;
    std::printf(
        "ipam_alloc_bench synchronous=%-6s clients=%d n=%d: %7.0f allocations/s  p50 %.2f ms  "
        "p99 %.2f ms | raw sqlite3 durable commits %7.0f/s, ratio %.2fx | goal 2,000/s: %.2fx, "
        "p99 < 5 ms: %s%s\n",
        sync.c_str(), clients, n, r.rate, r.p50_ms, r.p99_ms, raw, raw > 0 ? r.rate / raw : 0.0,
        r.rate / 2000.0, r.p99_ms < 5 ? "yes" : "no",
        r.failures ? (" | " + std::to_string(r.failures) + " FAILED").c_str() : "");
  }
  return status;
}
