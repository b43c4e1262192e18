#!/usr/bin/env bash
# Runs every benchmark against a build dir (default build/release). Each prints its figure
# as a ratio against a baseline measured in the same run.
set -euo pipefail
build=${1:-build/release}
"$build/bin/store_bench" 2000
# One weftd in a network namespace (needs root; says SKIP otherwise).
bash bench/ipam_alloc_bench.sh "$build"
# N = 5,000 takes over an hour here (bench/README.md); GOSSIP_SCALE_N overrides the sizes.
# shellcheck disable=SC2086
"$build/bin/gossip_scale" ${GOSSIP_SCALE_N:-100 1000 2000}
# 50 weftd in network namespaces (needs root; says SKIP otherwise).
bash bench/weftd_mesh_bench.sh "$build"
# Pods on two hosts: weft's fast path vs a hand-built VXLAN vs the veth underlay (root).
bash bench/fastdp_iperf_bench.sh "$build"
STREAMS=4 bash bench/fastdp_iperf_bench.sh "$build"
# Pods on two hosts over weft's sleeve (encrypted, plain) vs fastd and tinc, 1 and 4 streams
# (root). Without fastd or tinc (make deps installs them) it skips (exit 77) and the run goes on.
bash bench/sleeve_iperf_bench.sh "$build" || [ $? -eq 77 ]
# CNI ADD/DEL latency over 200 pods: weft-cni vs bridge + host-local (root).
bash bench/cni_latency_bench.sh "$build"
# The 100-peer IPAM simulation over 10,000 seeds (~2 h on 2 cores); IPAM_SIM_SEEDS overrides.
bash bench/ipam_sim_seeds.sh "$build" "${IPAM_SIM_SEEDS:-10000}"
