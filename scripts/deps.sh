#!/usr/bin/env bash
# Installs every Debian 12 package that weft's build, tests and demo need, and
# only the ones that are missing, without prompts. Safe to run again.
set -euo pipefail

# Build toolchain and libraries (DESIGN.md: Dependencies).
BUILD_PKGS=(
  build-essential g++-12 cmake ninja-build pkg-config git
  libboost1.81-dev libsqlite3-dev libsodium-dev libnl-3-dev libnl-route-3-dev
  libc-ares-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libyaml-cpp-dev libnftables-dev catch2
  clang-14 libclang-rt-14-dev clang-format-14
)
# What the tests and the demo run: namespaces, real clients.
TEST_PKGS=(
  iproute2 iputils-ping procps curl sqlite3 nftables tcpdump python3
  # CNI: the reference plugins chained after weft (portmap needs iptables), and what
  # scripts/build-cnitool.sh builds the upstream client cnitool from.
  containernetworking-plugins iptables golang-go golang-github-appc-cni-dev dpkg-dev
  socat busybox-static iperf3
  # A real runtime driving weft-cni: podman with its CNI backend (runc: see 090_podman).
  podman runc
  # The userspace tunnels bench/sleeve_iperf_bench.sh measures the sleeve against.
  fastd tinc
  # DNS: dig in the netns tests, dnsmasq as their upstream and the bench baseline, dnsperf.
  bind9-dnsutils dnsmasq-base dnsperf
)

missing=()
for p in "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"; do
  # dpkg-query says "install ok installed" only for a fully installed package.
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
# The upstream CNI client the netns tests drive weft-cni with (no Debian package has it).
cnitool() { $SUDO bash "$(dirname "$0")/build-cnitool.sh"; }

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#BUILD_PKGS[@]}+${#TEST_PKGS[@]} packages present"
  cnitool
  exit 0
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
cnitool
