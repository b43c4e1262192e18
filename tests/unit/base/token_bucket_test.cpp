// SPDX-License-Identifier: Apache-2.0
#include "weft/base/token_bucket.hpp"

#include <catch2/catch.hpp>

using namespace weft;
using namespace std::chrono_literals;

namespace {
int takes(TokenBucket& b, TimePoint at, int tries) {
  int n = 0;
  for (int i = 0; i < tries; ++i) n += b.take(at) ? 1 : 0;
  return n;
}
}  // namespace

TEST_CASE("a token bucket allows its burst at once, then its rate", "[token_bucket]") {
  TokenBucket b(1000, 50);
  const TimePoint t0 = kEpoch + 10s;
  CHECK(takes(b, t0, 200) == 50);
  CHECK(takes(b, t0 + 10ms, 200) == 10);  // 1 per ms
  CHECK(takes(b, t0 + 10ms + 500us, 200) == 0);
  CHECK(takes(b, t0 + 11ms, 200) == 1);  // the half token left plus half a ms
}

TEST_CASE("a token bucket never holds more than its burst", "[token_bucket]") {
  TokenBucket b(1000, 50);
  const TimePoint t0 = kEpoch + 1s;
  CHECK(takes(b, t0, 10) == 10);
  CHECK(takes(b, t0 + 1h, 1000) == 50);
}

TEST_CASE("time going backwards adds nothing to a token bucket", "[token_bucket]") {
  TokenBucket b(10, 2);
  const TimePoint t0 = kEpoch + 1h;
  CHECK(takes(b, t0, 5) == 2);
  CHECK(takes(b, t0 - 30min, 5) == 0);
  CHECK(takes(b, t0 + 100ms, 5) == 1);  // refilled from t0, not from the earlier instant
}

TEST_CASE("a token bucket's rate and burst are at least one", "[token_bucket]") {
  TokenBucket b(0, 0);
  const TimePoint t0 = kEpoch;
  CHECK(takes(b, t0, 3) == 1);
  CHECK(takes(b, t0 + 1s, 3) == 1);
}

TEST_CASE("a refunded token can be taken again, and never beyond the burst", "[token_bucket]") {
  TokenBucket b(1, 2);
  const TimePoint t0 = kEpoch + 1s;
  CHECK(takes(b, t0, 5) == 2);
  b.refund();
  CHECK(takes(b, t0, 5) == 1);
  b.refund();
  b.refund();
  b.refund();  // a full bucket stays full
  CHECK(takes(b, t0, 5) == 2);
}
