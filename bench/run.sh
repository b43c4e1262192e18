#!/usr/bin/env bash
# Runs every benchmark against a build dir (default build/release). Each prints its figure
# as a ratio against a baseline measured in the same run.
set -euo pipefail
build=${1:-build/release}
"$build/bin/store_bench" 2000
# 50 weftd in network namespaces (needs root; says SKIP otherwise).
bash bench/weftd_mesh_bench.sh "$build"
