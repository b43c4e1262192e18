// SPDX-License-Identifier: Apache-2.0
// Standard Prometheus process metrics (process_*), read from /proc at scrape time.
#pragma once

#include "weft/base/metrics.hpp"

namespace weft {

/// Updates process_cpu_seconds_total, process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_open_fds, process_max_fds and
/// process_start_time_seconds in `registry`. Missing /proc files leave values unchanged.
void collect_process_metrics(MetricsRegistry& registry);

}  // namespace weft
