// SPDX-License-Identifier: Apache-2.0
// A small metrics registry rendered in the Prometheus text exposition format (version 0.0.4).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

/// A monotonically increasing value. Safe to update from any thread.
class Counter {
 public:
  void inc(double by = 1.0) { value_.fetch_add(by, std::memory_order_relaxed); }
  /// For counters mirrored from a source that keeps its own total (the kernel's CPU time).
  void mirror(double total) { value_.store(total, std::memory_order_relaxed); }
  [[nodiscard]] double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// A value that goes up and down. Safe to update from any thread.
class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void inc(double by = 1.0) { value_.fetch_add(by, std::memory_order_relaxed); }
  void dec(double by = 1.0) { value_.fetch_sub(by, std::memory_order_relaxed); }
  [[nodiscard]] double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// Owns metric families; references it returns stay valid for its lifetime.
/// Registering the same name and labels twice returns the same object; registering a name
/// with another type is a programmer error (asserts).
class MetricsRegistry {
 public:
  Counter& counter(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const MetricLabels& labels = {});

  /// Renders every family, sorted by name then labels, ending with a newline.
  [[nodiscard]] std::string render() const;

 private:
  enum class Type { counter, gauge };
  struct Family {
    Type type;
    std::string help;
    std::map<std::string, std::unique_ptr<Counter>> counters;  // key: rendered label set
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
  };
  Family& family(std::string_view name, std::string_view help, Type type);

  std::map<std::string, Family, std::less<>> families_;
};

/// Renders `{a="x",b="y"}` with Prometheus escaping, or "" for no labels.
std::string render_labels(const MetricLabels& labels);

}  // namespace weft
