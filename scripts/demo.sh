#!/usr/bin/env bash
# `make demo`: start what weft can do today in network namespaces, show it, clean up.
# Today: three hosts on a veth underlay, a weftd on each joined into an encrypted mesh,
# `weft status`, peers, connections and metrics; IPAM seeded by the three hosts' nicknames:
# addresses allocated on each host, `weft status ipam`, `weft ps`; the kernel VXLAN fast
# path: a pod per host (attached by hand until weft-cni lands) pinging the others.
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

say "a weftd on each host, one generated mesh password, host2 and host3 pointed at host1"
head -c 32 /dev/urandom | base64 >"$T_TMP/password"
seeds=(--ipalloc-init seed=host1,host2,host3)
start_weftd "${HOSTS[1]}" host1 --password-file "$T_TMP/password" "${seeds[@]}"
for i in 2 3; do
  start_weftd "${HOSTS[$i]}" "host$i" --password-file "$T_TMP/password" --peer 198.18.0.1 \
    "${seeds[@]}"
done
for i in 1 2 3; do wait_weftd "${HOSTS[$i]}" "host$i" || exit 1; done
for _ in $(seq 100); do  # discovery connects host2 and host3 too
  n=$(weft "${HOSTS[2]}" host2 status connections | grep -c established)
  [ "$n" = 2 ] && break
  sleep 0.1
done

say "weft status on host1"
weft "${HOSTS[1]}" host1 status

say "weft status peers on host2 (every peer and its connections)"
weft "${HOSTS[2]}" host2 status peers

say "weft status connections on host3"
weft "${HOSTS[3]}" host3 status connections

say "every host has its own persisted peer name"
for i in 1 2 3; do
  printf 'host%s: ' "$i"
  weft "${HOSTS[$i]}" "host$i" report | python3 -c 'import json,sys; r=json.load(sys.stdin)["router"]; print(r["name"], r["nickname"])'
done

say "metrics from host2 (read-only TCP API on 127.0.0.1:6784 inside its namespace)"
in_ns "${HOSTS[2]}" curl -sf http://127.0.0.1:6784/metrics | grep -E '^(weft_|process_resident)'

say "IPAM: the ring seeded by the three hosts (by nickname), 3 addresses allocated on each"
for _ in $(seq 100); do
  weft "${HOSTS[3]}" host3 status | grep -q "Status: ready" && break
  sleep 0.1
done
for i in 1 2 3; do
  for k in 1 2 3; do weft "${HOSTS[$i]}" "host$i" ipam allocate "pod-$i-$k" >/dev/null; done
done
weft "${HOSTS[1]}" host1 status ipam
say "weft ps on host2 (the addresses held there)"
weft "${HOSTS[2]}" host2 ps

say "fast path: each weftd made bridge weft and VXLAN weft-vxlan with a flood entry per peer"
for i in 1 2 3; do
  for _ in $(seq 75); do
    [ "$(bridge -n "${HOSTS[$i]}" fdb show dev weft-vxlan 2>/dev/null | grep -c '^00:00:00:00:00:00')" = 2 ] && break
    sleep 0.2
  done
done
weft "${HOSTS[1]}" host1 status | sed -n '/Service: fastdp/,/^$/p'
bridge -n "${HOSTS[1]}" fdb show dev weft-vxlan | grep '^00:00:00:00:00:00'

say "a pod per host (a namespace on a veth into weft, its address from weftd), pinging across hosts"
declare -A POD ADDR
for i in 1 2 3; do
  attach_pod "${HOSTS[$i]}" "host$i" "$i"
  POD[$i]=$POD_NS
  ADDR[$i]=$POD_IP
  echo "pod on host$i: ${ADDR[$i]}"
done
for i in 1 2 3; do
  for j in 1 2 3; do
    [ "$i" = "$j" ] && continue
    in_ns "${POD[$i]}" ping -c 1 -W 2 "${ADDR[$j]}" | grep -E 'bytes from|100% packet loss'
  done
done

say "weft-cni, expose/egress, the encrypted sleeve and DNS arrive with the next issues (see README)"
say "cleaning up: SIGTERM to each weftd, namespaces removed"
