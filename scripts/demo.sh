#!/usr/bin/env bash
# `make demo`: start what weft can do today in network namespaces, show it, clean up.
# Today: three hosts on a veth underlay, a weftd on each, `weft status` and metrics.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
export WEFT_BIN_DIR=${WEFT_BIN_DIR:-$src/build/bin}
. "$src/tests/netns/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
  echo "make demo needs root (it creates network namespaces); run it with sudo"; exit 1
fi
require_root_netns

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "three hosts on an underlay (198.18.0.0/24) through a switch namespace"
make_hosts 3
for i in 1 2 3; do ip -n "${HOSTS[$i]}" -br addr show eth0; done

say "a weftd on each host (own --data-dir and --run-dir under $T_TMP)"
for i in 1 2 3; do
  start_weftd "${HOSTS[$i]}" "host$i"
done
for i in 1 2 3; do wait_weftd "${HOSTS[$i]}" "host$i" || exit 1; done

say "weft status on host1"
weft "${HOSTS[1]}" host1 status

say "every host has its own persisted peer name"
for i in 1 2 3; do
  printf 'host%s: ' "$i"
  weft "${HOSTS[$i]}" "host$i" report | python3 -c 'import json,sys; r=json.load(sys.stdin)["router"]; print(r["name"], r["nickname"])'
done

say "metrics from host2 (read-only TCP API on 127.0.0.1:6784 inside its namespace)"
in_ns "${HOSTS[2]}" curl -sf http://127.0.0.1:6784/metrics | grep -E '^(weft_|process_resident)'

say "the mesh, IPAM, pods and DNS arrive with the next issues (see README: what works today)"
say "cleaning up: SIGTERM to each weftd, namespaces removed"
